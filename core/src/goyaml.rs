//! YAML text as opm writes it: `sigs.k8s.io/yaml` (JSON → go-yaml v2), i.e.
//! block style, keys sorted (go-yaml's natural order), sequences not
//! indented inside mappings, strings plain when go-yaml can, single-quoted
//! when an indicator forbids plain, double-quoted when the plain text would
//! read as another type, literal blocks for multi-line strings, and long
//! lines folded at spaces past column 80.

use crate::parse::yaml::resolve_plain;
use serde_json::Value;

/// Which go-yaml emitter to imitate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// go-yaml v3, as current opm writes: sequences indented inside
    /// mappings, long lines never folded.
    V3,
    /// go-yaml v2 (opm up to v1.26): sequences not indented inside
    /// mappings, lines folded at spaces past column 80.
    V2,
}

/// One document (without the `---` line) as current opm writes it.
pub fn to_yaml(v: &Value) -> String {
    to_yaml_with(v, Flavor::V3)
}

/// One document (without the `---` line) in the given flavor.
pub fn to_yaml_with(v: &Value, flavor: Flavor) -> String {
    let mut e = Emitter {
        out: String::new(),
        column: 0,
        seq_indent: if flavor == Flavor::V3 { 2 } else { 0 },
        width: if flavor == Flavor::V3 { usize::MAX } else { 80 },
    };
    match v {
        Value::Object(m) if !m.is_empty() => e.mapping(m, 0, false),
        Value::Array(a) if !a.is_empty() => e.sequence(a, 0, false),
        _ => {
            e.scalar_or_empty(v, 0, false);
        }
    }
    e.newline();
    e.out
}

struct Emitter {
    out: String,
    column: usize,
    /// Extra indentation of a block sequence that is a mapping value.
    seq_indent: usize,
    /// Fold plain and quoted scalars at spaces past this column.
    width: usize,
}

impl Emitter {
    fn push(&mut self, s: &str) {
        for c in s.chars() {
            if c == '\n' {
                self.column = 0;
            } else {
                self.column += 1;
            }
        }
        self.out.push_str(s);
    }

    fn pushc(&mut self, c: char) {
        if c == '\n' {
            self.column = 0;
        } else {
            self.column += 1;
        }
        self.out.push(c);
    }

    fn newline(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.pushc('\n');
        }
    }

    fn pad(&mut self, indent: usize) {
        while self.column < indent {
            self.pushc(' ');
        }
    }

    fn write_indent(&mut self, indent: usize) {
        if self.column > indent || self.column != 0 {
            self.pushc('\n');
        }
        self.pad(indent);
    }

    fn mapping(&mut self, m: &serde_json::Map<String, Value>, indent: usize, inline_first: bool) {
        let mut keys: Vec<&String> = m.keys().collect();
        keys.sort_by(|a, b| natural_cmp(a, b));
        for (i, k) in keys.into_iter().enumerate() {
            if !(i == 0 && inline_first) {
                self.newline();
                self.pad(indent);
            }
            self.string(k, indent + 2, true);
            self.pushc(':');
            let v = &m[k];
            match v {
                Value::Object(o) if !o.is_empty() => {
                    self.newline();
                    self.mapping(o, indent + 2, false);
                }
                Value::Array(a) if !a.is_empty() => {
                    self.newline();
                    self.sequence(a, indent + self.seq_indent, false);
                }
                _ => {
                    self.pushc(' ');
                    self.scalar_or_empty(v, indent + 2, false);
                }
            }
        }
    }

    fn sequence(&mut self, a: &[Value], indent: usize, inline_first: bool) {
        for (i, v) in a.iter().enumerate() {
            if !(i == 0 && inline_first) {
                self.newline();
                self.pad(indent);
            }
            self.pushc('-');
            self.pushc(' ');
            match v {
                Value::Object(o) if !o.is_empty() => self.mapping(o, indent + 2, true),
                Value::Array(x) if !x.is_empty() => self.sequence(x, indent + 2, true),
                _ => self.scalar_or_empty(v, indent + 2, false),
            }
        }
    }

    fn scalar_or_empty(&mut self, v: &Value, indent: usize, key: bool) {
        match v {
            Value::Null => self.push("null"),
            Value::Bool(b) => self.push(if *b { "true" } else { "false" }),
            Value::Number(n) => {
                let s = if n.is_i64() || n.is_u64() {
                    n.to_string()
                } else {
                    format_g(n.as_f64().unwrap_or(0.0))
                };
                self.push(&s)
            }
            Value::String(s) => self.string(s, indent, key),
            Value::Object(_) => self.push("{}"),
            Value::Array(_) => self.push("[]"),
        }
    }

    /// A string scalar; `indent` is where continuation lines start.
    fn string(&mut self, s: &str, indent: usize, key: bool) {
        let can_plain = resolve_plain(s).is_none() && !is_base60_float(s) && !is_timestamp(s);
        #[derive(PartialEq)]
        enum Style {
            Plain,
            Single,
            Double,
            Literal,
        }
        let mut style = if s.contains('\n') {
            Style::Literal
        } else if can_plain {
            Style::Plain
        } else {
            Style::Double
        };
        let a = analyze(s);
        if key && a.multiline {
            style = Style::Double;
        }
        if style == Style::Plain {
            if !a.block_plain_allowed {
                style = Style::Single;
            }
            if s.is_empty() && key {
                style = Style::Single;
            }
        }
        if style == Style::Single && !a.single_quoted_allowed {
            style = Style::Double;
        }
        if style == Style::Literal && (!a.block_allowed || key) {
            style = Style::Double;
        }
        let allow_breaks = !key;
        match style {
            Style::Plain => {
                let mut spaces = false;
                let chars: Vec<char> = s.chars().collect();
                for (i, &c) in chars.iter().enumerate() {
                    if c == ' ' {
                        if allow_breaks
                            && !spaces
                            && self.column > self.width
                            && chars.get(i + 1) != Some(&' ')
                        {
                            self.write_indent(indent);
                        } else {
                            self.pushc(c);
                        }
                        spaces = true;
                    } else {
                        self.pushc(c);
                        spaces = false;
                    }
                }
            }
            Style::Single => {
                self.pushc('\'');
                let mut spaces = false;
                let chars: Vec<char> = s.chars().collect();
                for (i, &c) in chars.iter().enumerate() {
                    if c == ' ' {
                        if allow_breaks
                            && !spaces
                            && self.column > self.width
                            && i > 0
                            && i + 1 < chars.len()
                            && chars[i + 1] != ' '
                        {
                            self.write_indent(indent);
                        } else {
                            self.pushc(c);
                        }
                        spaces = true;
                    } else {
                        if c == '\'' {
                            self.pushc('\'');
                        }
                        self.pushc(c);
                        spaces = false;
                    }
                }
                self.pushc('\'');
            }
            Style::Double => {
                self.pushc('"');
                let mut spaces = false;
                let chars: Vec<char> = s.chars().collect();
                for (i, &c) in chars.iter().enumerate() {
                    if !is_printable(c) || c == '\u{feff}' || is_break(c) || c == '"' || c == '\\' {
                        self.pushc('\\');
                        let v = c as u32;
                        let short = match v {
                            0x00 => Some('0'),
                            0x07 => Some('a'),
                            0x08 => Some('b'),
                            0x09 => Some('t'),
                            0x0a => Some('n'),
                            0x0b => Some('v'),
                            0x0c => Some('f'),
                            0x0d => Some('r'),
                            0x1b => Some('e'),
                            0x22 => Some('"'),
                            0x5c => Some('\\'),
                            0x85 => Some('N'),
                            0xa0 => Some('_'),
                            0x2028 => Some('L'),
                            0x2029 => Some('P'),
                            _ => None,
                        };
                        match short {
                            Some(ch) => self.pushc(ch),
                            None if v <= 0xff => self.push(&format!("x{v:02X}")),
                            None if v <= 0xffff => self.push(&format!("u{v:04X}")),
                            None => self.push(&format!("U{v:08X}")),
                        }
                        spaces = false;
                    } else if c == ' ' {
                        if allow_breaks
                            && !spaces
                            && self.column > self.width
                            && i > 0
                            && i + 1 < chars.len()
                        {
                            self.write_indent(indent);
                            if chars[i + 1] == ' ' {
                                self.pushc('\\');
                            }
                        } else {
                            self.pushc(c);
                        }
                        spaces = true;
                    } else {
                        self.pushc(c);
                        spaces = false;
                    }
                }
                self.pushc('"');
            }
            Style::Literal => {
                self.pushc('|');
                let first = s.chars().next();
                if first.is_some_and(|c| c == ' ' || is_break(c)) {
                    self.pushc('2');
                }
                let mut rev = s.chars().rev();
                let last = rev.next();
                let chomp = match last {
                    None => Some('-'),
                    Some(c) if !is_break(c) => Some('-'),
                    Some(_) => match rev.next() {
                        None => Some('+'),
                        Some(c) if is_break(c) => Some('+'),
                        Some(_) => None,
                    },
                };
                if let Some(c) = chomp {
                    self.pushc(c);
                }
                self.pushc('\n');
                let mut breaks = true;
                for c in s.chars() {
                    if is_break(c) {
                        self.pushc('\n');
                        breaks = true;
                    } else {
                        if breaks {
                            self.pad(indent);
                        }
                        self.pushc(c);
                        breaks = false;
                    }
                }
            }
        }
    }
}

struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_printable(c: char) -> bool {
    let v = c as u32;
    v == 0x0a
        || (0x20..=0x7e).contains(&v)
        || (0xa0..=0xd7ff).contains(&v)
        || ((0xe000..=0xfffd).contains(&v) && v != 0xfeff)
}

/// libyaml's `yaml_emitter_analyze_scalar`, the parts that choose a style.
fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let chars: Vec<char> = s.chars().collect();
    let mut block_indicators = s.starts_with("---") || s.starts_with("...");
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut prev_space, mut prev_break) = (false, false);
    let mut preceded_by_ws = true;
    let n = chars.len();
    for i in 0..n {
        let c = chars[i];
        let followed_by_ws = i + 1 >= n || matches!(chars[i + 1], ' ' | '\t');
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' if followed_by_ws => block_indicators = true,
                '-' if followed_by_ws => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_ws => block_indicators = true,
                '#' if preceded_by_ws => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if i + 1 == n {
                trailing_space = true;
            }
            if prev_break {
                break_space = true;
            }
            prev_space = true;
            prev_break = false;
        } else if is_break(c) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if i + 1 == n {
                trailing_break = true;
            }
            if prev_space {
                space_break = true;
            }
            prev_space = false;
            prev_break = true;
        } else {
            prev_space = false;
            prev_break = false;
        }
        preceded_by_ws = matches!(c, ' ' | '\t' | '\0') || is_break(c);
    }
    let mut a = Analysis {
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// go-yaml v2 `isBase60Float`: `1:20`, `-1:30:00.5`.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || !(b[0].is_ascii_digit() || b[0] == b'+' || b[0] == b'-' || b[0] == b'.') {
        return false;
    }
    let body = s.trim_start_matches(['+', '-']);
    let (int_part, _frac) = body.split_once('.').unwrap_or((body, ""));
    let mut parts = int_part.split(':');
    let first = parts.next().unwrap_or("");
    if first.is_empty() || !first.bytes().all(|c| c.is_ascii_digit() || c == b'_') {
        return false;
    }
    let mut any = false;
    for p in parts {
        any = true;
        if p.is_empty() || p.len() > 2 || !p.bytes().all(|c| c.is_ascii_digit()) {
            return false;
        }
        if p.len() == 2 && p.as_bytes()[0] > b'5' {
            return false;
        }
    }
    any
}

/// go-yaml v2 resolves `2006-01-02` (and date-times) as timestamps.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
        && (b.len() == 10 || matches!(b[10], b'T' | b't' | b' ' | b'\t'))
}

/// go-yaml v2's key order: numbers inside keys compare numerically, letters
/// before non-letters.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let mut digits = false;
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            digits = ar[i].is_ascii_digit();
            i += 1;
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i].cmp(&br[i]);
        }
        if al || bl {
            return if al {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bi += 1;
        }
        if digits || ai > i || bi > i {
            // Numeric runs (including the digits before i).
            let mut start = i;
            while start > 0 && ar[start - 1].is_ascii_digit() {
                start -= 1;
            }
            let an: String = ar[start..ai].iter().collect();
            let bn: String = br[start..bi].iter().collect();
            if let (Ok(x), Ok(y)) = (an.parse::<u128>(), bn.parse::<u128>())
                && x != y
            {
                return x.cmp(&y);
            }
        }
        return ar[i].cmp(&br[i]);
    }
    ar.len().cmp(&br.len())
}

/// `strconv.FormatFloat(f, 'g', -1, 64)`.
pub fn format_g(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+.inf".into()
        } else {
            "-.inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let e = format!("{f:e}");
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..21).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.abs())
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn styles() {
        let v = json!({"schema": "olm.channel", "name": "stable", "entries": [{"name": "a.v1", "skipRange": ">=0.1.0 <0.2.0", "skips": ["x"]}], "t": "true", "e": "", "num": "1.0", "d": "line1\nline2\n", "empty": {}});
        assert_eq!(
            to_yaml_with(&v, Flavor::V2),
            "d: |\n  line1\n  line2\ne: \"\"\nempty: {}\nentries:\n- name: a.v1\n  skipRange: '>=0.1.0 <0.2.0'\n  skips:\n  - x\nname: stable\nnum: \"1.0\"\nschema: olm.channel\nt: \"true\"\n"
        );
    }

    #[test]
    fn folds_long_lines() {
        let s = "word ".repeat(30);
        let v = json!({"description": s.trim_end()});
        assert_eq!(to_yaml(&v).lines().count(), 1, "v3 never folds");
        let y = to_yaml_with(&v, Flavor::V2);
        assert!(y.lines().count() > 1, "{y}");
        assert!(y.lines().nth(1).unwrap().starts_with("  word"));
    }

    #[test]
    fn v3_indents_sequences() {
        let v = json!({"entries": [{"name": "a", "skips": ["x", "z"]}], "name": "4.7"});
        assert_eq!(
            to_yaml(&v),
            "entries:\n  - name: a\n    skips:\n      - x\n      - z\nname: \"4.7\"\n"
        );
    }

    #[test]
    fn natural_order() {
        let mut k = vec!["v10", "v2", "a", "B", "_x"];
        k.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(k, vec!["B", "a", "v2", "v10", "_x"]);
    }
}
