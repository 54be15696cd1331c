//! Random differential testing of the YAML fast path: generate documents in
//! (and near) the block subset go-yaml writes, mutate some of them, and check
//! that whenever the fast path answers, the general parser gives the same
//! tree, spans included. Prints the first mismatches and the hit rate.
//!
//! `cargo run --release -p fbc-core --example fastyaml_fuzz [ITERATIONS] [SEED]`

use fbc_core::parse::fastyaml::check::compare;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const PLAIN: &[&str] = &[
    "foo",
    "y",
    "n",
    "on",
    "Off",
    "yes",
    "1.0",
    "0.1.0",
    "~",
    "null",
    "0x1F",
    "010",
    "1e3",
    ".5",
    "-1",
    "-x",
    "a:b",
    "a#b",
    "http://x/y?z=1",
    "é",
    "it’s",
    "a b  c",
    "<<",
    ".nan",
    "-.inf",
    "1_000",
    "+1",
    "0b101",
    "True",
    "tRUE",
    "2024-01-01",
    "a,b",
    "a[0]",
    "x!",
    "&a",
    "*a",
    "!t",
    "@x",
    "`x`",
    "%x",
    "?x",
    ":x",
    "- x",
    "a: b",
    "a #b",
    "a:",
    "[]",
    "{}",
    "[a]",
    "'a'",
    "\"a\"",
];

const QUOTED: &[&str] = &[
    "''",
    "'x'",
    "'it''s'",
    "' lead'",
    "'trail '",
    "'y'",
    "'a: b'",
    "'# c'",
    "\"\"",
    "\"x\"",
    "\"a\\tb\"",
    "\"\\u00e9\"",
    "\"a\\/b\"",
    "\"\\x41\"",
    "\"\\'\"",
    "\"q\\\"q\"",
    "\"\\\\\"",
    "\"\\ \"",
    "\"\\N\\_\\L\\P\"",
    "\"\\U0001F600\"",
    "\"\\ud800\"",
    "\"\\z\"",
    "\"1.0\"",
];

const KEYS: &[&str] = &[
    "name", "a", "y", "on", "1", "1.0", "~", "null", "k k", "a-b", "a.b/c", "x:y", "é", "-k", "<<",
    "'q'", "\"q\"", "? k", "&a k", "[k]", "k ", "true",
];

fn spaces(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn fillers(r: &mut Rng, out: &mut String, indent: usize) {
    while r.chance(15) {
        match r.below(4) {
            0 => out.push('\n'),
            1 => {
                spaces(out, r.below(indent + 4));
                out.push('\n');
            }
            _ => {
                spaces(out, r.below(indent + 4));
                out.push_str("# comment: x\n");
            }
        }
    }
}

/// A scalar's text after `key: ` or `- ` (no line break at its end), with
/// continuation lines indented by `cont` spaces.
fn scalar(r: &mut Rng, out: &mut String, cont: usize) {
    match r.below(10) {
        0..=3 => {
            let pool = if r.chance(85) { &PLAIN[..30] } else { PLAIN };
            out.push_str(r.pick(pool));
        }
        4 | 5 => {
            let pool = if r.chance(85) { &QUOTED[..13] } else { QUOTED };
            out.push_str(r.pick(pool));
        }
        6 => {
            // multi-line plain
            out.push_str(r.pick(&["first", "a b", "1", "x"]));
            for _ in 0..1 + r.below(3) {
                out.push('\n');
                for _ in 0..r.below(3) {
                    spaces(out, r.below(cont + 2));
                    out.push('\n');
                }
                spaces(out, cont + r.below(3));
                let bad = r.chance(15);
                out.push_str(if bad {
                    r.pick(&["w #c", "# c", "u: v", "t:"])
                } else {
                    r.pick(&["more", "- dash", "[x] *y", "z  ", "a#b", "'q'"])
                });
            }
        }
        7 | 8 => {
            // multi-line quoted
            let q = if r.chance(50) { '\'' } else { '"' };
            out.push(q);
            out.push_str(r.pick(&["one", "two ", " three", "it''s", "a\\", "\\ b", ""]));
            for _ in 0..1 + r.below(3) {
                out.push('\n');
                for _ in 0..r.below(3) {
                    spaces(out, r.below(cont + 2));
                    out.push('\n');
                }
                spaces(out, cont + r.below(3));
                out.push_str(r.pick(&["more", " x ", "a\\", "# not", "", "\\ y", "''"]));
            }
            out.push(q);
        }
        _ => {
            out.push_str(r.pick(&["[]", "{}", "[]", "{}", "[]", "{}", "[ ]", "[a]", "{a: 1}"]));
        }
    }
    if r.chance(10) {
        out.push_str(r.pick(&[" # c", "  #c", " # c: d", "   ", "#c"]));
    }
}

/// A literal block scalar: header after `key: ` or `- `, then lines.
fn literal(r: &mut Rng, out: &mut String, owner: usize) {
    out.push('|');
    out.push_str(r.pick(&[
        "", "", "-", "+", "2", "-1", "+2", "1-", "", "-", "+", "0", ">",
    ]));
    if r.chance(10) {
        out.push_str(" # c");
    }
    out.push('\n');
    let ind = owner + 1 + r.below(3);
    let lines = if r.chance(5) { 0 } else { 1 + r.below(5) };
    for i in 0..lines {
        match if i == 0 { 2 + r.below(4) } else { r.below(6) } {
            0 => out.push('\n'),
            1 => spaces(out, r.below(ind + 3)),
            _ => {
                spaces(
                    out,
                    if i > 0 {
                        ind + r.below(2) * r.below(3)
                    } else {
                        ind
                    },
                );
                out.push_str(r.pick(&["text", "# c", "- x", "a: b", "'q'", "  x"]));
            }
        }
        out.push('\n');
    }
    if r.chance(50) {
        out.push('\n');
    }
}

/// The value after `key:` or `-` at column `col` (the rest of the line and
/// maybe more lines).
fn value(r: &mut Rng, out: &mut String, col: usize, depth: usize, in_map: bool) {
    let choice = if depth > 4 { r.below(3) } else { r.below(9) };
    match choice {
        8 => {
            // A scalar on the next line.
            out.push('\n');
            fillers(r, out, col);
            let c = col + r.below(4);
            spaces(out, c);
            scalar(r, out, c + 1);
            out.push('\n');
        }
        0 | 1 => {
            out.push(' ');
            scalar(r, out, col + 1);
            out.push('\n');
        }
        2 => {
            out.push(' ');
            literal(r, out, col);
        }
        3 => out.push('\n'),
        4 | 5 => {
            out.push('\n');
            fillers(r, out, col);
            let c = col + 1 + r.below(3);
            mapping(r, out, c, depth + 1);
        }
        _ => {
            out.push('\n');
            fillers(r, out, col);
            let extra = if in_map { r.below(3) } else { 1 + r.below(2) };
            sequence(r, out, col + extra, depth + 1);
        }
    }
}

fn mapping(r: &mut Rng, out: &mut String, col: usize, depth: usize) {
    for i in 0..1 + r.below(4) {
        if i > 0 {
            spaces(out, col);
        }
        out.push_str(if r.chance(90) {
            r.pick(&KEYS[..6])
        } else {
            r.pick(KEYS)
        });
        out.push(':');
        value(r, out, col, depth, true);
        fillers(r, out, col);
    }
}

fn sequence(r: &mut Rng, out: &mut String, col: usize, depth: usize) {
    for _ in 0..1 + r.below(4) {
        spaces(out, col);
        out.push('-');
        match r.below(6) {
            0 if depth < 5 => {
                // compact mapping
                out.push_str(r.pick(&[" ", " ", "  "]));
                let kcol = out.len() - out.rfind('\n').map_or(0, |i| i + 1);
                mapping(r, out, kcol, depth + 1);
            }
            1 if depth < 5 => {
                out.push(' ');
                let scol = out.len() - out.rfind('\n').map_or(0, |i| i + 1);
                sequence_inline(r, out, scol, depth + 1);
            }
            _ => value(r, out, col, depth, false),
        }
        fillers(r, out, col);
    }
}

/// A sequence whose first `-` is already on the current line at `col`.
fn sequence_inline(r: &mut Rng, out: &mut String, col: usize, depth: usize) {
    out.push('-');
    value(r, out, col, depth, false);
    for _ in 0..r.below(3) {
        spaces(out, col);
        out.push('-');
        value(r, out, col, depth, false);
    }
}

fn document(r: &mut Rng) -> String {
    let mut out = String::new();
    fillers(r, &mut out, 0);
    if r.chance(80) {
        mapping(r, &mut out, 0, 0);
    } else {
        sequence(r, &mut out, 0, 0);
    }
    if r.chance(30) {
        // A few random edits.
        let edits = [
            " ", "\n", "-", ":", "#", "'", "\"", "|", "\\", "x", "é", "\t", "  ", "",
        ];
        for _ in 0..1 + r.below(3) {
            let mut i = r.below(out.len() + 1);
            while !out.is_char_boundary(i) {
                i -= 1;
            }
            let mut j = i + r.below(3);
            while j > out.len() || !out.is_char_boundary(j) {
                j -= 1;
            }
            out.replace_range(i..j, r.pick(&edits));
        }
    }
    if r.chance(10) {
        out.pop();
    }
    out
}

fn main() {
    let mut args = std::env::args().skip(1);
    let iterations: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let (mut hits, mut bad) = (0usize, 0usize);
    let mut show_declined: usize = std::env::var("SHOW_DECLINED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    for _ in 0..iterations {
        let doc = document(&mut r);
        match compare(&doc, 0) {
            Ok(true) => hits += 1,
            Ok(false) => {
                if show_declined > 0
                    && fbc_core::parse::yaml::parse_document_general(&doc, 0).is_ok()
                {
                    show_declined -= 1;
                    println!("declined (the general parser accepts it):\n{doc}\n----");
                }
            }
            Err(e) => {
                bad += 1;
                if bad <= 10 {
                    println!("MISMATCH {e}\n{doc:?}\n");
                }
            }
        }
    }
    println!("{iterations} documents: fast path took {hits}, {bad} mismatches");
    if bad > 0 {
        std::process::exit(1);
    }
}
