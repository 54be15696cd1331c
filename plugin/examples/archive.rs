//! Drive `oc_catalog::mirror::archive` from the command line (scripts/bench-archive.sh uses it
//! until `oc catalog mirror` calls pack and unpack itself).
//!
//!   archive pack DIR [--archive-size-mib N] [--full] [--since RUN|DATE]
//!   archive unpack DIR [LAYOUT]

use oc_catalog::mirror::archive::{self, PackOptions, Since, UnpackOptions};
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let start = Instant::now();
    let res = match args.first().map(String::as_str) {
        Some("pack") if args.len() >= 2 => {
            let mut o = PackOptions::new(&args[1]);
            let mut i = 2;
            while i < args.len() {
                match args[i].as_str() {
                    "--archive-size-mib" => {
                        o.chunk_bytes = args[i + 1].parse::<u64>().expect("MiB") << 20;
                        i += 1;
                    }
                    "--full" => o.since = Since::Full,
                    "--since" => {
                        o.since = Since::parse(&args[i + 1]);
                        i += 1;
                    }
                    other => panic!("unknown argument {other}"),
                }
                i += 1;
            }
            archive::pack(&o).map(|r| {
                for w in &r.warnings {
                    eprintln!("warning: {w}");
                }
                r.to_string()
            })
        }
        Some("unpack") if args.len() >= 2 => {
            let mut o = UnpackOptions::new(&args[1]);
            o.layout = args.get(2).map(Into::into);
            archive::unpack(&o).map(|r| {
                for w in &r.warnings {
                    eprintln!("warning: {w}");
                }
                r.to_string()
            })
        }
        _ => Err(
            "usage: archive pack DIR [--archive-size-mib N] [--full] | unpack DIR [LAYOUT]".into(),
        ),
    };
    match res {
        Ok(s) => {
            println!("{s}");
            eprintln!("elapsed {:.3} s", start.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
