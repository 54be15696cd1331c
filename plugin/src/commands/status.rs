//! `status`: catalog sources, their pods and connection state, why they fail,
//! their package count, and the OperatorHub default-source state.

use std::process::ExitCode;

use clap::Args;

use crate::cluster::apply::Output;
use crate::cluster::config::{self, KubeArgs};
use crate::cluster::status;

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Every namespace.
    #[arg(short = 'A', long, conflicts_with = "namespace")]
    pub all_namespaces: bool,
    /// json or yaml for scripts (default: a table).
    #[arg(short, long, value_enum)]
    pub output: Option<Output>,
    #[command(flatten)]
    pub kube: KubeArgs,
}

pub fn run(a: StatusArgs, _invoked_as: &str) -> Result<ExitCode, String> {
    let ns = (!a.all_namespaces).then(|| a.kube.namespace());
    let kube = a.kube.clone();
    let report = crate::registry::block_on(async move {
        let conn = config::connect(&kube).await?;
        status::gather(&conn, ns.as_deref())
            .await
            .map_err(|e| conn.context(e))
    })??;
    match a.output {
        Some(Output::Json) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
            );
        }
        Some(Output::Yaml) => {
            let v = serde_json::to_value(&report).map_err(|e| e.to_string())?;
            print!("{}", fbc_core::goyaml::to_yaml(&v));
        }
        None => print!("{}", status::table(&report, a.all_namespaces)),
    }
    Ok(ExitCode::SUCCESS)
}
