//! Tests of the YAML fast path: each construct against expected values and
//! against the general parser, every construct that must fall back, and a
//! differential run over the shared corpus.

use super::check::{compare, yaml_chunks};
use super::parse_document;
use crate::parse::yaml::parse_document_general;
use crate::value::{Node, Value};
use std::path::{Path, PathBuf};

/// The fast path's tree, which must equal the general parser's.
fn fast(t: &str) -> Node<'_> {
    let n = parse_document(t, 0).unwrap_or_else(|| panic!("fast path declined {t:?}"));
    assert_eq!(compare(t, 0), Ok(true), "{t:?}");
    n
}

fn declined(t: &str) {
    assert!(parse_document(t, 0).is_none(), "fast path took {t:?}");
}

fn s(v: &str) -> Value<'static> {
    Value::String(v.to_owned().into())
}

fn num(v: &str) -> Value<'static> {
    Value::Number(v.to_owned().into())
}

fn get<'n>(n: &'n Node<'_>, k: &str) -> &'n Value<'n> {
    let obj = n.as_object().expect("a mapping");
    &obj.iter()
        .find(|e| e.key == k)
        .unwrap_or_else(|| panic!("no key {k}"))
        .value
        .value
}

/// The text a span covers.
fn at(t: &str, start: u32, end: u32) -> &str {
    &t[start as usize..end as usize]
}

#[test]
fn yaml11_scalars_and_keys() {
    let t = "on: 1\nversion: 1.0\nname: y\nv: 0.1.0\nnu: ~\no: 010\nx: 0x1F\ne: 1e3\nf: .5\nyes: no\n\
             b: True\nc: tRUE\nd: 1_000\nz: -0.0\nneg: -12\nnull: Null\n3: three\n";
    let n = fast(t);
    let keys: Vec<&str> = n
        .as_object()
        .unwrap()
        .iter()
        .map(|e| e.key.as_ref())
        .collect();
    assert_eq!(
        keys,
        [
            "true", "version", "name", "v", "nu", "o", "x", "e", "f", "true", "b", "c", "d", "z",
            "neg", "null", "3"
        ]
    );
    assert_eq!(*get(&n, "version"), num("1"));
    assert_eq!(*get(&n, "name"), Value::Bool(true));
    assert_eq!(*get(&n, "v"), s("0.1.0"));
    assert_eq!(*get(&n, "nu"), Value::Null);
    assert_eq!(*get(&n, "o"), num("8"));
    assert_eq!(*get(&n, "x"), num("31"));
    assert_eq!(*get(&n, "e"), num("1000"));
    assert_eq!(*get(&n, "f"), num("0.5"));
    assert_eq!(*get(&n, "b"), Value::Bool(true));
    assert_eq!(*get(&n, "c"), s("tRUE"));
    assert_eq!(*get(&n, "d"), num("1000"));
    assert_eq!(*get(&n, "neg"), num("-12"));
    assert_eq!(*get(&n, "3"), s("three"));
    let obj = n.as_object().unwrap();
    assert_eq!(obj[0].value.value, num("1"));
    assert_eq!(obj[9].value.value, Value::Bool(false), "yes: no");
    // Quoted scalars are strings.
    let n = fast("a: 'y'\nb: \"1.0\"\nc: ''\nd: \"\"\n");
    assert_eq!(*get(&n, "a"), s("y"));
    assert_eq!(*get(&n, "b"), s("1.0"));
    assert_eq!(*get(&n, "c"), s(""));
    assert_eq!(*get(&n, "d"), s(""));
}

#[test]
fn spans() {
    let t = "# head\nname: foo  # c\nlist:\n- a\n-  'q''s'\nmap:\n  k: \"v\"\n  e:\nlit: |\n  x\n\n  y\n\nlast: é\n";
    let n = parse_document(t, 100).unwrap();
    assert_eq!(compare(t, 100), Ok(true));
    let sp = |a: u32, b: u32| at(t, a - 100, b - 100);
    let obj = n.as_object().unwrap();
    assert_eq!(
        sp(n.start, n.end),
        &t[7..t.len() - 1],
        "mapping: first key to last value"
    );
    let name = &obj[0];
    assert_eq!(sp(name.key_start, name.key_end), "name");
    assert_eq!(sp(name.value.start, name.value.end), "foo");
    let list = &obj[1].value;
    assert_eq!(
        sp(list.start, list.end),
        "a\n-  'q''s'",
        "a sequence at its key's indentation starts at its first item"
    );
    assert_eq!(
        sp(
            list.as_array().unwrap()[1].start,
            list.as_array().unwrap()[1].end
        ),
        "'q''s'"
    );
    let map = &obj[2].value;
    assert_eq!(sp(map.start, map.end), "k: \"v\"\n  e");
    let e = &map.as_object().unwrap()[1];
    assert_eq!(
        (e.value.start, e.value.end),
        (e.key_end, e.key_end),
        "an empty value sits at its ':'"
    );
    let lit = &obj[3].value;
    assert_eq!(lit.value, s("x\n\ny\n"));
    assert_eq!(
        sp(lit.start, lit.end),
        "x\n\n  y\n\n",
        "a block scalar ends where the next line starts"
    );
    assert_eq!(sp(obj[4].value.start, obj[4].value.end), "é");
    // An indented sequence starts at its `-`; an empty item after `- `.
    let t = "a:\n  - x\n  -\n  - # c\nb: 1\n";
    let n = fast(t);
    let a = &n.as_object().unwrap()[0].value;
    assert_eq!(at(t, a.start, a.end), "- x\n  -\n  - # c");
    let items = a.as_array().unwrap();
    assert_eq!(items[1].value, Value::Null);
    assert_eq!(items[1].start as usize, t.find("-\n").unwrap() + 1);
    assert_eq!(
        items[2].start as usize,
        t.find("# c").unwrap() + 3,
        "after the comment"
    );
    // Comment-only document: null spanning the chunk.
    let n = parse_document("# only\n\n", 5).unwrap();
    assert!(n.is_null());
    assert_eq!((n.start, n.end), (5, 13));
    assert!(parse_document("", 0).unwrap().is_null());
}

#[test]
fn structures() {
    let t = "a:\n  b:\n    c: 1\n  d:\n  - x\n  - yy: 1\n    z: 2\n  -\n    w: 3\n  - - p\n    - q\n  -\n  - []\n  - {}\n\
             e:\n- 1\n-\n  - 2\nf: {}\ng: last\ng: dup\n";
    let n = fast(t);
    let j = n.to_json();
    assert_eq!(
        j,
        serde_json::json!({
            "a": {"b": {"c": 1}, "d": ["x", {"yy": 1, "z": 2}, {"w": 3}, ["p", "q"], null, [], {}]},
            "e": [1, [2]],
            "f": {},
            "g": "dup"
        })
    );
    let keys: Vec<&str> = n
        .as_object()
        .unwrap()
        .iter()
        .map(|e| e.key.as_ref())
        .collect();
    assert_eq!(keys, ["a", "e", "f", "g", "g"], "duplicates kept in order");
    // Root sequence, indented root, comments and blank lines everywhere.
    let t = "\n# c\n- a: 1 # c\n\n  # c\n  b: 2\n# c\n- c\n\n";
    assert_eq!(
        fast(t).to_json(),
        serde_json::json!([{"a": 1, "b": 2}, "c"])
    );
    assert_eq!(
        fast("  a: 1\n  b: 2\n").to_json(),
        serde_json::json!({"a": 1, "b": 2})
    );
    // A scalar on the line below its key.
    assert_eq!(
        fast("a:\n  long\n  text\nb: 1\n").to_json(),
        serde_json::json!({"a": "long text", "b": 1})
    );
    // Values that look like indicators but are plain.
    let n = fast("a: -x\nb: x:y:z\nc: a#b\nd: http://x/y?z=1&w=*\ne: 'it''s' # c\n");
    assert_eq!(*get(&n, "c"), s("a#b"));
    assert_eq!(*get(&n, "e"), s("it's"));
    declined("b: x: y\n");
}

#[test]
fn plain_multi_line_folding() {
    // go-yaml v2 wraps long strings at 80 columns like this.
    let t = "d: first line\n  second   line  \n\n  third\n\n\n  fourth\ne: next\n";
    let n = fast(t);
    assert_eq!(
        *get(&n, "d"),
        s("first line second   line\nthird\n\nfourth")
    );
    let d = &n.as_object().unwrap()[0].value;
    assert_eq!(
        at(t, d.start, d.end),
        "first line\n  second   line  \n\n  third\n\n\n  fourth"
    );
    // Continuation lines only need to be more indented than the key.
    assert_eq!(*get(&fast("  a: x\n   y\n  b: z\n"), "a"), s("x y"));
    // In a sequence, more indented than the `-`.
    assert_eq!(
        fast("- x\n y\n- - a\n   b\n").to_json(),
        serde_json::json!(["x y", ["a b"]])
    );
    assert_eq!(fast("- a\n  - b\n").to_json(), serde_json::json!(["a - b"]));
    // A continuation may start with what would be an indicator elsewhere.
    assert_eq!(
        *get(&fast("a: x\n  - y\n  [z] *w &v !u\n"), "a"),
        s("x - y [z] *w &v !u")
    );
    // A comment line ends the scalar.
    assert_eq!(
        fast("a: x\n  # c\nb: z\n").to_json(),
        serde_json::json!({"a": "x", "b": "z"})
    );
    // A folded number is a string no more.
    assert_eq!(*get(&fast("a: 1\n  2\n"), "a"), s("1 2"));
}

#[test]
fn quoted_scalars() {
    let t = "a: 'one ''two''\n   three  \n\n  four'\nb: \"x\\ty\\\\z\\\"q\\u00e9\\x41\\U0001F600\\ \\n\\0\"\n\
             c: \"wrapped\n  line \\\n  joined\\\n  \\ spaced\n\n  para\"\nd: \"  lead\"\n";
    let n = fast(t);
    assert_eq!(*get(&n, "a"), s("one 'two' three\nfour"));
    assert_eq!(*get(&n, "b"), s("x\ty\\z\"q\u{e9}A\u{1F600} \n\0"));
    assert_eq!(*get(&n, "c"), s("wrapped line joined spaced\npara"));
    assert_eq!(*get(&n, "d"), s("  lead"));
    let b = &n.as_object().unwrap()[1].value;
    assert!(at(t, b.start, b.end).starts_with('"') && at(t, b.start, b.end).ends_with('"'));
    // The closing quote alone on a line, and spaces before it.
    assert_eq!(*get(&fast("a: 'x\n  '\nb: 'y  '\n"), "a"), s("x "));
    assert_eq!(*get(&fast("a: \"x\n\n  \"\n"), "a"), s("x\n"));
    assert_eq!(
        fast("- 'a'\n- \"b\" # c\n").to_json(),
        serde_json::json!(["a", "b"])
    );
}

#[test]
fn literal_block_scalars() {
    let body = "  line 1\n\n    indented\n  line 3\n\n\n";
    for (h, want) in [
        ("|", "line 1\n\n  indented\nline 3\n"),
        ("|-", "line 1\n\n  indented\nline 3"),
        ("|+", "line 1\n\n  indented\nline 3\n\n\n"),
    ] {
        let t = format!("k: {h}\n{body}n: 1\n");
        assert_eq!(*get(&fast(&t), "k"), s(want), "{h}");
        // Keep chomping at the end of the document, too.
        let t = format!("k: {h}\n{body}");
        assert_eq!(*get(&fast(&t), "k"), s(want), "{h} at the end");
    }
    // Leading blank lines, whitespace-only lines, comments inside, a header comment.
    let t = "k: | # c\n\n  a\n   \n  # not a comment\n    \nn: 1\n";
    assert_eq!(*get(&fast(t), "k"), s("\na\n \n# not a comment\n  \n"));
    // Explicit indentation: the content may start with spaces.
    let t = "- k: |2\n      x\n     y\n- |1-\n  z\n";
    assert_eq!(
        fast(t).to_json(),
        serde_json::json!([{"k": "  x\n y\n"}, " z"])
    );
    // Ends at a less-indented line, which may be a sequence item.
    let t = "a:\n- |\n  x\n- z\n";
    assert_eq!(fast(t).to_json(), serde_json::json!({"a": ["x\n", "z"]}));
}

#[test]
fn falls_back_outside_the_subset() {
    for t in [
        // characters
        "a: b\tc\n",
        "a: b\r\n",
        "a: b\u{1}\n",
        "a: b\u{7f}\n",
        "a: b\u{85}c\n",
        "a: b\u{2028}c\n",
        "a: \u{feff}b\n",
        "a: \u{9f}\n",
        // anchors, aliases, tags, directives, document markers, merge keys
        "a: &x 1\nb: *x\n",
        "a: *x\n",
        "a: !!str 1\n",
        "a: !foo 1\n",
        "%YAML 1.1\na: 1\n",
        "a: 1\n...\n",
        "<<: {}\n",
        "a: <<\n",
        // keys
        "? a\n: 1\n",
        "'a': 1\n",
        "\"a\": 1\n",
        "a : 1\n",
        "[a]: 1\n",
        "- a: 1\n  'b': 2\n",
        // flow collections with content
        "a: [1]\n",
        "a: {b: 1}\n",
        "a: [ ]\n",
        "{a: 1}\n",
        // scalar forms
        "a: >\n  folded\n",
        "a: |0\n  x\n",
        "a: |\n",
        "a: |\nb: 1\n",
        "a: |\n  x",
        "a: |\n\n    \n  x\n",
        "a: \"\\/\"\n",
        "a: \"\\'\"\n",
        "a: \"\\q\"\n",
        "a: \"\\ud800\"\n",
        "a: \"x\n",
        "a: 'x\nb: 1\n",
        "a: 'x' y\n",
        "a: 'x'#c\n",
        "a: .nan\n",
        "a: -.Inf\n",
        // plain scalars that are not
        "a: b: c\n",
        "a: b:\n",
        "a: x\n  y: z\n",
        "a: x # c\n  y\n",
        "a: x\n  y # c\n",
        "a: x\n  y:\n",
        "a: @x\n",
        "a: `x`\n",
        "a: %x\n",
        "a: - x\n",
        "a: -\n",
        "a: ,x\n",
        "a: ]\n",
        "a: :x\n",
        "a: ?x\n",
        // structure
        "a\n",
        "'a'\n",
        "a: 1\n b: 2\n",
        "a: 1\n  b: 2\n",
        "a:\n  b: 1\n c: 2\n",
        "a: 1\n- b\n",
        "- a\nb: 1\n",
        "a:\n  - x\n  b: 1\n",
        "a:\n  |\n  x\n",
        "  a: 1\nb: 2\n",
    ] {
        declined(t);
    }
}

#[test]
fn depth_is_bounded() {
    // Run where the stack is the default for spawned threads (2 MiB).
    std::thread::spawn(|| {
        let deep_seq = "- ".repeat(5000) + "x\n";
        declined(&deep_seq);
        let ok_seq = "- ".repeat(900) + "x\n";
        fast(&ok_seq);
        let mut deep_map = String::new();
        for i in 0..1500 {
            deep_map.push_str(&" ".repeat(i));
            deep_map.push_str("k:\n");
        }
        declined(&deep_map);
        // Blank lines after a deep nest are not scanned once per level.
        let mut nest: String = (0..999).map(|i| " ".repeat(i) + "k:\n").collect();
        nest.push_str(&"\n".repeat(100_000));
        let t0 = std::time::Instant::now();
        assert!(parse_document(&nest, 0).is_some());
        assert!(t0.elapsed().as_secs() < 5, "{:?}", t0.elapsed());
    })
    .join()
    .unwrap();
}

/// Every prefix and many one-byte mutations of a document that uses every
/// construct: the fast path must never panic, and when it answers, agree
/// with the general parser.
#[test]
fn mutations_agree_with_the_general_parser() {
    let t = "# c\nschema: olm.bundle\nname: \"x.v1\" # c\non: y\nproperties:\n- type: olm.gvk\n  value:\n    \
             group: 'a.io'\n    v: 1.0\n- type: olm.bundle.object\n  value:\n    data: eyJhIjoxfQ==\nd: |-\n  é\n\n   \
             z\nl:\n  - x\n    y\n  -\n  - - 'q\n      r'\n  - \"a\\\n    b\\u00e9\"\ne: []\n";
    assert_eq!(compare(t, 0), Ok(true));
    let check = |m: &str| {
        if let Err(e) = compare(m, 0) {
            panic!("{m:?}: {e}");
        }
    };
    for i in (0..=t.len()).filter(|&i| t.is_char_boundary(i)) {
        check(&t[..i]);
        check(&t[i..]);
    }
    let bytes = [
        " ", "\n", "-", ":", "#", "'", "\"", "|", "\\", "x", "é", "[", "{", "?", "&", "\t", "  ",
    ];
    for i in (0..t.len()).filter(|&i| t.is_char_boundary(i)) {
        let next = (i + 1..=t.len()).find(|&j| t.is_char_boundary(j)).unwrap();
        for b in bytes {
            check(&format!("{}{b}{}", &t[..i], &t[next..]));
            check(&format!("{}{b}{}", &t[..i], &t[i..]));
        }
    }
}

fn shared_dir() -> Option<PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared");
    d.is_dir().then_some(d)
}

fn walk(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(p)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for e in entries {
            walk(&e, out);
        }
    } else if p.is_file() {
        out.push(p.to_path_buf());
    }
}

/// Every document of the shared corpus and conformance cases: where the fast
/// path answers, it must give the general parser's tree, spans included. In
/// debug builds (where saphyr is slow) only documents up to 128 KiB and up to
/// 64 KiB of each file are compared; the release example `fastyaml_diff`
/// covers everything.
#[test]
fn corpus_differential() {
    let Some(shared) = shared_dir() else {
        println!("skipped: no ../shared next to the workspace");
        return;
    };
    let (doc_limit, file_limit) = if cfg!(debug_assertions) {
        (128 << 10, 64 << 10)
    } else {
        (usize::MAX, usize::MAX)
    };
    let mut files = Vec::new();
    for d in ["corpus", "conformance/cases"] {
        walk(&shared.join(d), &mut files);
    }
    let (mut docs, mut hits, mut bytes, mut hit_bytes, mut skipped) = (0, 0, 0, 0, 0);
    let mut mismatches = Vec::new();
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let mut file_bytes = 0;
        for (from, to) in yaml_chunks(&text) {
            let chunk = &text[from..to];
            if chunk.len() > doc_limit || file_bytes > file_limit {
                skipped += 1;
                continue;
            }
            file_bytes += chunk.len();
            docs += 1;
            bytes += chunk.len();
            match compare(chunk, from) {
                Ok(true) => {
                    hits += 1;
                    hit_bytes += chunk.len();
                }
                Ok(false) => {}
                Err(e) => mismatches.push(format!("{} @{from}: {e}", f.display())),
            }
        }
    }
    println!(
        "{} files, {docs} documents compared ({skipped} skipped): fast path took {hits} \
         ({:.2}% of {bytes} bytes)",
        files.len(),
        100.0 * hit_bytes as f64 / bytes.max(1) as f64
    );
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert!(hits > 0);
}

#[test]
fn general_parser_still_reports_errors() {
    // The hook keeps errors to the general parser.
    assert!(crate::parse::yaml::parse_document("a: [1\n", 0).is_err());
    assert!(parse_document_general("a: 1\n", 0).is_ok());
}

/// Found by `fuzz/` (target yaml_json): a line at column 0 that starts
/// with a document marker followed by content (`... b: 2`) is not a mapping
/// key `... b`: the general parser rejects it. `---` lines never reach here
/// from `parse_stream`, but they end the document all the same.
#[test]
fn document_marker_lines_are_not_keys() {
    for t in ["... m:", "a: 1\n... b: 2\n", "a:\n  b: 1\n... c:\n"] {
        assert!(parse_document_general(t, 0).is_err(), "{t:?}");
        declined(t);
    }
    for t in ["--- m:", "a:\n--- m:\n"] {
        declined(t);
    }
    // Not markers: no space after them.
    for t in ["...: 1\n", "a: 1\n---x: 2\n", "a: 1\n....: 2\n"] {
        assert_eq!(compare(t, 0), Ok(true), "{t:?}");
    }
}
