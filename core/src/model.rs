//! The upgrade graph of a channel: replaces, skips and skipRange edges, the
//! channel head, and opm's `validateReplacesChain`.

use crate::declcfg::ChannelEntry;
use std::collections::{BTreeSet, HashMap, HashSet};

/// Why a channel's graph is invalid (opm reports at most one per channel).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphError {
    /// Every entry is replaced or skipped by another.
    NoHead,
    /// Entries nothing replaces or skips (sorted).
    MultipleHeads(Vec<String>),
    /// The replaces chain from the head loops: the names along the loop.
    Cycle(Vec<String>),
    /// Entries neither on the head's replaces chain nor skipped (sorted).
    Stranded(Vec<String>),
}

impl GraphError {
    /// opm's message.
    pub fn message(&self) -> String {
        match self {
            GraphError::NoHead => "no channel head found in graph".into(),
            GraphError::MultipleHeads(h) => {
                format!("multiple channel heads found in graph: {}", h.join(", "))
            }
            GraphError::Cycle(c) => format!(
                "detected cycle in replaces chain of upgrade graph: {}",
                c.join(" -> ")
            ),
            GraphError::Stranded(s) => format!(
                "channel contains one or more stranded bundles: {}",
                s.join(", ")
            ),
        }
    }
}

/// A channel's entries by name (a later duplicate replaces an earlier one,
/// as in opm's map).
pub struct ChannelGraph<'c> {
    pub entries: HashMap<&'c str, &'c ChannelEntry>,
    order: Vec<&'c str>,
}

impl<'c> ChannelGraph<'c> {
    pub fn new(entries: &'c [ChannelEntry]) -> Self {
        let mut map = HashMap::with_capacity(entries.len());
        let mut order = Vec::with_capacity(entries.len());
        for e in entries {
            if map.insert(e.name.as_str(), e).is_none() {
                order.push(e.name.as_str());
            }
        }
        ChannelGraph {
            entries: map,
            order,
        }
    }

    /// Entries no other entry replaces or skips, sorted.
    pub fn heads(&self) -> Vec<&'c str> {
        let mut incoming: HashSet<&str> = HashSet::new();
        for e in self.entries.values() {
            if !e.replaces.is_empty() {
                incoming.insert(e.replaces.as_str());
            }
            for s in &e.skips {
                incoming.insert(s.as_str());
            }
        }
        let mut heads: Vec<&str> = self
            .order
            .iter()
            .copied()
            .filter(|n| !incoming.contains(n))
            .collect();
        heads.sort_unstable();
        heads
    }

    /// The single head, or why there is none.
    pub fn head(&self) -> Result<&'c ChannelEntry, GraphError> {
        let heads = self.heads();
        match heads.as_slice() {
            [] => Err(GraphError::NoHead),
            [h] => Ok(self.entries[h]),
            _ => Err(GraphError::MultipleHeads(
                heads.iter().map(|s| s.to_string()).collect(),
            )),
        }
    }

    /// opm's `validateReplacesChain`: one head; walking `replaces` from it
    /// (stopping at an edge to a skipped bundle or at a name outside the
    /// channel) never loops; every entry is on that chain or skipped.
    pub fn validate(&self) -> Result<&'c ChannelEntry, GraphError> {
        let head = self.head()?;
        let skipped: HashSet<&str> = self
            .entries
            .values()
            .flat_map(|e| e.skips.iter().map(|s| s.as_str()))
            .collect();
        let mut chain: Vec<&str> = vec![head.name.as_str()];
        let mut on_chain: HashSet<&str> = HashSet::from([head.name.as_str()]);
        let mut cur = Some(head);
        while let Some(c) = cur {
            let next = c.replaces.as_str();
            if skipped.contains(next) {
                break;
            }
            if on_chain.contains(next) {
                let from = chain.iter().position(|n| *n == next).unwrap_or(0);
                let mut cycle: Vec<String> = chain[from..].iter().map(|s| s.to_string()).collect();
                cycle.push(next.to_string());
                return Err(GraphError::Cycle(cycle));
            }
            on_chain.insert(next);
            chain.push(next);
            cur = self.entries.get(next).copied();
        }
        let stranded: BTreeSet<&str> = self
            .order
            .iter()
            .copied()
            .filter(|n| !on_chain.contains(n) && !skipped.contains(n))
            .collect();
        if !stranded.is_empty() {
            return Err(GraphError::Stranded(
                stranded.into_iter().map(String::from).collect(),
            ));
        }
        Ok(head)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declcfg::Str;

    fn e(name: &str, replaces: &str, skips: &[&str]) -> ChannelEntry {
        let s = |v: &str| Str {
            value: v.into(),
            span: None,
        };
        ChannelEntry {
            name: s(name),
            replaces: s(replaces),
            skips: skips.iter().map(|x| s(x)).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn opm_graph_rules() {
        let ok = [e("a", "", &[]), e("b", "a", &[]), e("c", "b", &["x"])];
        assert_eq!(ChannelGraph::new(&ok).validate().unwrap().name.value, "c");
        let two = [e("a", "", &[]), e("b", "", &[])];
        assert_eq!(
            ChannelGraph::new(&two).validate().unwrap_err().message(),
            "multiple channel heads found in graph: a, b"
        );
        let selfrep = [e("a", "a", &[])];
        assert_eq!(
            ChannelGraph::new(&selfrep)
                .validate()
                .unwrap_err()
                .message(),
            "no channel head found in graph"
        );
        let cyc = [e("h", "a", &[]), e("a", "b", &[]), e("b", "a", &[])];
        assert_eq!(
            ChannelGraph::new(&cyc).validate().unwrap_err().message(),
            "detected cycle in replaces chain of upgrade graph: a -> b -> a"
        );
        let stranded = [e("h", "", &["y"]), e("y", "s", &[]), e("s", "", &[])];
        assert_eq!(
            ChannelGraph::new(&stranded).validate().unwrap_err(),
            GraphError::Stranded(vec!["s".into()])
        );
        // The tail may replace a bundle that is not in the channel.
        let tail = [e("a", "gone", &[]), e("b", "a", &[])];
        assert!(ChannelGraph::new(&tail).validate().is_ok());
        // A replaces edge to a skipped bundle ends the walk (v1.58+).
        let skipped = [e("a", "", &[]), e("b", "a", &[]), e("c", "b", &["a", "b"])];
        assert!(ChannelGraph::new(&skipped).validate().is_ok());
    }
}
