//! `explain CODE`: what a finding code means and how to fix it.

use crate::cli::ExplainArgs;
use fbc_core::codes::{self, Code};
use std::process::ExitCode;

pub fn run(a: ExplainArgs, invoked_as: &str) -> Result<ExitCode, String> {
    if a.list {
        for c in codes::ALL {
            let i = c.info();
            println!(
                "{}  {:<7}  {:<32} {}",
                i.code,
                i.severity.as_str(),
                i.name,
                i.summary
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let wanted = a.code.unwrap_or_default();
    match Code::parse(&wanted) {
        Some(code) => {
            println!("{}", codes::explain(code));
            Ok(ExitCode::SUCCESS)
        }
        None => Err(format!(
            "unknown code {wanted:?}; `{invoked_as} explain --list` lists them all"
        )),
    }
}
