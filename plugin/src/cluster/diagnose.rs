//! Why a CatalogSource is not READY, in one line, from its status, its
//! registry pod(s) (label `olm.catalogSource=<name>`) and the pod's last log
//! lines. Pure: the callers fetch.

use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use serde_json::Value;

/// The registry container OLM runs in a catalog pod.
pub const REGISTRY_CONTAINER: &str = "registry-server";

/// What matters about one catalog pod.
#[derive(Debug, Clone, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodInfo {
    pub name: String,
    pub phase: String,
    pub restarts: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting_reason: Option<String>,
    #[serde(skip)]
    pub waiting_message: Option<String>,
    /// Reason of the last termination (current state if terminated, else the previous one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_termination_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_exit_code: Option<i32>,
    #[serde(skip)]
    pub termination_message: Option<String>,
    /// Why the scheduler could not place it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unschedulable: Option<String>,
    /// Warning events about the pod, oldest first (`Reason: message`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The facts of a pod, from its registry container (or its first one).
pub fn pod_info(p: &Pod) -> PodInfo {
    let status = p.status.clone().unwrap_or_default();
    let cs: Option<ContainerStatus> = status.container_statuses.as_ref().and_then(|v| {
        v.iter()
            .find(|c| c.name == REGISTRY_CONTAINER)
            .or_else(|| v.first())
            .cloned()
    });
    let mut info = PodInfo {
        name: p.metadata.name.clone().unwrap_or_default(),
        phase: status.phase.clone().unwrap_or_else(|| "Unknown".into()),
        ..Default::default()
    };
    if let Some(c) = cs {
        info.restarts = c.restart_count;
        if let Some(st) = &c.state {
            if let Some(w) = &st.waiting {
                info.waiting_reason = w.reason.clone();
                info.waiting_message = w.message.clone();
            }
            if let Some(t) = &st.terminated {
                info.last_termination_reason = t.reason.clone();
                info.last_exit_code = Some(t.exit_code);
                info.termination_message = t.message.clone();
            }
        }
        if info.last_termination_reason.is_none()
            && let Some(t) = c.last_state.as_ref().and_then(|l| l.terminated.as_ref())
        {
            info.last_termination_reason = t.reason.clone();
            info.last_exit_code = Some(t.exit_code);
            info.termination_message = t.message.clone();
        }
    }
    info.unschedulable = status.conditions.as_ref().and_then(|cs| {
        cs.iter()
            .find(|c| c.type_ == "PodScheduled" && c.status == "False")
            .map(|c| {
                c.message
                    .clone()
                    .unwrap_or_else(|| c.reason.clone().unwrap_or_default())
            })
    });
    info
}

/// One line: why the catalog `name` is not serving.
pub fn explain(name: &str, cs: &Value, pods: &[PodInfo], logs: &str) -> String {
    let state = super::str_at(cs, "/status/connectionState/lastObservedState")
        .unwrap_or("no connection state yet");
    let Some(p) = pods.iter().max_by_key(|p| {
        (
            p.waiting_reason.is_some() || p.last_termination_reason.is_some(),
            p.restarts,
        )
    }) else {
        let mut m = format!(
            "catalog {name} is not READY ({state}) and has no registry pod (label olm.catalogSource={name})"
        );
        if let Some(msg) = super::str_at(cs, "/status/message").filter(|s| !s.is_empty()) {
            let reason = super::str_at(cs, "/status/reason").unwrap_or("");
            m.push_str(&format!(": {reason} {msg}"));
        } else {
            m.push_str(": is OLM running and watching this namespace?");
        }
        return m;
    };
    let restarts = if p.restarts == 1 {
        "1 restart".to_string()
    } else {
        format!("{} restarts", p.restarts)
    };
    let low = logs.to_lowercase();
    if p.last_termination_reason.as_deref() == Some("OOMKilled") {
        return format!(
            "catalog {name} is not READY ({state}): pod {} was OOMKilled ({restarts}): the registry needs more memory than it gets; \
             set grpcPodConfig.memoryTarget (apply --memory-target 1Gi) or raise the namespace's memory limits",
            p.name
        );
    }
    if low.contains("exec format error") {
        return format!(
            "catalog {name} is not READY ({state}): pod {} fails with \"exec format error\": wrong architecture, the catalog image \
             has no build for the node's platform; build it for that platform (build --platform linux/amd64,...)",
            p.name
        );
    }
    if low.contains("cache requires rebuild")
        || low.contains("cache is invalid")
        || low.contains("integrity check")
    {
        return format!(
            "catalog {name} is not READY ({state}): pod {}: the catalog's pre-built cache does not match its content (stale cache); \
             rebuild the catalog image, or serve it without --cache-dir",
            p.name
        );
    }
    if let Some(r) = p.waiting_reason.as_deref()
        && matches!(
            r,
            "ErrImagePull" | "ImagePullBackOff" | "InvalidImageName" | "ErrImageNeverPull"
        )
    {
        let image = super::str_at(cs, "/spec/image").unwrap_or("?");
        let pull_event = p
            .warnings
            .iter()
            .rev()
            .find(|w| w.starts_with("Failed:") || w.contains("pull"))
            .map(String::as_str);
        let msg = match p.waiting_message.as_deref().filter(|m| !m.is_empty()) {
            Some(m) => m,
            None => pull_event.unwrap_or(""),
        };
        let low_msg = msg.to_lowercase();
        if low_msg.contains("no matching manifest") || low_msg.contains("no match for platform") {
            return format!(
                "catalog {name} is not READY ({state}): wrong architecture: {image} has no build for the node's platform ({}); \
                 build the catalog for that platform (build --platform ...)",
                first_line(msg)
            );
        }
        return format!(
            "catalog {name} is not READY ({state}): image pull error ({r}) for {image}{}{}: check the image exists, the pull \
             secret (apply --pull-secret-from) and, behind mirror sets, the global pull secret",
            if msg.is_empty() { "" } else { ": " },
            first_line(msg)
        );
    }
    if let Some(u) = &p.unschedulable {
        return format!(
            "catalog {name} is not READY ({state}): pod {} cannot be scheduled: {}: check --node-selector / --toleration",
            p.name,
            first_line(u)
        );
    }
    if p.waiting_reason.as_deref() == Some("CrashLoopBackOff") || p.restarts > 0 {
        let last = match (&p.last_termination_reason, p.last_exit_code) {
            (Some(r), Some(c)) => format!(", last exit {r} (code {c})"),
            (None, Some(c)) => format!(", last exit code {c}"),
            _ => String::new(),
        };
        return format!(
            "catalog {name} is not READY ({state}): pod {} is in CrashLoopBackOff ({restarts}{last}); see its log below",
            p.name
        );
    }
    if p.phase == "Pending" {
        return format!(
            "catalog {name} is not READY ({state}): pod {} is still Pending{}{}",
            p.name,
            p.waiting_reason
                .as_ref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default(),
            p.warnings
                .last()
                .map(|w| format!(": {}", first_line(w)))
                .unwrap_or_default()
        );
    }
    format!(
        "catalog {name} is not READY ({state}): pod {} is {} ({restarts})",
        p.name, p.phase
    )
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// The last `n` lines of a log, indented, for the lines after the reason.
pub fn tail(logs: &str, n: usize) -> String {
    let lines: Vec<&str> = logs.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(n);
    lines[start..]
        .iter()
        .map(|l| format!("    {l}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(v: Value) -> PodInfo {
        pod_info(&serde_json::from_value(v).unwrap())
    }

    #[test]
    fn oom_killed_suggests_memory_target() {
        let p = pod(
            json!({"metadata": {"name": "cat-abc"}, "status": {"phase": "Running", "containerStatuses": [{
            "name": "registry-server", "image": "x", "imageID": "", "ready": false, "restartCount": 4,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137}}}]}}),
        );
        let cs = json!({"status": {"connectionState": {"lastObservedState": "TRANSIENT_FAILURE"}}});
        let m = explain("cat", &cs, &[p], "");
        assert!(
            m.contains("OOMKilled (4 restarts)") && m.contains("memoryTarget"),
            "{m}"
        );
        assert!(m.contains("TRANSIENT_FAILURE"));
    }

    #[test]
    fn pull_errors_arch_and_no_pod() {
        let p = pod(
            json!({"metadata": {"name": "p"}, "status": {"phase": "Pending", "containerStatuses": [{
            "name": "registry-server", "image": "x", "imageID": "", "ready": false, "restartCount": 0,
            "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image \"r/x:1\""}}}]}}),
        );
        let cs = json!({"spec": {"image": "r/x:1"}});
        let m = explain("cat", &cs, std::slice::from_ref(&p), "");
        assert!(
            m.contains("image pull error (ImagePullBackOff) for r/x:1: Back-off pulling"),
            "{m}"
        );
        let m = explain("cat", &cs, &[p], "exec /bin/opm: exec format error\n");
        assert!(m.contains("wrong architecture"), "{m}");
        let m = explain("cat", &cs, &[], "");
        assert!(m.contains("has no registry pod"), "{m}");
    }

    #[test]
    fn events_explain_pending_pods_and_platform_pull_errors() {
        let mut p = pod(json!({"metadata": {"name": "p"}, "status": {"phase": "Pending"}}));
        p.warnings =
            vec!["FailedMount: MountVolume.SetUp failed for volume \"catalog-content\"".into()];
        let m = explain("cat", &json!({}), std::slice::from_ref(&p), "");
        assert!(m.ends_with("pod p is still Pending: FailedMount: MountVolume.SetUp failed for volume \"catalog-content\""), "{m}");
        p.waiting_reason = Some("ErrImagePull".into());
        p.warnings = vec!["Failed: Failed to pull image \"r/x:1\": no matching manifest for linux/arm64 in the manifest list entries".into()];
        let m = explain("cat", &json!({"spec": {"image": "r/x:1"}}), &[p], "");
        assert!(m.contains("wrong architecture: r/x:1 has no build"), "{m}");
    }

    #[test]
    fn tail_keeps_last_lines() {
        assert_eq!(tail("a\nb\n\nc\n", 2), "    b\n    c\n");
    }
}
