//! `oc catalog` / `kubectl catalog` (see the library, `oc_catalog`).

fn main() -> std::process::ExitCode {
    oc_catalog::main()
}
