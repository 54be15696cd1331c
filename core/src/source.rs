//! Source files, byte spans and line/column resolution.
//!
//! Spans are byte offsets into the text of one file. Line and column numbers
//! are computed on demand from a [`LineIndex`], which is all a file keeps once
//! its text has been parsed and dropped (big catalogs are never held in memory
//! whole).

use serde::Serialize;

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FileId(pub u32);

/// A byte range `[start, end)` in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span {
            file,
            start: start as u32,
            end: end.max(start) as u32,
        }
    }
}

/// Byte offsets of line starts, to turn byte offsets into line/column.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    /// Byte offset at which each line starts; `starts[0] == 0`.
    starts: Vec<u32>,
    len: u32,
}

/// A resolved position. `line` and `column` are 1-based; `column` counts
/// Unicode scalar values, `column_utf16` counts UTF-16 code units (what
/// editors and browsers use).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Position {
    pub offset: u32,
    pub line: u32,
    pub column: u32,
    pub column_utf16: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 40 + 1);
        starts.push(0u32);
        for i in memchr::memchr_iter(b'\n', text.as_bytes()) {
            starts.push(i as u32 + 1);
        }
        LineIndex {
            starts,
            len: text.len() as u32,
        }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Byte offset where 1-based line `line` starts.
    pub fn line_start(&self, line: u32) -> Option<u32> {
        self.starts.get(line.checked_sub(1)? as usize).copied()
    }

    /// The byte range of 1-based line `line`, without its line terminator.
    pub fn line_range(&self, line: u32) -> Option<(u32, u32)> {
        let start = self.line_start(line)?;
        let end = self
            .starts
            .get(line as usize)
            .map(|s| s - 1)
            .unwrap_or(self.len);
        Some((start, end.max(start)))
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, offset: u32) -> u32 {
        match self.starts.binary_search(&offset) {
            Ok(i) => i as u32 + 1,
            Err(i) => i as u32,
        }
    }

    /// Resolve a byte offset. `text` must be the text this index was built
    /// from; without it (text dropped), columns are byte-based.
    pub fn position(&self, offset: u32, text: Option<&str>) -> Position {
        let offset = offset.min(self.len);
        let line = self.line_of(offset);
        let start = self.starts[(line - 1) as usize];
        let (column, column_utf16) = match text.and_then(|t| t.get(start as usize..offset as usize))
        {
            Some(prefix) => (
                prefix.chars().count() as u32 + 1,
                prefix.chars().map(|c| c.len_utf16() as u32).sum::<u32>() + 1,
            ),
            None => (offset - start + 1, offset - start + 1),
        };
        Position {
            offset,
            line,
            column,
            column_utf16,
        }
    }
}

/// What is known about one source file after parsing.
#[derive(Debug, Clone)]
pub struct SourceInfo {
    /// The path as the user should see it (relative to where they pointed us,
    /// or `<stdin>`).
    pub path: String,
    pub lines: LineIndex,
    /// The text, when the caller chose to keep it (small inputs, the browser).
    pub text: Option<String>,
}

/// All files of one run.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceInfo>,
}

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, info: SourceInfo) -> FileId {
        self.files.push(info);
        FileId(self.files.len() as u32 - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceInfo {
        &self.files[id.0 as usize]
    }

    pub fn get_mut(&mut self, id: FileId) -> &mut SourceInfo {
        &mut self.files[id.0 as usize]
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceInfo)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    pub fn path(&self, id: FileId) -> &str {
        &self.get(id).path
    }

    pub fn position(&self, id: FileId, offset: u32) -> Position {
        let f = self.get(id);
        f.lines.position(offset, f.text.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        let t = "ab\nçd\n\nx";
        let li = LineIndex::new(t);
        assert_eq!(li.line_count(), 4);
        let p = li.position(5, Some(t)); // 'd'
        assert_eq!((p.line, p.column, p.column_utf16), (2, 2, 2));
        assert_eq!(li.line_range(2), Some((3, 6)));
        assert_eq!(li.line_range(4), Some((8, 9)));
        assert_eq!(li.position(8, None).line, 4);
    }
}
