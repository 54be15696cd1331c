//! YAML documents → [`Node`] trees with byte spans, resolving plain scalars
//! the way go-yaml v2 (YAML 1.1) does, as opm does: `yes`, `on`, `y` are
//! booleans, `1.0` is a number, `0.1.0` is a string.

use crate::value::{Entry, Node, Value};
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Tag};
use std::borrow::Cow;
use std::collections::HashMap;

/// A YAML error at a byte offset of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub offset: usize,
    pub message: String,
}

/// Maps the scanner's character indices (relative to a chunk) to byte
/// offsets in the file. Markers mostly arrive in increasing order, so a
/// forward-moving cursor makes this linear.
struct Offsets<'a> {
    chunk: &'a str,
    base: usize,
    ascii: bool,
    char_pos: usize,
    byte_pos: usize,
}

impl<'a> Offsets<'a> {
    fn new(chunk: &'a str, base: usize) -> Self {
        Offsets {
            chunk,
            base,
            ascii: chunk.is_ascii(),
            char_pos: 0,
            byte_pos: 0,
        }
    }

    fn byte(&mut self, m: &Marker) -> usize {
        let target = m.index();
        if self.ascii {
            return self.base + target.min(self.chunk.len());
        }
        if target < self.char_pos {
            self.char_pos = 0;
            self.byte_pos = 0;
        }
        let rest = &self.chunk[self.byte_pos..];
        let step = rest
            .char_indices()
            .nth(target - self.char_pos)
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        self.byte_pos += step;
        self.char_pos = target;
        self.base + self.byte_pos
    }
}

enum Frame<'a> {
    Seq {
        start: usize,
        anchor: usize,
        items: Vec<Node<'a>>,
    },
    Map {
        start: usize,
        anchor: usize,
        entries: Vec<Entry<'a>>,
        key: Option<(Cow<'a, str>, usize, usize, bool)>,
    },
}

/// Parse one YAML document (a chunk of the file between `---` separators,
/// starting at byte `base`). An empty chunk (only comments or blank lines)
/// is a null document, as go-yaml makes it.
pub fn parse_document<'a>(chunk: &'a str, base: usize) -> Result<Node<'a>, YamlError> {
    if let Some(node) = super::fastyaml::parse_document(chunk, base) {
        return Ok(node);
    }
    parse_document_general(chunk, base)
}

/// [`parse_document`] without the fast path: saphyr-parser events.
pub fn parse_document_general<'a>(chunk: &'a str, base: usize) -> Result<Node<'a>, YamlError> {
    let mut offsets = Offsets::new(chunk, base);
    let mut parser = Parser::new_from_str(chunk);
    let mut stack: Vec<Frame<'a>> = Vec::new();
    let mut anchors: HashMap<usize, Node<'a>> = HashMap::new();
    let mut root: Option<Node<'a>> = None;
    let mut in_doc = false;

    loop {
        let (event, span) = match parser.next_event() {
            None => break,
            Some(Ok(ev)) => ev,
            Some(Err(e)) => {
                let offset = offsets.byte(e.marker());
                return Err(YamlError {
                    offset,
                    message: format!("yaml: line {}: {}", e.marker().line(), e.info()),
                });
            }
        };
        let start = offsets.byte(&span.start);
        let end = offsets.byte(&span.end);
        let complete: Option<(Node<'a>, usize, bool)> = match event {
            Event::StreamStart | Event::Nothing => None,
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                in_doc = true;
                None
            }
            Event::DocumentEnd => {
                if in_doc {
                    break;
                }
                None
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(n) => {
                    let mut n = n.clone();
                    n.start = start as u32;
                    n.end = end as u32;
                    Some((n, 0, false))
                }
                None => {
                    return Err(YamlError {
                        offset: start,
                        message: "yaml: unknown anchor referenced".into(),
                    });
                }
            },
            Event::Scalar(text, style, anchor, tag) => {
                let (value, is_merge) =
                    resolve_scalar(text, style, tag.as_deref()).map_err(|message| YamlError {
                        offset: start,
                        message,
                    })?;
                Some((Node::new(start, end, value), anchor, is_merge))
            }
            Event::SequenceStart(anchor, _) => {
                stack.push(Frame::Seq {
                    start,
                    anchor,
                    items: Vec::new(),
                });
                None
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Frame::Map {
                    start,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                });
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq {
                    start: s,
                    anchor,
                    items,
                }) => {
                    let e = items.last().map(|n| n.end as usize).unwrap_or(end).max(s);
                    Some((Node::new(s, e, Value::Array(items)), anchor, false))
                }
                _ => {
                    return Err(YamlError {
                        offset: start,
                        message: "yaml: unbalanced sequence".into(),
                    });
                }
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    start: s,
                    anchor,
                    entries,
                    ..
                }) => {
                    let e = entries
                        .last()
                        .map(|n| n.value.end as usize)
                        .unwrap_or(end)
                        .max(s);
                    Some((Node::new(s, e, Value::Object(entries)), anchor, false))
                }
                _ => {
                    return Err(YamlError {
                        offset: start,
                        message: "yaml: unbalanced mapping".into(),
                    });
                }
            },
        };
        if let Some((node, anchor, is_merge)) = complete {
            if anchor != 0 {
                anchors.insert(anchor, node.clone());
            }
            match stack.last_mut() {
                None => {
                    root = Some(node);
                }
                Some(Frame::Seq { items, .. }) => items.push(node),
                Some(Frame::Map { entries, key, .. }) => match key.take() {
                    None => {
                        let (k, merge) =
                            key_string(&node, is_merge).map_err(|message| YamlError {
                                offset: node.start as usize,
                                message,
                            })?;
                        *key = Some((k, node.start as usize, node.end as usize, merge));
                    }
                    Some((k, ks, ke, merge)) => {
                        if merge {
                            merge_into(entries, node)?;
                        } else {
                            entries.push(Entry {
                                key: k,
                                key_start: ks as u32,
                                key_end: ke as u32,
                                value: node,
                            });
                        }
                    }
                },
            }
        }
    }
    Ok(root.unwrap_or_else(|| Node::new(base, base + chunk.len(), Value::Null)))
}

/// `<<: *anchor` or `<<: [*a, *b]`: copy the merged mappings' entries in.
fn merge_into<'a>(entries: &mut Vec<Entry<'a>>, node: Node<'a>) -> Result<(), YamlError> {
    let bad = |n: &Node<'_>| YamlError {
        offset: n.start as usize,
        message: "yaml: map merge requires map or sequence of maps as the value".into(),
    };
    match node.value {
        Value::Object(o) => entries.extend(o),
        Value::Array(items) => {
            for item in items.into_iter().rev() {
                match item.value {
                    Value::Object(o) => entries.extend(o),
                    _ => return Err(bad(&item)),
                }
            }
        }
        _ => return Err(bad(&node)),
    }
    Ok(())
}

/// JSON object keys are strings: YAML keys of other scalar types are
/// converted as sigs.k8s.io/yaml does; collections cannot be keys.
fn key_string<'a>(node: &Node<'a>, is_merge: bool) -> Result<(Cow<'a, str>, bool), String> {
    if is_merge {
        return Ok((Cow::Borrowed("<<"), true));
    }
    match &node.value {
        Value::String(s) => Ok((s.clone(), false)),
        Value::Number(n) => Ok((n.clone(), false)),
        Value::Bool(b) => Ok((Cow::Borrowed(if *b { "true" } else { "false" }), false)),
        Value::Null => Ok((Cow::Borrowed("null"), false)),
        Value::Array(_) | Value::Object(_) => {
            Err("yaml: invalid map key: a mapping or sequence cannot be a key".into())
        }
    }
}

fn resolve_scalar<'a>(
    text: Cow<'a, str>,
    style: ScalarStyle,
    tag: Option<&Tag>,
) -> Result<(Value<'a>, bool), String> {
    if let Some(tag) = tag
        && (tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!")
    {
        return match tag.suffix.as_str() {
            "str" | "binary" | "timestamp" => Ok((Value::String(text), false)),
            "null" => Ok((Value::Null, false)),
            "bool" | "int" | "float" => match resolve_plain(&text) {
                Some(v @ (Value::Bool(_) | Value::Number(_))) => Ok((v, false)),
                _ => Err(format!("yaml: cannot decode !!{} `{}`", tag.suffix, text)),
            },
            _ => Ok((Value::String(text), false)),
        };
    }
    if style != ScalarStyle::Plain {
        return Ok((Value::String(text), false));
    }
    if text == "<<" {
        return Ok((Value::String(text), true));
    }
    match resolve_plain(&text) {
        Some(Value::Number(n)) if n == "NaN" || n.ends_with("Inf") => {
            Err(format!("json: unsupported value: {n}"))
        }
        Some(v) => Ok((v, false)),
        None => Ok((Value::String(text), false)),
    }
}

/// go-yaml v2's resolution of a plain scalar; `None` means "a string".
pub fn resolve_plain(s: &str) -> Option<Value<'static>> {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Some(Value::Bool(true));
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Some(Value::Bool(false));
        }
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        ".nan" | ".NaN" | ".NAN" => return Some(Value::Number(Cow::Borrowed("NaN"))),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Some(Value::Number(Cow::Borrowed("+Inf")));
        }
        "-.inf" | "-.Inf" | "-.INF" => return Some(Value::Number(Cow::Borrowed("-Inf"))),
        _ => {}
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return None;
    }
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    if let Some(i) = go_parse_int(&plain) {
        return Some(Value::Number(Cow::Owned(i.to_string())));
    }
    if is_yaml_float(&plain)
        && let Ok(f) = plain.parse::<f64>()
        && f.is_finite()
    {
        return Some(Value::Number(Cow::Owned(format_float(f))));
    }
    let (neg, rest) = match plain.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, plain.as_str()),
    };
    if let Some(bin) = rest.strip_prefix("0b")
        && let Ok(v) = i128::from_str_radix(bin, 2)
    {
        let v = if neg { -v } else { v };
        return Some(Value::Number(Cow::Owned(v.to_string())));
    }
    None
}

/// Go `strconv.ParseInt(s, 0, 64)` / `ParseUint(s, 0, 64)`: optional sign,
/// `0x`, `0o`, `0b` or leading-`0` octal prefixes, `_` already removed.
fn go_parse_int(s: &str) -> Option<i128> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let (radix, digits) =
        if let Some(r) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (16, r)
        } else if let Some(r) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
            (8, r)
        } else if let Some(r) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
            (2, r)
        } else if body.len() > 1 && body.starts_with('0') {
            (8, &body[1..])
        } else {
            (10, body)
        };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let v = u128::from_str_radix(digits, radix).ok()?;
    if v > u64::MAX as u128 {
        return None;
    }
    let v = v as i128;
    if neg {
        if v > i64::MAX as i128 + 1 {
            return None;
        }
        Some(-v)
    } else {
        Some(v)
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - s
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

fn format_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e21 {
        format!("{}", f as i128)
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(t: &str) -> Node<'_> {
        parse_document(t, 0).unwrap()
    }

    #[test]
    fn yaml11_scalars() {
        let n =
            doc("a: y\nb: 'y'\nc: 1.0\nd: 0.1.0\ne: ~\nf: 0x10\ng: 1_000\nh: 08\ni: On\nj: tRUE\n");
        let get = |k: &str| n.field(k).unwrap().value.value.clone();
        assert_eq!(get("a"), Value::Bool(true));
        assert_eq!(get("b"), Value::String("y".into()));
        assert_eq!(get("c"), Value::Number("1".into()));
        assert_eq!(get("d"), Value::String("0.1.0".into()));
        assert_eq!(get("e"), Value::Null);
        assert_eq!(get("f"), Value::Number("16".into()));
        assert_eq!(get("g"), Value::Number("1000".into()));
        assert_eq!(get("h"), Value::Number("8".into()));
        assert_eq!(get("i"), Value::Bool(true));
        assert_eq!(get("j"), Value::String("tRUE".into()));
    }

    #[test]
    fn spans_are_bytes() {
        let t = "x: é\nname: foo\n";
        let n = parse_document(t, 10).unwrap();
        let e = n.field("name").unwrap();
        assert_eq!(e.key_start, 10 + 6);
        assert_eq!(
            &t[(e.value.start - 10) as usize..(e.value.end - 10) as usize],
            "foo"
        );
    }

    #[test]
    fn anchors_merge_and_null_docs() {
        // (`y` would be the boolean true in YAML 1.1, and so the key "true")
        let n = doc("base: &b {x: 1}\nother:\n  <<: *b\n  z: 2\n  y: 3\n");
        let o = &n.field("other").unwrap().value;
        assert!(o.field("x").is_some() && o.field("z").is_some() && o.field("true").is_some());
        assert!(doc("# only a comment\n").is_null());
        assert!(doc("\n\n").is_null());
        assert!(parse_document("a: [1\n", 0).is_err());
        assert!(parse_document("a: .nan\n", 0).is_err());
    }
}
