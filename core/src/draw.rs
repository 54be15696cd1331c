//! A package's upgrade graph ([`crate::model::PackageGraph`]) as Mermaid or
//! Graphviz DOT text. Edges point from the newer bundle to the one it
//! upgrades from, labelled `replaces`, `skips` or `skipRange`; channel heads
//! are drawn bold, deprecated bundles dashed, names outside the channel grey.

use crate::model::{ChannelUpgradeGraph, EdgeKind, PackageGraph};

fn kind_label(k: EdgeKind) -> &'static str {
    match k {
        EdgeKind::Replaces => "replaces",
        EdgeKind::Skips => "skips",
        EdgeKind::SkipRange => "skipRange",
    }
}

/// An identifier safe for both Mermaid and DOT.
fn ident(parts: &[&str]) -> String {
    let mut s = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            s.push_str("__");
        }
        for c in p.chars() {
            s.push(if c.is_ascii_alphanumeric() { c } else { '_' });
        }
    }
    s
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn channels<'g>(g: &'g PackageGraph, channel: Option<&str>) -> Vec<&'g ChannelUpgradeGraph> {
    let mut v: Vec<&ChannelUpgradeGraph> = g
        .channels
        .iter()
        .filter(|c| channel.is_none_or(|n| c.name == n))
        .collect();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

fn label(name: &str, version: Option<&str>) -> String {
    match version {
        Some(v) => format!("{name}<br/>{v}"),
        None => name.to_string(),
    }
}

/// Mermaid `graph LR` text.
pub fn mermaid(g: &PackageGraph, channel: Option<&str>) -> String {
    let mut s = String::from("graph LR\n");
    s.push_str(&format!("  %% package \"{}\"\n", g.package));
    s.push_str(&format!(
        "  subgraph {}[\"{}\"]\n",
        ident(&[&g.package]),
        esc(&g.package)
    ));
    let mut heads = Vec::new();
    let mut deprecated = Vec::new();
    let mut outside = Vec::new();
    for c in channels(g, channel) {
        let title = if c.name == g.default_channel {
            format!("{} (default)", c.name)
        } else {
            c.name.clone()
        };
        s.push_str(&format!("    %% channel \"{}\"\n", c.name));
        s.push_str(&format!(
            "    subgraph {}[\"{}\"]\n",
            ident(&[&g.package, &c.name]),
            esc(&title)
        ));
        for n in &c.nodes {
            let id = ident(&[&g.package, &c.name, &n.name]);
            s.push_str(&format!(
                "      {id}[\"{}\"]\n",
                esc(&label(&n.name, n.version.as_deref()))
            ));
            if n.head {
                heads.push(id.clone());
            }
            if n.deprecated {
                deprecated.push(id.clone());
            }
            if !n.in_channel {
                outside.push(id);
            }
        }
        for e in &c.edges {
            s.push_str(&format!(
                "      {} -- {} --> {}\n",
                ident(&[&g.package, &c.name, &e.from]),
                kind_label(e.kind),
                ident(&[&g.package, &c.name, &e.to])
            ));
        }
        s.push_str("    end\n");
    }
    s.push_str("  end\n");
    s.push_str("  classDef head stroke-width:3px\n");
    s.push_str("  classDef deprecated stroke-dasharray:5 5\n");
    s.push_str("  classDef outside fill:#eee,color:#777\n");
    for (class, ids) in [
        ("head", heads),
        ("deprecated", deprecated),
        ("outside", outside),
    ] {
        if !ids.is_empty() {
            s.push_str(&format!("  class {} {class}\n", ids.join(",")));
        }
    }
    s
}

/// Graphviz DOT text.
pub fn dot(g: &PackageGraph, channel: Option<&str>) -> String {
    let mut s = format!("digraph \"{}\" {{\n", esc(&g.package));
    s.push_str("  rankdir=LR;\n  node [shape=box];\n");
    for c in channels(g, channel) {
        let title = if c.name == g.default_channel {
            format!("{} (default)", c.name)
        } else {
            c.name.clone()
        };
        s.push_str(&format!(
            "  subgraph \"cluster_{}\" {{\n    label=\"{}\";\n",
            esc(&c.name),
            esc(&title)
        ));
        for n in &c.nodes {
            let mut attrs = vec![format!(
                "label=\"{}\"",
                esc(&match &n.version {
                    Some(v) => format!("{}\\n{v}", n.name),
                    None => n.name.clone(),
                })
                .replace("\\\\n", "\\n")
            )];
            let mut style = Vec::new();
            if n.head {
                style.push("bold");
            }
            if n.deprecated {
                style.push("dashed");
            }
            if !n.in_channel {
                style.push("filled");
                attrs.push("fillcolor=\"#eeeeee\"".into());
                attrs.push("fontcolor=\"#777777\"".into());
            }
            if !style.is_empty() {
                attrs.push(format!("style=\"{}\"", style.join(",")));
            }
            s.push_str(&format!(
                "    \"{}\" [{}];\n",
                esc(&format!("{}/{}", c.name, n.name)),
                attrs.join(", ")
            ));
        }
        for e in &c.edges {
            s.push_str(&format!(
                "    \"{}\" -> \"{}\" [label=\"{}\"{}];\n",
                esc(&format!("{}/{}", c.name, e.from)),
                esc(&format!("{}/{}", c.name, e.to)),
                kind_label(e.kind),
                if e.kind == EdgeKind::Replaces {
                    ""
                } else {
                    ", style=dashed"
                }
            ));
        }
        s.push_str("  }\n");
    }
    s.push_str("}\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{UpgradeEdge, UpgradeNode};

    fn graph() -> PackageGraph {
        let node = |n: &str, v: Option<&str>, head: bool, in_channel: bool| UpgradeNode {
            name: n.into(),
            version: v.map(str::to_string),
            head,
            in_channel,
            deprecated: n == "op.v1",
        };
        PackageGraph {
            package: "op".into(),
            default_channel: "stable".into(),
            channels: vec![ChannelUpgradeGraph {
                name: "stable".into(),
                heads: vec!["op.v2".into()],
                deprecated: false,
                nodes: vec![
                    node("op.v2", Some("2.0.0"), true, true),
                    node("op.v1", Some("1.0.0"), false, true),
                    node("op.v0", None, false, false),
                ],
                edges: vec![
                    UpgradeEdge {
                        from: "op.v1".into(),
                        to: "op.v0".into(),
                        kind: EdgeKind::Skips,
                    },
                    UpgradeEdge {
                        from: "op.v2".into(),
                        to: "op.v1".into(),
                        kind: EdgeKind::Replaces,
                    },
                ],
            }],
        }
    }

    #[test]
    fn mermaid_text() {
        assert_eq!(
            mermaid(&graph(), None),
            r#"graph LR
  %% package "op"
  subgraph op["op"]
    %% channel "stable"
    subgraph op__stable["stable (default)"]
      op__stable__op_v2["op.v2<br/>2.0.0"]
      op__stable__op_v1["op.v1<br/>1.0.0"]
      op__stable__op_v0["op.v0"]
      op__stable__op_v1 -- skips --> op__stable__op_v0
      op__stable__op_v2 -- replaces --> op__stable__op_v1
    end
  end
  classDef head stroke-width:3px
  classDef deprecated stroke-dasharray:5 5
  classDef outside fill:#eee,color:#777
  class op__stable__op_v2 head
  class op__stable__op_v1 deprecated
  class op__stable__op_v0 outside
"#
        );
        assert!(mermaid(&graph(), Some("other")).contains("  end\n"));
    }

    #[test]
    fn dot_text() {
        assert_eq!(
            dot(&graph(), None),
            r##"digraph "op" {
  rankdir=LR;
  node [shape=box];
  subgraph "cluster_stable" {
    label="stable (default)";
    "stable/op.v2" [label="op.v2\n2.0.0", style="bold"];
    "stable/op.v1" [label="op.v1\n1.0.0", style="dashed"];
    "stable/op.v0" [label="op.v0", fillcolor="#eeeeee", fontcolor="#777777", style="filled"];
    "stable/op.v1" -> "stable/op.v0" [label="skips", style=dashed];
    "stable/op.v2" -> "stable/op.v1" [label="replaces"];
  }
}
"##
        );
    }
}
