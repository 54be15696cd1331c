//! Shell completion, two ways:
//!
//! - `oc-catalog completion bash|zsh|fish|powershell|elvish` prints a static
//!   script (clap_complete) for the executable the user calls directly
//!   (`oc-catalog`, or `kubectl-catalog` when run under that name).
//! - kubectl (1.26 and later) completes `kubectl catalog <words>` by running
//!   an executable named `kubectl_complete-catalog` found on `PATH` with the
//!   words typed so far, the last one being the partial word (maybe empty).
//!   It reads one candidate per line (`candidate<TAB>description`), then an
//!   optional last line `:<directive>` (cobra's `ShellCompDirective`). This
//!   binary speaks that protocol when it runs as `kubectl_complete-catalog`
//!   (a symlink to it) or as `oc-catalog __complete <words>` (what the
//!   `kubectl_complete-catalog` script in the release archive runs).

use clap::{Arg, Command, ValueHint};

/// The hidden first argument that asks for completions (cobra's name for it).
pub const COMPLETE_ARG: &str = "__complete";
/// The executable kubectl looks for to complete `kubectl catalog …`.
pub const COMPLETE_EXEC: &str = "kubectl_complete-catalog";

/// Cobra's `ShellCompDirectiveDefault`: the shell may complete file names.
const DIRECTIVE_DEFAULT: u32 = 0;
/// `ShellCompDirectiveNoFileComp`: offer only the candidates given.
const DIRECTIVE_NO_FILE: u32 = 4;
/// `ShellCompDirectiveFilterDirs`: complete directory names only.
const DIRECTIVE_DIRS: u32 = 16;

/// `oc catalog completion SHELL`
#[derive(Debug, clap::Args)]
pub struct CompletionArgs {
    /// The shell to print a completion script for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// The executable name a static script completes: `kubectl-catalog` when the
/// binary runs under that name, else `oc-catalog`.
pub fn script_bin_name(argv0: Option<&std::ffi::OsStr>) -> &'static str {
    let stem = argv0
        .and_then(|a| std::path::Path::new(a).file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if stem == "kubectl-catalog" {
        "kubectl-catalog"
    } else {
        "oc-catalog"
    }
}

/// Print the static completion script for `shell`.
pub fn print_script(
    shell: clap_complete::Shell,
    mut cmd: Command,
    bin_name: &str,
    out: &mut dyn std::io::Write,
) {
    cmd = cmd
        .name(bin_name.to_string())
        .bin_name(bin_name.to_string());
    clap_complete::generate(shell, &mut cmd, bin_name, out);
}

/// `completion SHELL`: print the script for the name this binary runs under.
pub fn run(args: CompletionArgs) -> Result<std::process::ExitCode, String> {
    use clap::CommandFactory;
    let argv0 = std::env::args_os().next();
    let bin = script_bin_name(argv0.as_deref());
    let mut out = Vec::new();
    print_script(args.shell, crate::cli::Cli::command(), bin, &mut out);
    use std::io::Write;
    std::io::stdout()
        .write_all(&out)
        .map_err(|e| format!("writing the completion script: {e}"))?;
    Ok(std::process::ExitCode::SUCCESS)
}

/// Answer kubectl's completion request for `words`; the exit code.
pub fn answer(words: &[String]) -> std::process::ExitCode {
    use clap::CommandFactory;
    use std::io::Write;
    let out = complete(crate::cli::Cli::command(), words).render();
    match std::io::stdout().write_all(out.as_bytes()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(_) => std::process::ExitCode::from(2),
    }
}

/// What to offer for the last word, as cobra plugins answer kubectl.
#[derive(Debug, PartialEq, Eq)]
pub struct Completions {
    /// (candidate, one-line description)
    pub candidates: Vec<(String, String)>,
    pub directive: u32,
}

impl Completions {
    /// The lines kubectl reads: `candidate\tdescription`…, then `:directive`.
    pub fn render(&self) -> String {
        let mut s = String::new();
        for (c, d) in &self.candidates {
            s.push_str(c);
            if !d.is_empty() {
                s.push('\t');
                s.push_str(d);
            }
            s.push('\n');
        }
        s.push_str(&format!(":{}\n", self.directive));
        s
    }
}

fn first_line(s: Option<&clap::builder::StyledStr>) -> String {
    s.map(|s| s.to_string())
        .unwrap_or_default()
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .trim_end_matches('.')
        .to_string()
}

/// Whether an option consumes the next word as its value (`--tag REF`).
fn takes_separate_value(a: &Arg) -> bool {
    a.get_action().takes_values()
        && !a.is_require_equals_set()
        && a.get_num_args().is_none_or(|n| n.min_values() > 0)
}

fn find_long<'a>(cmd: &'a Command, name: &str) -> Option<&'a Arg> {
    cmd.get_arguments().find(|a| {
        a.get_long() == Some(name) || a.get_all_aliases().is_some_and(|al| al.contains(&name))
    })
}

fn find_short(cmd: &Command, c: char) -> Option<&Arg> {
    cmd.get_arguments().find(|a| a.get_short() == Some(c))
}

/// Candidates for the value of `arg`: its possible values, else let the shell
/// complete paths (or nothing for values that are not paths).
fn values_for(arg: &Arg, partial: &str, prefix: &str) -> Completions {
    let values: Vec<_> = arg
        .get_possible_values()
        .into_iter()
        .filter(|v| !v.is_hide_set())
        .collect();
    if !values.is_empty() {
        let candidates = values
            .iter()
            .filter(|v| v.get_name().starts_with(partial))
            .map(|v| {
                (
                    format!("{prefix}{}", v.get_name()),
                    first_line(v.get_help()),
                )
            })
            .collect();
        return Completions {
            candidates,
            directive: DIRECTIVE_NO_FILE,
        };
    }
    let directive = match arg.get_value_hint() {
        ValueHint::DirPath => DIRECTIVE_DIRS,
        ValueHint::Unknown
        | ValueHint::AnyPath
        | ValueHint::FilePath
        | ValueHint::ExecutablePath => DIRECTIVE_DEFAULT,
        _ => DIRECTIVE_NO_FILE,
    };
    Completions {
        candidates: Vec::new(),
        directive,
    }
}

/// Complete `words` (everything after `catalog`; the last is the partial
/// word, possibly empty) against the command tree `cmd`.
pub fn complete(mut cmd: Command, words: &[String]) -> Completions {
    // Propagates global options (registry flags) and adds help/version.
    cmd.build();
    let (partial, before) = match words.split_last() {
        Some((last, rest)) => (last.as_str(), rest),
        None => ("", &[][..]),
    };
    let mut current = &cmd;
    let mut positionals = 0usize;
    let mut pending: Option<&Arg> = None;
    let mut after_double_dash = false;
    for w in before {
        if pending.take().is_some() {
            continue;
        }
        if after_double_dash {
            positionals += 1;
            continue;
        }
        if w == "--" {
            after_double_dash = true;
        } else if let Some(long) = w.strip_prefix("--") {
            if !long.contains('=') {
                pending = find_long(current, long).filter(|a| takes_separate_value(a));
            }
        } else if let Some(shorts) = w.strip_prefix('-').filter(|s| !s.is_empty()) {
            // A cluster such as -qv, -ojson or -o (value in the next word).
            for (i, c) in shorts.char_indices() {
                if let Some(a) = find_short(current, c)
                    && a.get_action().takes_values()
                {
                    if i + c.len_utf8() == shorts.len() && takes_separate_value(a) {
                        pending = Some(a);
                    }
                    break;
                }
            }
        } else if let Some(sub) = (positionals == 0)
            .then(|| current.find_subcommand(w))
            .flatten()
        {
            current = sub;
        } else {
            positionals += 1;
        }
    }

    if let Some(a) = pending {
        return values_for(a, partial, "");
    }
    if !after_double_dash && partial.starts_with('-') {
        if let Some((name, value)) = partial.strip_prefix("--").and_then(|p| p.split_once('=')) {
            return match find_long(current, name) {
                Some(a) => values_for(a, value, &format!("--{name}=")),
                None => Completions {
                    candidates: Vec::new(),
                    directive: DIRECTIVE_NO_FILE,
                },
            };
        }
        let mut candidates = Vec::new();
        for a in current.get_arguments().filter(|a| !a.is_hide_set()) {
            let help = first_line(a.get_help());
            if let Some(l) = a.get_long() {
                let flag = format!("--{l}");
                if flag.starts_with(partial) {
                    candidates.push((flag, help.clone()));
                }
            }
            if let Some(s) = a.get_short() {
                let flag = format!("-{s}");
                if flag.starts_with(partial) && partial.len() <= 2 && !partial.starts_with("--") {
                    candidates.push((flag, help));
                }
            }
        }
        return Completions {
            candidates,
            directive: DIRECTIVE_NO_FILE,
        };
    }
    if positionals == 0 && current.has_subcommands() && !after_double_dash {
        let candidates = current
            .get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name().starts_with(partial))
            .map(|s| (s.get_name().to_string(), first_line(s.get_about())))
            .collect();
        return Completions {
            candidates,
            directive: DIRECTIVE_NO_FILE,
        };
    }
    let args: Vec<&Arg> = current.get_positionals().collect();
    let arg = args.get(positionals).copied().or_else(|| {
        // The last positional may take many values (CATALOG...).
        args.last()
            .copied()
            .filter(|a| a.get_num_args().is_some_and(|n| n.max_values() > 1))
    });
    match arg {
        Some(a) => values_for(a, partial, ""),
        None => Completions {
            candidates: Vec::new(),
            directive: DIRECTIVE_NO_FILE,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn words(s: &[&str]) -> Vec<String> {
        s.iter().map(|w| w.to_string()).collect()
    }

    fn names(c: &Completions) -> Vec<&str> {
        c.candidates.iter().map(|(n, _)| n.as_str()).collect()
    }

    fn cli() -> Command {
        crate::cli::Cli::command()
    }

    #[test]
    fn subcommands_for_a_partial_word() {
        let c = complete(cli(), &words(&["va"]));
        assert_eq!(names(&c), ["validate"]);
        assert_eq!(c.directive, DIRECTIVE_NO_FILE);
        let all = complete(cli(), &words(&[""]));
        for verb in ["validate", "build", "render", "explain", "completion"] {
            assert!(names(&all).contains(&verb), "{verb} missing: {all:?}");
        }
        assert!(!names(&all).contains(&COMPLETE_ARG));
    }

    #[test]
    fn flags_and_their_values() {
        let c = complete(cli(), &words(&["validate", "--st"]));
        assert_eq!(names(&c), ["--strict"]);
        let c = complete(cli(), &words(&["validate", "-o", "s"]));
        assert_eq!(names(&c), ["sarif"]);
        let c = complete(cli(), &words(&["validate", "--output=j"]));
        assert_eq!(names(&c), ["--output=json"]);
        // global registry options are offered below a subcommand too
        let c = complete(cli(), &words(&["build", "--tls"]));
        assert_eq!(names(&c), ["--tls-verify"]);
    }

    #[test]
    fn paths_are_left_to_the_shell() {
        let c = complete(cli(), &words(&["validate", "--strict", ""]));
        assert!(c.candidates.is_empty());
        assert_eq!(c.directive, DIRECTIVE_DEFAULT);
        // the value of --authfile is a path, not a subcommand
        let c = complete(cli(), &words(&["--authfile", ""]));
        assert_eq!(c.directive, DIRECTIVE_DEFAULT);
        assert!(c.candidates.is_empty());
    }

    #[test]
    fn render_is_the_kubectl_protocol() {
        let c = Completions {
            candidates: vec![("validate".into(), "Check".into()), ("x".into(), "".into())],
            directive: 4,
        };
        assert_eq!(c.render(), "validate\tCheck\nx\n:4\n");
    }
}
