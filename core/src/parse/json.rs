//! A JSON stream parser (concatenated values, any whitespace between them)
//! that records byte spans and borrows unescaped strings. Errors read like
//! Go's `encoding/json` syntax errors, which opm users see.

use crate::value::{Entry, Node, Value};
use std::borrow::Cow;

/// A syntax error at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub offset: usize,
    pub message: String,
    /// True when the input ended in the middle of a value.
    pub eof: bool,
}

const MAX_DEPTH: usize = 10_000;

pub struct JsonParser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
}

fn quote_char(c: char) -> String {
    match c {
        '\'' => "'\\''".to_string(),
        '"' => "'\"'".to_string(),
        _ => {
            let q = format!("{:?}", c.to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

impl<'a> JsonParser<'a> {
    pub fn new(text: &'a str, pos: usize) -> Self {
        JsonParser {
            text,
            bytes: text.as_bytes(),
            pos,
            depth: 0,
        }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    fn skip_ws(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    /// True when only whitespace remains.
    pub fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.pos >= self.bytes.len()
    }

    fn char_at(&self, pos: usize) -> char {
        self.text
            .get(pos..)
            .and_then(|s| s.chars().next())
            .unwrap_or('\u{fffd}')
    }

    fn err(&self, context: &str) -> JsonError {
        if self.pos >= self.bytes.len() {
            return JsonError {
                offset: self.pos,
                message: "unexpected EOF".into(),
                eof: true,
            };
        }
        JsonError {
            offset: self.pos,
            message: format!(
                "invalid character {} {}",
                quote_char(self.char_at(self.pos)),
                context
            ),
            eof: false,
        }
    }

    /// Parse the next value of the stream. Call [`at_end`](Self::at_end) first.
    pub fn next_value(&mut self) -> Result<Node<'a>, JsonError> {
        self.skip_ws();
        self.value()
    }

    fn value(&mut self) -> Result<Node<'a>, JsonError> {
        let start = self.pos;
        match self.bytes.get(self.pos) {
            None => Err(self.err("looking for beginning of value")),
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => {
                let s = self.string()?;
                Ok(Node::new(start, self.pos, Value::String(s)))
            }
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.err("looking for beginning of value")),
        }
    }

    fn literal(&mut self, word: &'static str, v: Value<'a>) -> Result<Node<'a>, JsonError> {
        let start = self.pos;
        for (i, expected) in word.bytes().enumerate() {
            match self.bytes.get(start + i) {
                Some(&b) if b == expected => {}
                _ => {
                    self.pos = start + i;
                    return Err(self.err(&format!(
                        "in literal {word} (expecting {})",
                        quote_char(expected as char)
                    )));
                }
            }
        }
        self.pos = start + word.len();
        Ok(Node::new(start, self.pos, v))
    }

    fn digits(&mut self) -> usize {
        let s = self.pos;
        while matches!(self.bytes.get(self.pos), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - s
    }

    fn number(&mut self) -> Result<Node<'a>, JsonError> {
        let start = self.pos;
        if self.bytes[self.pos] == b'-' {
            self.pos += 1;
        }
        match self.bytes.get(self.pos) {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.err("in numeric literal")),
        }
        if self.bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.err("after decimal point in numeric literal"));
            }
        }
        if matches!(self.bytes.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.bytes.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.err("in exponent of numeric literal"));
            }
        }
        Ok(Node::new(
            start,
            self.pos,
            Value::Number(Cow::Borrowed(&self.text[start..self.pos])),
        ))
    }

    /// Parse a string at `self.pos` (which holds `"`); returns its value.
    fn string(&mut self) -> Result<Cow<'a, str>, JsonError> {
        self.pos += 1;
        let content_start = self.pos;
        // Fast path: find the closing quote with no escapes or control chars.
        let rest = &self.bytes[self.pos..];
        match memchr::memchr2(b'"', b'\\', rest) {
            Some(i) if rest[i] == b'"' && !rest[..i].iter().any(|&b| b < 0x20) => {
                self.pos += i + 1;
                return Ok(Cow::Borrowed(&self.text[content_start..content_start + i]));
            }
            _ => {}
        }
        let mut out = String::new();
        let mut chunk_start = self.pos;
        loop {
            let Some(&b) = self.bytes.get(self.pos) else {
                return Err(self.err("in string literal"));
            };
            match b {
                b'"' => {
                    out.push_str(&self.text[chunk_start..self.pos]);
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                b'\\' => {
                    out.push_str(&self.text[chunk_start..self.pos]);
                    self.pos += 1;
                    let Some(&e) = self.bytes.get(self.pos) else {
                        return Err(self.err("in string escape code"));
                    };
                    self.pos += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            if (0xD800..0xDC00).contains(&hi)
                                && self.bytes.get(self.pos) == Some(&b'\\')
                                && self.bytes.get(self.pos + 1) == Some(&b'u')
                            {
                                let save = self.pos;
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                    out.push(char::from_u32(c).unwrap_or('\u{fffd}'));
                                } else {
                                    out.push('\u{fffd}');
                                    self.pos = save;
                                }
                            } else {
                                out.push(char::from_u32(hi).unwrap_or('\u{fffd}'));
                            }
                        }
                        _ => {
                            self.pos -= 1;
                            return Err(self.err("in string escape code"));
                        }
                    }
                    chunk_start = self.pos;
                }
                0..=0x1f => return Err(self.err("in string literal")),
                _ => self.pos += 1,
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let Some(&b) = self.bytes.get(self.pos) else {
                return Err(self.err("in \\u hexadecimal character escape"));
            };
            let d = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ => return Err(self.err("in \\u hexadecimal character escape")),
            };
            v = v * 16 + d as u32;
            self.pos += 1;
        }
        Ok(v)
    }

    fn enter(&mut self) -> Result<(), JsonError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(JsonError {
                offset: self.pos,
                message: "exceeded max depth".into(),
                eof: false,
            });
        }
        Ok(())
    }

    fn object(&mut self) -> Result<Node<'a>, JsonError> {
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        let mut entries = Vec::new();
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Node::new(start, self.pos, Value::Object(entries)));
        }
        loop {
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b'"') {
                return Err(self.err("looking for beginning of object key string"));
            }
            let key_start = self.pos;
            let key = self.string()?;
            let key_end = self.pos;
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b':') {
                return Err(self.err("after object key"));
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value()?;
            entries.push(Entry {
                key,
                key_start: key_start as u32,
                key_end: key_end as u32,
                value,
            });
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(Node::new(start, self.pos, Value::Object(entries)));
                }
                _ => return Err(self.err("after object key:value pair")),
            }
        }
    }

    fn array(&mut self) -> Result<Node<'a>, JsonError> {
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Node::new(start, self.pos, Value::Array(items)));
        }
        loop {
            self.skip_ws();
            items.push(self.value()?);
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(Node::new(start, self.pos, Value::Array(items)));
                }
                _ => return Err(self.err("after array element")),
            }
        }
    }
}

/// Check that `bytes` hold exactly one JSON value (used for decoded payloads).
pub fn parse_one(text: &str) -> Result<Node<'_>, JsonError> {
    let mut p = JsonParser::new(text, 0);
    let v = p.next_value()?;
    if !p.at_end() {
        return Err(p.err("after top-level value"));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(t: &str) -> Result<Vec<Node<'_>>, JsonError> {
        let mut p = JsonParser::new(t, 0);
        let mut v = Vec::new();
        while !p.at_end() {
            v.push(p.next_value()?);
        }
        Ok(v)
    }

    #[test]
    fn stream_and_spans() {
        let t = r#"{"a":1}{"b":[true,null,"x\ny"]}  {"c":"\u00e9\ud83d\ude00"}"#;
        let v = all(t).unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!((v[0].start, v[0].end), (0, 7));
        let b = &v[1].as_object().unwrap()[0];
        assert_eq!(b.key, "b");
        assert_eq!(b.value.as_array().unwrap()[2].as_str(), Some("x\ny"));
        assert_eq!(v[2].field("C").unwrap().value.as_str(), Some("é😀"));
    }

    #[test]
    fn go_like_errors() {
        assert_eq!(
            all("{{{").unwrap_err().message,
            "invalid character '{' looking for beginning of object key string"
        );
        assert_eq!(all("{\"a\":1,").unwrap_err().message, "unexpected EOF");
        assert_eq!(
            all("{\"a\" 1}").unwrap_err().message,
            "invalid character '1' after object key"
        );
        assert_eq!(
            all(r#"{"a":"\<"}"#).unwrap_err().message,
            "invalid character '<' in string escape code"
        );
        assert_eq!(
            all("{\"a\":01}").unwrap_err().message,
            "invalid character '1' after object key:value pair"
        );
        assert!(all("[[[[").unwrap_err().eof);
    }
}
