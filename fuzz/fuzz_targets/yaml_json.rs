//! The document parsers alone: `parse_stream` on any text (JSON streams,
//! YAML documents, the JSON→YAML fallback). Nothing may panic, every node
//! span must lie inside the text, and every document converts to JSON.
//!
//! Differential check of the YAML fast path: whenever
//! `fastyaml::parse_document` accepts a document (each chunk `parse_stream`
//! would cut, and the whole text), the general parser
//! (`yaml::parse_document_general`, on saphyr) must accept it too and build
//! the same tree, spans included (`fastyaml::check::compare`).

#![no_main]

use fbc_core::parse;
use fbc_core::parse::fastyaml::{self, check};
use fbc_core::value::{Node, Value};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = parse::parse_stream(&text);
    for doc in &parsed.docs {
        check_spans(doc, text.len());
        let _ = doc.to_json();
    }
    for e in &parsed.errors {
        assert!(
            e.offset <= text.len(),
            "error offset {} > {}",
            e.offset,
            text.len()
        );
    }
    let _ = parse::documents_to_json(&text);

    // The chunks parse_stream gives the YAML parsers, and the whole text.
    for (from, to) in check::yaml_chunks(&text) {
        if let Err(e) = check::compare(&text[from..to], from) {
            panic!("bytes {from}..{to}: {e}");
        }
    }
    if let Some(fast) = fastyaml::parse_document(&text, 0) {
        check_spans(&fast, text.len());
        if let Err(e) = check::compare(&text, 0) {
            panic!("whole text: {e}");
        }
    }
});

fn check_spans(n: &Node<'_>, len: usize) {
    assert!(
        n.start <= n.end && n.end as usize <= len,
        "node span {}..{} outside text of {len} bytes",
        n.start,
        n.end
    );
    match &n.value {
        Value::Array(items) => items.iter().for_each(|i| check_spans(i, len)),
        Value::Object(entries) => {
            for e in entries {
                assert!(
                    e.key_start <= e.key_end && e.key_end as usize <= len,
                    "key span {}..{} outside text of {len} bytes",
                    e.key_start,
                    e.key_end
                );
                check_spans(&e.value, len);
            }
        }
        _ => {}
    }
}
