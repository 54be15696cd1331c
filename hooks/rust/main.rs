//! `oc-catalog-hook`: the `oc-catalog` CLI under the name pre-commit's
//! `language: rust` hook installs. pre-commit runs `cargo install --path .` at
//! the repository root, so the root manifest is this small package; the
//! program is the plugin's (`oc_catalog::main`), unchanged.

fn main() -> std::process::ExitCode {
    oc_catalog::main()
}
