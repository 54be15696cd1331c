//! A JSON-shaped document tree that remembers where every node came from.
//!
//! Both JSON streams and YAML documents parse into [`Node`]s. Strings borrow
//! from the file text whenever they contain no escapes, so the large base64
//! payloads of `olm.bundle.object` properties are never copied.

use std::borrow::Cow;

/// The kind of a JSON value, named as Go's `encoding/json` names it in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl Kind {
    /// Go's word for it: `cannot unmarshal <word> into ...`.
    pub fn go_name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "bool",
            Kind::Number => "number",
            Kind::String => "string",
            Kind::Array => "array",
            Kind::Object => "object",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    /// The number as written (JSON) or as resolved (YAML, normalised to JSON syntax).
    Number(Cow<'a, str>),
    String(Cow<'a, str>),
    Array(Vec<Node<'a>>),
    Object(Vec<Entry<'a>>),
}

/// A value with the byte range it was parsed from.
#[derive(Debug, Clone, PartialEq)]
pub struct Node<'a> {
    pub start: u32,
    pub end: u32,
    pub value: Value<'a>,
}

/// One key/value pair of an object. Keys keep their source order; duplicates
/// are kept too (callers decide which one wins, as Go would).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry<'a> {
    pub key: Cow<'a, str>,
    pub key_start: u32,
    pub key_end: u32,
    pub value: Node<'a>,
}

impl<'a> Node<'a> {
    pub fn new(start: usize, end: usize, value: Value<'a>) -> Self {
        Node {
            start: start as u32,
            end: end.max(start) as u32,
            value,
        }
    }

    pub fn kind(&self) -> Kind {
        match self.value {
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Bool,
            Value::Number(_) => Kind::Number,
            Value::String(_) => Kind::String,
            Value::Array(_) => Kind::Array,
            Value::Object(_) => Kind::Object,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Node<'a>]> {
        match &self.value {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[Entry<'a>]> {
        match &self.value {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// Go `encoding/json` field lookup on an object: keys match the field
    /// name case-insensitively, and when several keys match, the one Go would
    /// assign last wins. opm decodes from a re-encoded map whose keys are
    /// sorted, so that is the greatest matching key; among identical keys
    /// (YAML or JSON duplicates), the last one.
    pub fn field(&self, name: &str) -> Option<&Entry<'a>> {
        let obj = self.as_object()?;
        let mut best: Option<&Entry<'a>> = None;
        for e in obj {
            if fold_eq(&e.key, name) && best.is_none_or(|b| e.key.as_ref() >= b.key.as_ref()) {
                best = Some(e);
            }
        }
        best
    }

    /// Convert to `serde_json::Value` (for schema checks and re-encoding).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(n) => serde_json::from_str::<serde_json::Number>(n)
                .map(J::Number)
                .unwrap_or_else(|_| {
                    n.parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                        .map(J::Number)
                        .unwrap_or(J::Null)
                }),
            Value::String(s) => J::String(s.to_string()),
            Value::Array(a) => J::Array(a.iter().map(Node::to_json).collect()),
            Value::Object(o) => {
                let mut m = serde_json::Map::new();
                // Last duplicate wins, as in Go maps.
                for e in o {
                    m.insert(e.key.to_string(), e.value.to_json());
                }
                J::Object(m)
            }
        }
    }

    /// Turn borrowed strings into owned ones so the node outlives its text.
    pub fn into_owned(self) -> Node<'static> {
        Node {
            start: self.start,
            end: self.end,
            value: match self.value {
                Value::Null => Value::Null,
                Value::Bool(b) => Value::Bool(b),
                Value::Number(n) => Value::Number(Cow::Owned(n.into_owned())),
                Value::String(s) => Value::String(Cow::Owned(s.into_owned())),
                Value::Array(a) => Value::Array(a.into_iter().map(Node::into_owned).collect()),
                Value::Object(o) => Value::Object(
                    o.into_iter()
                        .map(|e| Entry {
                            key: Cow::Owned(e.key.into_owned()),
                            key_start: e.key_start,
                            key_end: e.key_end,
                            value: e.value.into_owned(),
                        })
                        .collect(),
                ),
            },
        }
    }
}

/// Case-insensitive comparison as Go's JSON field matching does it (Unicode
/// simple folding; ASCII fast path).
pub fn fold_eq(a: &str, b: &str) -> bool {
    if a.len() == b.len() && a.eq_ignore_ascii_case(b) {
        return true;
    }
    if a.is_ascii() && b.is_ascii() {
        return false;
    }
    fold(a) == fold(b)
}

/// Unicode case folding approximated by lowercasing each char.
pub fn fold(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}
