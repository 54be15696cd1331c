//! A fast path for the block-style YAML that go-yaml v2 (and so opm)
//! writes: block mappings and sequences of plain, quoted and literal
//! scalars, one construct per line.
//!
//! [`parse_document`] either returns exactly the tree the general parser
//! ([`super::yaml::parse_document`], on top of saphyr-parser) would build —
//! same values, keys, order and byte spans — or `None`, and the caller falls
//! back to the general parser. It never reports errors and never guesses:
//! whatever is outside the subset below gives `None`.
//!
//! The subset:
//! - blank lines, full-line comments, trailing ` # comments`;
//! - block mappings with plain keys (resolved as YAML 1.1 scalars, then
//!   turned into strings as [`super::yaml`] does: key `y` is `"true"`),
//!   values on the same line or on the next lines (a more indented mapping,
//!   sequence or scalar, or a sequence at the key's own indentation);
//!   `key:` alone is null; duplicate keys are kept in order;
//! - block sequences, `- key: v` compact mappings, `- - x`, `-` + nested block;
//! - plain scalars, single- and multi-line (folded as YAML folds them);
//!   single- and double-quoted scalars, single- and multi-line, with the
//!   escapes both go-yaml and saphyr know; literal block scalars `|` with
//!   any chomping (`-`, `+`) and an optional indentation indicator; `[]`
//!   and `{}`.
//!
//! Everything else gives `None`: tabs, `\r`, control characters, the line
//! breaks YAML 1.1 knows besides `\n` (NEL, LS, PS), byte-order marks,
//! anchors, aliases, tags, directives, `?` keys, quoted keys, folded
//! scalars, flow collections with content, the escapes `\/` (saphyr only)
//! and `\'` (go-yaml only), document markers, merge keys, `.nan`/`.inf`,
//! empty block scalars, a block scalar on the line below its key, quoted
//! lines not indented more than their owner, comments after a plain
//! scalar's continuation lines, a root that is not a block collection.
//!
//! Span conventions follow saphyr's, so diagnostics do not depend on which
//! parser read a document:
//! - a scalar spans its text (quotes included); a multi-line plain or quoted
//!   scalar ends at the end of its last line's text, but a quoted scalar
//!   also covers the spaces and the comment after it on its line, and so do
//!   `[]` and `{}`;
//! - a literal block scalar starts at its first content character and ends
//!   where the scanner stopped: after the trailing blank lines, on the first
//!   less-indented line, past at most the scalar's indentation worth of
//!   spaces of that line (or at the end of the document);
//! - an empty value (`key:` alone) is an empty span at the `:`; an empty
//!   sequence item is an empty span just after `-`, its spaces and its
//!   comment if any;
//! - a mapping starts at its first key; a sequence at its first `-`, except
//!   a sequence at its parent key's indentation, which starts where the first
//!   item's content (or emptiness) starts; both end where their last child
//!   ends.

use super::yaml::resolve_plain;
use crate::value::{Entry, Node, Value};
use std::borrow::Cow;
use std::cell::Cell;

/// Nesting deeper than this gives `None` (the general parser copes).
const MAX_DEPTH: usize = 1000;

/// Keys longer than this are not simple keys for every YAML parser.
const MAX_KEY_LEN: usize = 1000;

/// Parse one document (a chunk of the file between `---` separators,
/// starting at byte `base` of the file), or `None` if it is outside the
/// subset this module reads.
pub fn parse_document<'a>(chunk: &'a str, base: usize) -> Option<Node<'a>> {
    if !chars_ok(chunk) {
        return None;
    }
    let mut p = Parser {
        s: chunk,
        b: chunk.as_bytes(),
        base,
        pos: 0,
        depth: 0,
        last_peek: Cell::new(None),
    };
    let Some(line) = p.peek_line(0) else {
        return Some(Node::new(base, base + chunk.len(), Value::Null));
    };
    p.pos = line.start;
    let root = if p.is_dash(line.content) {
        p.sequence(line.indent, line.content, false)?
    } else {
        p.mapping(line.indent, line.content)?
    };
    // Nothing may follow the root collection.
    if p.peek_line(p.pos).is_some() {
        return None;
    }
    Some(root)
}

/// Whether every character is one go-yaml accepts as printable and saphyr
/// reads the same way: no tab, `\r` or other control character, no NEL,
/// LS, PS (line breaks in YAML 1.1), no byte-order mark, no U+FFFE/U+FFFF.
fn chars_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let end = (i + 64).min(b.len());
        // Branch-free test of a block for anything but printable ASCII and
        // `\n`, vectorised by the compiler.
        let mut bad = 0u8;
        for &c in &b[i..end] {
            bad |= u8::from((c < 0x20) & (c != b'\n')) | u8::from(c >= 0x7f);
        }
        if bad == 0 {
            i = end;
            continue;
        }
        // Slow path: check the block char by char. `i` is always on a char
        // boundary (clean blocks are ASCII), and so is the resulting `j`.
        let mut j = i;
        while j < end {
            let Some(c) = s.get(j..).and_then(|r| r.chars().next()) else {
                return false;
            };
            let ok = match c {
                '\n' | ' '..='~' => true,
                '\u{a0}'..='\u{d7ff}' => !matches!(c, '\u{2028}' | '\u{2029}'),
                '\u{e000}'..='\u{fffd}' => c != '\u{feff}',
                '\u{10000}'.. => true,
                _ => false,
            };
            if !ok {
                return false;
            }
            j += c.len_utf8();
        }
        i = j;
    }
    true
}

/// A significant line (not blank, not a comment).
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    indent: usize,
    content: usize,
}

/// How a plain scalar's first line ended.
enum Scan {
    /// At a `:` followed by a space or a line break: a mapping key.
    Colon(usize),
    /// At the end of the line, or at a comment.
    End {
        text_end: usize,
        line_end: usize,
        comment: bool,
    },
}

/// Where a value sits, for the checks that differ.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// After `key: `: a scalar.
    MapValue,
    /// After `- `: a scalar, or a sequence or mapping starting on the line.
    SeqItem,
    /// First on a line below `key:` or `-`: a scalar or a mapping.
    Below,
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    base: usize,
    /// Start of the first line not consumed yet.
    pos: usize,
    depth: usize,
    /// The last [`Parser::peek_line`] answer: every level of a nest asks
    /// again from the same place when it ends, and blank lines must not be
    /// scanned once per level.
    last_peek: Cell<Option<(usize, Option<Line>)>>,
}

impl<'a> Parser<'a> {
    fn at(&self, i: usize) -> Option<u8> {
        self.b.get(i).copied()
    }

    fn text(&self, from: usize, to: usize) -> Option<&'a str> {
        self.s.get(from..to)
    }

    fn node(&self, start: usize, end: usize, value: Value<'a>) -> Node<'a> {
        Node::new(self.base + start, self.base + end, value)
    }

    /// Index of the `\n` ending the line that holds `from`, or the length.
    fn line_end(&self, from: usize) -> usize {
        match self.b.get(from..) {
            Some(rest) => memchr::memchr(b'\n', rest).map_or(self.b.len(), |i| from + i),
            None => self.b.len(),
        }
    }

    /// Start of the line after the one holding `from`.
    fn next_line(&self, from: usize) -> usize {
        (self.line_end(from) + 1).min(self.b.len())
    }

    fn spaces(&self, from: usize) -> usize {
        self.b
            .get(from..)
            .map_or(0, |r| r.iter().take_while(|&&c| c == b' ').count())
    }

    /// The first significant line at or after line start `from`.
    fn peek_line(&self, from: usize) -> Option<Line> {
        if let Some((f, line)) = self.last_peek.get()
            && f == from
        {
            return line;
        }
        let line = self.scan_to_line(from);
        self.last_peek.set(Some((from, line)));
        line
    }

    fn scan_to_line(&self, from: usize) -> Option<Line> {
        let mut ls = from;
        while ls < self.b.len() {
            let indent = self.spaces(ls);
            let c = ls + indent;
            match self.at(c)? {
                b'\n' => ls = c + 1,
                b'#' => ls = self.next_line(c).max(c + 1),
                _ => {
                    return Some(Line {
                        start: ls,
                        indent,
                        content: c,
                    });
                }
            }
        }
        None
    }

    /// A document marker (`---` or `...` then a space, a line break or the
    /// end) at `i`, which must be at column 0: the general parser ends the
    /// document there, so it is never a key.
    fn is_document_marker(&self, i: usize) -> bool {
        let marker = self.b.get(i..i + 3);
        matches!(marker, Some(b"---" | b"..."))
            && matches!(self.at(i + 3), None | Some(b' ' | b'\n'))
    }

    /// A `-` sequence indicator at `i`.
    fn is_dash(&self, i: usize) -> bool {
        self.at(i) == Some(b'-') && matches!(self.at(i + 1), None | Some(b' ' | b'\n'))
    }

    /// After a value's text at `i`: only spaces, then the end of the line or
    /// a comment. Returns the end of the line (before its `\n`) and the
    /// start of the next line.
    fn finish_line(&self, i: usize) -> Option<(usize, usize)> {
        let j = i + self.spaces(i);
        match self.at(j) {
            None => Some((j, j)),
            Some(b'\n') => Some((j, j + 1)),
            Some(b'#') if j > i => {
                let end = self.line_end(j);
                Some((end, (end + 1).min(self.b.len())))
            }
            _ => None,
        }
    }

    /// Scan a plain scalar's line from `from` to its end, a comment or a
    /// key's `:`.
    fn scan_plain_line(&self, from: usize) -> Scan {
        let b = self.b;
        let mut i = from;
        loop {
            let Some(k) = b
                .get(i..)
                .and_then(|r| memchr::memchr3(b':', b'#', b'\n', r))
            else {
                return Scan::End {
                    text_end: self.trim_end(from, b.len()),
                    line_end: b.len(),
                    comment: false,
                };
            };
            let j = i + k;
            match b[j] {
                b'\n' => {
                    return Scan::End {
                        text_end: self.trim_end(from, j),
                        line_end: j,
                        comment: false,
                    };
                }
                b':' => {
                    if matches!(self.at(j + 1), None | Some(b' ' | b'\n')) {
                        return Scan::Colon(j);
                    }
                }
                _ => {
                    // `#` starts a comment only after a space.
                    if j == from || b[j - 1] == b' ' {
                        return Scan::End {
                            text_end: self.trim_end(from, j),
                            line_end: self.line_end(j),
                            comment: true,
                        };
                    }
                }
            }
            i = j + 1;
        }
    }

    fn trim_end(&self, from: usize, mut to: usize) -> usize {
        while to > from && self.b[to - 1] == b' ' {
            to -= 1;
        }
        to
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// A block mapping whose first key starts at `kpos`, column `col`, on
    /// the line starting at `self.pos`.
    fn mapping(&mut self, col: usize, kpos: usize) -> Option<Node<'a>> {
        self.enter()?;
        let mut entries: Vec<Entry<'a>> = Vec::new();
        let mut kpos = kpos;
        let mut line_start_of_key = self.pos;
        loop {
            if !plain_start_ok(self.b, kpos) || (col == 0 && self.is_document_marker(kpos)) {
                return None;
            }
            let Scan::Colon(colon) = self.scan_plain_line(kpos) else {
                return None;
            };
            let key_text = self.text(kpos, colon)?;
            if key_text.ends_with(' ') || key_text.len() > MAX_KEY_LEN {
                return None;
            }
            let key = key_string(key_text)?;
            let vpos = colon + 1 + self.spaces(colon + 1);
            let value = match self.at(vpos) {
                None | Some(b'\n') | Some(b'#') => {
                    self.pos = self.next_line(colon);
                    self.block_below(col, Ctx::MapValue, colon)?
                }
                Some(_) => self.inline_value(vpos, line_start_of_key, col, Ctx::MapValue)?,
            };
            entries.push(Entry {
                key,
                key_start: (self.base + kpos) as u32,
                key_end: (self.base + colon) as u32,
                value,
            });
            match self.peek_line(self.pos) {
                Some(l) if l.indent == col => {
                    if self.is_dash(l.content) {
                        return None;
                    }
                    kpos = l.content;
                    line_start_of_key = l.start;
                    self.pos = l.start;
                }
                Some(l) if l.indent > col => return None,
                _ => break,
            }
        }
        self.depth -= 1;
        let start = entries
            .first()
            .map_or(0, |e| e.key_start as usize - self.base);
        let end = entries
            .last()
            .map_or(start, |e| e.value.end as usize - self.base);
        Some(self.node(start, end, Value::Object(entries)))
    }

    /// A block sequence whose first `-` is at `dpos`, column `col`, on the
    /// line starting at `self.pos`. `indentless`: at its parent key's
    /// indentation, so a line at `col` that is not `-` ends it.
    fn sequence(&mut self, col: usize, dpos: usize, indentless: bool) -> Option<Node<'a>> {
        self.enter()?;
        let mut items: Vec<Node<'a>> = Vec::new();
        let mut dpos = dpos;
        let mut line_start = self.pos;
        let mut start = dpos;
        loop {
            let vpos = dpos + 1 + self.spaces(dpos + 1);
            let item = match self.at(vpos) {
                None | Some(b'\n') | Some(b'#') => {
                    // saphyr places the empty item (and an indentless
                    // sequence) after the `-`, its spaces and its comment.
                    let after = if self.at(vpos) == Some(b'#') {
                        self.line_end(vpos)
                    } else {
                        vpos
                    };
                    if items.is_empty() && indentless {
                        start = after;
                    }
                    self.pos = self.next_line(dpos);
                    self.block_below(col, Ctx::SeqItem, after)?
                }
                Some(_) => {
                    if items.is_empty() && indentless {
                        start = vpos;
                    }
                    self.inline_value(vpos, line_start, col, Ctx::SeqItem)?
                }
            };
            items.push(item);
            match self.peek_line(self.pos) {
                Some(l) if l.indent == col && self.is_dash(l.content) => {
                    dpos = l.content;
                    line_start = l.start;
                    self.pos = l.start;
                }
                Some(l) if l.indent == col && !indentless => return None,
                Some(l) if l.indent > col => return None,
                _ => break,
            }
        }
        self.depth -= 1;
        let end = items.last().map_or(start, |n| n.end as usize - self.base);
        Some(self.node(start, end, Value::Array(items)))
    }

    /// The value of `key:` or `-` with nothing after it on its line: a
    /// node on the next lines, indented more than `p` (or a sequence at `p`
    /// for a mapping value), else null (an empty span at `empty_at`).
    fn block_below(&mut self, p: usize, ctx: Ctx, empty_at: usize) -> Option<Node<'a>> {
        match self.peek_line(self.pos) {
            Some(l) if l.indent > p => {
                self.pos = l.start;
                if self.is_dash(l.content) {
                    self.sequence(l.indent, l.content, false)
                } else {
                    // A mapping, or a scalar owned by the key or `-` above.
                    self.inline_value(l.content, l.start, p, Ctx::Below)
                }
            }
            Some(l) if l.indent == p && ctx == Ctx::MapValue && self.is_dash(l.content) => {
                self.pos = l.start;
                self.sequence(l.indent, l.content, true)
            }
            _ => Some(self.node(empty_at, empty_at, Value::Null)),
        }
    }

    /// A value starting at `vpos` on the line starting at `line_start`,
    /// owned by a key or `-` at column `p`. Leaves `self.pos` at the start of
    /// the line after the value.
    fn inline_value(
        &mut self,
        vpos: usize,
        line_start: usize,
        p: usize,
        ctx: Ctx,
    ) -> Option<Node<'a>> {
        let c = self.at(vpos)?;
        match c {
            b'|' if ctx != Ctx::Below => self.literal(vpos, p),
            b'\'' => self.single_quoted(vpos, p),
            b'"' => self.double_quoted(vpos, p),
            b'[' | b'{' => {
                let close = if c == b'[' { b']' } else { b'}' };
                if self.at(vpos + 1) != Some(close) {
                    return None;
                }
                // Like a quoted scalar, up to the end of the line.
                let (end, next) = self.finish_line(vpos + 2)?;
                self.pos = next;
                let value = if c == b'[' {
                    Value::Array(Vec::new())
                } else {
                    Value::Object(Vec::new())
                };
                Some(self.node(vpos, end, value))
            }
            b'-' if ctx == Ctx::SeqItem && self.is_dash(vpos) => {
                self.pos = line_start;
                self.sequence(vpos - line_start, vpos, false)
            }
            _ => {
                if !plain_start_ok(self.b, vpos) {
                    return None;
                }
                match self.scan_plain_line(vpos) {
                    Scan::Colon(_) => {
                        if ctx == Ctx::MapValue {
                            return None;
                        }
                        self.pos = line_start;
                        self.mapping(vpos - line_start, vpos)
                    }
                    Scan::End {
                        text_end,
                        line_end,
                        comment,
                    } => self.plain(vpos, text_end, line_end, comment, p),
                }
            }
        }
    }

    /// A plain scalar whose first line's text is `start..text_end`; its
    /// continuation lines are those indented more than `p`.
    fn plain(
        &mut self,
        start: usize,
        text_end: usize,
        line_end: usize,
        comment: bool,
        p: usize,
    ) -> Option<Node<'a>> {
        let first = self.text(start, text_end)?;
        let mut end = text_end;
        let mut next = (line_end + 1).min(self.b.len());
        let mut folded: Option<String> = None;
        if !comment {
            let mut ls = next;
            while let Some((c, empties)) = self.continuation(ls, p) {
                if self.at(c) == Some(b'#') {
                    break;
                }
                let Scan::End {
                    text_end,
                    line_end,
                    comment: false,
                } = self.scan_plain_line(c)
                else {
                    return None;
                };
                let out = folded.get_or_insert_with(|| first.to_owned());
                fold_breaks(out, empties);
                out.push_str(self.text(c, text_end)?);
                end = text_end;
                ls = (line_end + 1).min(self.b.len());
                next = ls;
            }
        }
        self.pos = next;
        let value = match folded {
            None => resolve(Cow::Borrowed(first))?,
            Some(s) => resolve(Cow::Owned(s))?,
        };
        Some(self.node(start, end, value))
    }

    /// `"..."`, possibly over several lines (indented more than `p`), with
    /// the escapes go-yaml and saphyr both know (not `\/` nor `\'`: each
    /// knows only one of them).
    fn double_quoted(&mut self, q: usize, p: usize) -> Option<Node<'a>> {
        let b = self.b;
        let mut out: Option<String> = None;
        let mut seg = q + 1;
        let mut i = q + 1;
        let close = loop {
            let k = memchr::memchr3(b'"', b'\\', b'\n', b.get(i..)?)?;
            let j = i + k;
            match b[j] {
                b'"' => {
                    if let Some(o) = out.as_mut() {
                        o.push_str(self.text(seg, j)?);
                    }
                    break j;
                }
                b'\\' => {
                    let o = out.get_or_insert_with(String::new);
                    o.push_str(self.text(seg, j)?);
                    let (ch, len) = match self.at(j + 1)? {
                        b'\n' => {
                            // An escaped line break: nothing joins the lines,
                            // blank lines still count.
                            let (c, empties) = self.continuation(j + 2, p)?;
                            for _ in 0..empties {
                                o.push('\n');
                            }
                            i = c;
                            seg = c;
                            continue;
                        }
                        b'0' => ('\0', 2),
                        b'a' => ('\x07', 2),
                        b'b' => ('\x08', 2),
                        b't' => ('\t', 2),
                        b'n' => ('\n', 2),
                        b'v' => ('\x0b', 2),
                        b'f' => ('\x0c', 2),
                        b'r' => ('\r', 2),
                        b'e' => ('\x1b', 2),
                        b' ' => (' ', 2),
                        b'"' => ('"', 2),
                        b'\\' => ('\\', 2),
                        b'N' => ('\u{85}', 2),
                        b'_' => ('\u{a0}', 2),
                        b'L' => ('\u{2028}', 2),
                        b'P' => ('\u{2029}', 2),
                        b'x' => (self.hex_escape(j + 2, 2)?, 4),
                        b'u' => (self.hex_escape(j + 2, 4)?, 6),
                        b'U' => (self.hex_escape(j + 2, 8)?, 10),
                        _ => return None,
                    };
                    o.push(ch);
                    i = j + len;
                    seg = i;
                }
                _ => {
                    i = self.quoted_break(out.get_or_insert_with(String::new), seg, j, p)?;
                    seg = i;
                }
            }
        };
        // saphyr ends a quoted scalar after the spaces and comment that
        // follow it on its line.
        let (end, next) = self.finish_line(close + 1)?;
        self.pos = next;
        let value = match out {
            Some(s) => Cow::Owned(s),
            None => Cow::Borrowed(self.text(q + 1, close)?),
        };
        Some(self.node(q, end, Value::String(value)))
    }

    /// The character of a `\x`, `\u` or `\U` escape's `n` hex digits at `i`.
    fn hex_escape(&self, i: usize, n: usize) -> Option<char> {
        let digits = self.b.get(i..i + n)?;
        let mut v = 0u32;
        for &d in digits {
            v = (v << 4) | char::from(d).to_digit(16)?;
        }
        char::from_u32(v)
    }

    /// The continuation of a multi-line flow scalar (plain or quoted) from
    /// line start `ls`: blank lines skipped, the first character of the next
    /// line and the number of blank lines in between. `None` at the end of
    /// the input or at a line not indented more than `p` (the scalar ends
    /// there, or — quoted — the document is not the subset).
    fn continuation(&self, mut ls: usize, p: usize) -> Option<(usize, usize)> {
        let mut empties = 0usize;
        loop {
            let sp = self.spaces(ls);
            let c = ls + sp;
            match self.at(c)? {
                b'\n' => {
                    empties += 1;
                    ls = c + 1;
                }
                _ if sp <= p => return None,
                _ => return Some((c, empties)),
            }
        }
    }

    /// A line break at `j` inside a quoted scalar whose current segment
    /// starts at `seg`: the segment without its trailing spaces goes to
    /// `out`, the breaks fold; returns where the next line's text starts.
    fn quoted_break(&self, out: &mut String, seg: usize, j: usize, p: usize) -> Option<usize> {
        out.push_str(self.text(seg, self.trim_end(seg, j))?);
        let (c, empties) = self.continuation(j + 1, p)?;
        fold_breaks(out, empties);
        Some(c)
    }

    /// `'...'`, possibly over several lines (indented more than `p`), with
    /// `''` for a quote.
    fn single_quoted(&mut self, q: usize, p: usize) -> Option<Node<'a>> {
        let b = self.b;
        let mut out: Option<String> = None;
        let mut seg = q + 1;
        let mut i = q + 1;
        let close = loop {
            let k = memchr::memchr2(b'\'', b'\n', b.get(i..)?)?;
            let j = i + k;
            if b[j] == b'\'' {
                if self.at(j + 1) == Some(b'\'') {
                    out.get_or_insert_with(String::new)
                        .push_str(self.text(seg, j + 1)?);
                    i = j + 2;
                    seg = i;
                    continue;
                }
                if let Some(o) = out.as_mut() {
                    o.push_str(self.text(seg, j)?);
                }
                break j;
            }
            i = self.quoted_break(out.get_or_insert_with(String::new), seg, j, p)?;
            seg = i;
        };
        // saphyr ends a quoted scalar after the spaces and comment that
        // follow it on its line.
        let (end, next) = self.finish_line(close + 1)?;
        self.pos = next;
        let value = match out {
            Some(s) => Cow::Owned(s),
            None => Cow::Borrowed(self.text(q + 1, close)?),
        };
        Some(self.node(q, end, Value::String(value)))
    }

    /// A literal block scalar (`|`, with `-` or `+` chomping and an
    /// indentation indicator or not) at `h`, owned by a key or `-` at column
    /// `p`, as saphyr (and libyaml) scan it.
    fn literal(&mut self, h: usize, p: usize) -> Option<Node<'a>> {
        #[derive(PartialEq)]
        enum Chomp {
            Clip,
            Strip,
            Keep,
        }
        // Header: `|`, then a chomping indicator and an indentation
        // indicator, in either order.
        let mut chomp = Chomp::Clip;
        let mut explicit: Option<usize> = None;
        let mut after = h + 1;
        for _ in 0..2 {
            match self.at(after) {
                Some(b'-') if chomp == Chomp::Clip => chomp = Chomp::Strip,
                Some(b'+') if chomp == Chomp::Clip => chomp = Chomp::Keep,
                Some(d @ b'1'..=b'9') if explicit.is_none() => {
                    explicit = Some(usize::from(d - b'0'))
                }
                _ => break,
            }
            after += 1;
        }
        let mut ls = self.finish_line(after)?.1;
        let b = self.b;
        if ls >= b.len() {
            return None;
        }
        // Leading blank lines, then the first content line. Without an
        // indentation indicator, that line sets the indentation.
        let mut breaks = 0usize;
        let indent = match explicit {
            Some(n) => {
                let indent = p + n;
                loop {
                    let sp = self.spaces(ls);
                    match self.at(ls + sp)? {
                        b'\n' if sp <= indent => {
                            breaks += 1;
                            ls += sp + 1;
                        }
                        _ if sp >= indent => break indent,
                        // An empty scalar: left to the general parser.
                        _ => return None,
                    }
                }
            }
            None => {
                let mut max_blank = 0usize;
                let indent = loop {
                    let sp = self.spaces(ls);
                    match self.at(ls + sp)? {
                        b'\n' => {
                            breaks += 1;
                            max_blank = max_blank.max(sp);
                            ls += sp + 1;
                        }
                        _ => break sp,
                    }
                };
                // An empty scalar, or blank lines more indented than the
                // content: rare corners left to the general parser.
                if indent <= p || max_blank > indent {
                    return None;
                }
                indent
            }
        };
        let start = ls + indent;
        let mut out = String::new();
        // Where the scan stops, and the start of that line.
        let (mut end, mut stop_line);
        let mut first = true;
        loop {
            // A content line at `ls`: its text is past the indentation.
            let le = memchr::memchr(b'\n', b.get(ls + indent..)?)? + ls + indent;
            if !first {
                out.push('\n');
            }
            first = false;
            for _ in 0..breaks {
                out.push('\n');
            }
            out.push_str(self.text(ls + indent, le)?);
            breaks = 0;
            ls = le + 1;
            // Blank lines, then the next content line or the end.
            loop {
                if ls >= b.len() {
                    end = b.len();
                    stop_line = b.len();
                    break;
                }
                let sp = self.spaces(ls);
                match self.at(ls + sp) {
                    // Trailing spaces without a final line break.
                    None => return None,
                    Some(b'\n') if sp <= indent => {
                        breaks += 1;
                        ls += sp + 1;
                    }
                    Some(_) if sp < indent => {
                        end = ls + sp;
                        stop_line = ls;
                        break;
                    }
                    Some(_) => {
                        end = usize::MAX;
                        stop_line = ls;
                        break;
                    }
                }
            }
            if end != usize::MAX {
                break;
            }
        }
        match chomp {
            Chomp::Strip => {}
            Chomp::Clip => out.push('\n'),
            Chomp::Keep => {
                out.push('\n');
                for _ in 0..breaks {
                    out.push('\n');
                }
            }
        }
        // The parent resumes on the line where the scalar ended.
        self.pos = stop_line;
        Some(self.node(start, end, Value::String(Cow::Owned(out))))
    }
}

/// Line breaks between folded lines: one becomes a space, and each blank
/// line between them a `\n`.
fn fold_breaks(out: &mut String, empties: usize) {
    if empties == 0 {
        out.push(' ');
    } else {
        for _ in 0..empties {
            out.push('\n');
        }
    }
}

/// Whether a plain scalar may start at `i`: not with an indicator, except
/// `-` followed by something other than a space.
fn plain_start_ok(b: &[u8], i: usize) -> bool {
    match b.get(i) {
        None => false,
        Some(b'-') => !matches!(b.get(i + 1), None | Some(b' ' | b'\n')),
        Some(c) => !matches!(
            c,
            b'?' | b':'
                | b','
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b'#'
                | b'&'
                | b'*'
                | b'!'
                | b'|'
                | b'>'
                | b'\''
                | b'"'
                | b'%'
                | b'@'
                | b'`'
                | b' '
                | b'\n'
        ),
    }
}

/// A plain scalar's value, as `yaml::resolve_scalar` makes it; `None` for
/// what the general parser rejects or treats specially (`.nan`, `.inf`, `<<`).
fn resolve(text: Cow<'_, str>) -> Option<Value<'_>> {
    if text == "<<" {
        return None;
    }
    match resolve_plain(&text) {
        Some(Value::Number(n)) if n == "NaN" || n.ends_with("Inf") => None,
        Some(v) => Some(v),
        None => Some(Value::String(text)),
    }
}

/// A plain key as a string, as `yaml::key_string` makes it.
fn key_string(text: &str) -> Option<Cow<'_, str>> {
    Some(match resolve(Cow::Borrowed(text))? {
        Value::String(s) => s,
        Value::Number(n) => n,
        Value::Bool(b) => Cow::Borrowed(if b { "true" } else { "false" }),
        Value::Null => Cow::Borrowed("null"),
        Value::Array(_) | Value::Object(_) => return None,
    })
}

/// Support for the differential tests and examples: not part of the API.
#[doc(hidden)]
pub mod check {
    use super::parse_document;
    use crate::parse::yaml::parse_document_general;
    use crate::value::{Node, Value};

    /// The YAML documents of a file as `(start, end)` byte ranges, cut at
    /// `---` lines as `parse_stream` cuts them; none for a JSON file.
    pub fn yaml_chunks(text: &str) -> Vec<(usize, usize)> {
        let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
        let b = text.as_bytes();
        if b.get(start..)
            .and_then(|r| r.iter().find(|c| !c.is_ascii_whitespace()))
            == Some(&b'{')
        {
            return Vec::new();
        }
        let mut out = Vec::new();
        let (mut from, mut pos) = (start, start);
        while pos < b.len() {
            let end = memchr::memchr(b'\n', &b[pos..]).map_or(b.len(), |i| pos + i + 1);
            if b[pos..end].starts_with(b"---") {
                if pos > from {
                    out.push((from, pos));
                }
                from = end;
            }
            pos = end;
        }
        if b.len() > from {
            out.push((from, b.len()));
        }
        out
    }

    /// Parse a chunk with the fast path and, when it answers, with the
    /// general parser too. `Ok(true)`: both agree; `Ok(false)`: the fast
    /// path declined; `Err`: they differ.
    pub fn compare(chunk: &str, base: usize) -> Result<bool, String> {
        let Some(fast) = parse_document(chunk, base) else {
            return Ok(false);
        };
        match parse_document_general(chunk, base) {
            Err(e) => Err(format!(
                "fast path accepted what the general parser rejects: {}",
                e.message
            )),
            Ok(general) => match first_difference("$", &fast, &general) {
                Some(d) => Err(d),
                None => Ok(true),
            },
        }
    }

    /// Where two trees differ (values, keys, order and spans), if they do.
    pub fn first_difference(path: &str, fast: &Node<'_>, general: &Node<'_>) -> Option<String> {
        if (fast.start, fast.end) != (general.start, general.end) {
            return Some(format!(
                "{path}: span {}..{} (fast) vs {}..{} (general)",
                fast.start, fast.end, general.start, general.end
            ));
        }
        match (&fast.value, &general.value) {
            (Value::Array(a), Value::Array(b)) => {
                if a.len() != b.len() {
                    return Some(format!(
                        "{path}: {} items (fast) vs {} (general)",
                        a.len(),
                        b.len()
                    ));
                }
                a.iter()
                    .zip(b)
                    .enumerate()
                    .find_map(|(i, (x, y))| first_difference(&format!("{path}[{i}]"), x, y))
            }
            (Value::Object(a), Value::Object(b)) => {
                if a.len() != b.len() {
                    return Some(format!(
                        "{path}: {} keys (fast) vs {} (general)",
                        a.len(),
                        b.len()
                    ));
                }
                a.iter().zip(b).find_map(|(x, y)| {
                    let p = format!("{path}.{}", x.key);
                    if x.key != y.key || (x.key_start, x.key_end) != (y.key_start, y.key_end) {
                        return Some(format!(
                            "{path}: key {:?} {}..{} (fast) vs {:?} {}..{} (general)",
                            x.key, x.key_start, x.key_end, y.key, y.key_start, y.key_end
                        ));
                    }
                    first_difference(&p, &x.value, &y.value)
                })
            }
            (a, b) if a == b => None,
            (a, b) => Some(format!("{path}: {a:?} (fast) vs {b:?} (general)")),
        }
    }
}

#[cfg(test)]
#[path = "fastyaml_tests.rs"]
mod tests;
