//! The document parsers alone: `parse_stream` on any text (JSON streams,
//! YAML documents, the JSON→YAML fallback). Nothing may panic, every node
//! span must lie inside the text, and every document converts to JSON.

#![no_main]

use fbc_core::parse;
use fbc_core::value::{Node, Value};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = parse::parse_stream(&text);
    for doc in &parsed.docs {
        check(doc, text.len());
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
});

fn check(n: &Node<'_>, len: usize) {
    assert!(
        n.start <= n.end && n.end as usize <= len,
        "node span {}..{} outside text of {len} bytes",
        n.start,
        n.end
    );
    match &n.value {
        Value::Array(items) => items.iter().for_each(|i| check(i, len)),
        Value::Object(entries) => {
            for e in entries {
                assert!(
                    e.key_start <= e.key_end && e.key_end as usize <= len,
                    "key span {}..{} outside text of {len} bytes",
                    e.key_start,
                    e.key_end
                );
                check(&e.value, len);
            }
        }
        _ => {}
    }
}
