//! JSON text exactly as Go's `encoding/json` writes it, so rendered catalogs
//! match opm's byte for byte: string escaping (with or without HTML
//! escaping), float formatting, map keys sorted, and `json.Indent`.

use serde_json::Value;

/// Append `s` as a Go JSON string literal.
pub fn write_str(out: &mut String, s: &str, escape_html: bool) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let esc: Option<&str> = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            '\u{8}' => Some("\\b"),
            '\u{c}' => Some("\\f"),
            '<' | '>' | '&' if escape_html => None,
            c if (c as u32) < 0x20 => None,
            '\u{2028}' | '\u{2029}' => None,
            _ => {
                continue;
            }
        };
        out.push_str(&s[start..i]);
        match esc {
            Some(e) => out.push_str(e),
            None => {
                let v = c as u32;
                out.push_str("\\u");
                for shift in [12, 8, 4, 0] {
                    out.push(HEX[((v >> shift) & 0xf) as usize] as char);
                }
            }
        }
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// `s` as a Go JSON string literal.
pub fn quote(s: &str, escape_html: bool) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    write_str(&mut o, s, escape_html);
    o
}

/// A float64 as Go's encoder formats it.
pub fn format_float(f: f64) -> String {
    if !f.is_finite() {
        return "null".into();
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        // strconv 'e' format with the shortest precision, then Go's clean-up
        // of a two-digit negative exponent with a leading zero.
        let s = format!("{f:e}");
        let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let (sign, digits) = match exp.strip_prefix('-') {
            Some(d) => ('-', d),
            None => ('+', exp),
        };
        let digits = if digits.len() < 2 && sign == '+' {
            format!("0{digits}")
        } else {
            digits.to_string()
        };
        format!("{mant}e{sign}{digits}")
    } else {
        format!("{f}")
    }
}

/// Format a JSON number; with `as_float` it goes through float64 first, as a
/// value decoded into `interface{}` by Go does.
pub fn format_number(n: &serde_json::Number, as_float: bool) -> String {
    if !as_float && (n.is_i64() || n.is_u64()) {
        return n.to_string();
    }
    format_float(n.as_f64().unwrap_or(0.0))
}

/// Compact JSON of a value: object keys in sorted order (Go maps).
pub fn marshal(v: &Value, escape_html: bool, as_float: bool) -> String {
    let mut out = String::new();
    write_value(&mut out, v, escape_html, as_float);
    out
}

pub fn write_value(out: &mut String, v: &Value, escape_html: bool, as_float: bool) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&format_number(n, as_float)),
        Value::String(s) => write_str(out, s, escape_html),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, x, escape_html, as_float);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            // serde_json's Map is a BTreeMap here: byte order, as Go sorts.
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, k, escape_html);
                out.push(':');
                write_value(out, x, escape_html, as_float);
            }
            out.push('}');
        }
    }
}

/// Go's `json.Indent(dst, src, "", indent)` over valid JSON text.
pub fn indent(src: &str, indent: &str) -> String {
    let mut dst = String::with_capacity(src.len() * 2);
    let mut need_indent = false;
    let mut depth = 0usize;
    let mut in_str = false;
    let mut escaped = false;
    let newline = |dst: &mut String, depth: usize| {
        dst.push('\n');
        for _ in 0..depth {
            dst.push_str(indent);
        }
    };
    for c in src.chars() {
        if in_str {
            dst.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        if matches!(c, ' ' | '\t' | '\n' | '\r') {
            continue;
        }
        if need_indent && c != '}' && c != ']' {
            need_indent = false;
            depth += 1;
            newline(&mut dst, depth);
        }
        match c {
            '"' => {
                in_str = true;
                dst.push(c);
            }
            '{' | '[' => {
                need_indent = true;
                dst.push(c);
            }
            ',' => {
                dst.push(c);
                newline(&mut dst, depth);
            }
            ':' => {
                dst.push(':');
                dst.push(' ');
            }
            '}' | ']' => {
                if need_indent {
                    need_indent = false;
                } else {
                    depth = depth.saturating_sub(1);
                    newline(&mut dst, depth);
                }
                dst.push(c);
            }
            _ => dst.push(c),
        }
    }
    dst
}

/// Builds a JSON object in a chosen field order (Go struct order).
#[derive(Debug, Default)]
pub struct ObjWriter {
    buf: String,
    n: usize,
}

impl ObjWriter {
    pub fn new() -> Self {
        ObjWriter {
            buf: String::from("{"),
            n: 0,
        }
    }

    fn key(&mut self, k: &str) {
        if self.n > 0 {
            self.buf.push(',');
        }
        self.n += 1;
        write_str(&mut self.buf, k, false);
        self.buf.push(':');
    }

    pub fn str(&mut self, k: &str, v: &str, escape_html: bool) -> &mut Self {
        self.key(k);
        write_str(&mut self.buf, v, escape_html);
        self
    }

    /// A string field with Go's `omitempty`.
    pub fn str_opt(&mut self, k: &str, v: &str, escape_html: bool) -> &mut Self {
        if !v.is_empty() {
            self.str(k, v, escape_html);
        }
        self
    }

    /// A field whose value is already JSON text.
    pub fn raw(&mut self, k: &str, json: &str) -> &mut Self {
        self.key(k);
        self.buf.push_str(json);
        self
    }

    pub fn finish(&mut self) -> String {
        let mut s = std::mem::take(&mut self.buf);
        s.push('}');
        s
    }
}

/// JSON array text from JSON element texts.
pub fn array<I: IntoIterator<Item = String>>(items: I) -> String {
    let mut s = String::from("[");
    for (i, x) in items.into_iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&x);
    }
    s.push(']');
    s
}

/// Re-compact JSON text (drop insignificant whitespace), as Go does with a
/// `json.RawMessage` it encodes.
pub fn compact(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut in_str = false;
    let mut escaped = false;
    for c in src.chars() {
        if in_str {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        if matches!(c, ' ' | '\t' | '\n' | '\r') {
            continue;
        }
        if c == '"' {
            in_str = true;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_as_go() {
        assert_eq!(
            quote("a<b>&\"\\\n\u{1}\u{2028}", true),
            r#""a\u003cb\u003e\u0026\"\\\n\u0001\u2028""#
        );
        assert_eq!(quote("a<b>&", false), r#""a<b>&""#);
    }

    #[test]
    fn floats_as_go() {
        assert_eq!(format_float(1.0), "1");
        assert_eq!(format_float(0.5), "0.5");
        assert_eq!(format_float(1e21), "1e+21");
        assert_eq!(format_float(1e-7), "1e-7");
        assert_eq!(format_float(1.5e-10), "1.5e-10");
        assert_eq!(format_float(12345678901234567890.0), "12345678901234567000");
    }

    #[test]
    fn indent_as_go() {
        let s = indent(r#"{"a":[],"b":{},"c":[1,{"d":"x,:{"}]}"#, "    ");
        assert_eq!(
            s,
            "{\n    \"a\": [],\n    \"b\": {},\n    \"c\": [\n        1,\n        {\n            \"d\": \"x,:{\"\n        }\n    ]\n}"
        );
    }
}
