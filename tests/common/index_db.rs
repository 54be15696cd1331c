//! Generated sqlite index databases (`index.db`) as opm's registry wrote
//! them, for the migrate/render tests and the sqlite index image test.

use std::path::Path;

const SCHEMA: &str = r#"
CREATE TABLE schema_migrations (version bigint NOT NULL, timestamp DATETIME DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE operatorbundle (name TEXT PRIMARY KEY, csv TEXT, bundle TEXT, bundlepath TEXT, skiprange TEXT, version TEXT, replaces TEXT, skips TEXT, substitutesfor TEXT);
CREATE TABLE package (name TEXT PRIMARY KEY, default_channel TEXT);
CREATE TABLE channel (name TEXT, package_name TEXT, head_operatorbundle_name TEXT, PRIMARY KEY(name, package_name));
CREATE TABLE channel_entry (entry_id INTEGER PRIMARY KEY, channel_name TEXT, package_name TEXT, operatorbundle_name TEXT, replaces INTEGER, depth INTEGER);
CREATE TABLE api (group_name TEXT, version TEXT, kind TEXT, plural TEXT NOT NULL, PRIMARY KEY(group_name, version, kind));
CREATE TABLE api_provider (group_name TEXT, version TEXT, kind TEXT, operatorbundle_name TEXT, operatorbundle_version TEXT, operatorbundle_path TEXT);
CREATE TABLE api_requirer (group_name TEXT, version TEXT, kind TEXT, operatorbundle_name TEXT, operatorbundle_version TEXT, operatorbundle_path TEXT);
CREATE TABLE related_image (image TEXT, operatorbundle_name TEXT);
CREATE TABLE properties (type TEXT, value TEXT, operatorbundle_name TEXT, operatorbundle_version TEXT, operatorbundle_path TEXT);
CREATE TABLE dependencies (type TEXT, value TEXT, operatorbundle_name TEXT, operatorbundle_version TEXT, operatorbundle_path TEXT);
CREATE TABLE deprecated (operatorbundle_name TEXT PRIMARY KEY);
INSERT INTO schema_migrations (version) VALUES (13);
"#;

struct B {
    name: &'static str,
    version: &'static str,
    replaces: &'static str,
    skips: &'static str,
    skiprange: &'static str,
}

/// An OpenShift 4.10-shaped index (schema 13): `etcd` with channels alpha
/// (default: 0.9.0 → 0.9.2 (skips 0.9.1) → 0.9.4 (skipRange)) and stable
/// (0.9.2 → 0.9.4), 0.9.0 deprecated, 0.9.4 depending on package `other` and
/// a required API; `other` with one bundle. `modern = false` makes the 4.6
/// shape: no properties, dependencies or deprecated tables, no
/// substitutesfor column (olm.package and olm.gvk come from the bundle
/// version and api_provider).
pub fn make_db(path: &Path, modern: bool) {
    let c = rusqlite::Connection::open(path).unwrap();
    let mut schema = SCHEMA.to_string();
    if !modern {
        schema = schema
            .lines()
            .filter(|l| {
                !l.contains("TABLE properties")
                    && !l.contains("TABLE dependencies")
                    && !l.contains("TABLE deprecated")
            })
            .collect::<Vec<_>>()
            .join("\n")
            .replace(", substitutesfor TEXT", "");
    }
    c.execute_batch(&schema).unwrap();
    let bundles = [
        B {
            name: "etcd.v0.9.0",
            version: "0.9.0",
            replaces: "",
            skips: "",
            skiprange: "",
        },
        B {
            name: "etcd.v0.9.2",
            version: "0.9.2",
            replaces: "etcd.v0.9.0",
            skips: "etcd.v0.9.1",
            skiprange: "",
        },
        B {
            name: "etcd.v0.9.4",
            version: "0.9.4",
            replaces: "etcd.v0.9.2",
            skips: "",
            skiprange: ">=0.9.0 <0.9.4",
        },
    ];
    for b in &bundles {
        let csv = format!(
            r#"{{"apiVersion":"operators.coreos.com/v1alpha1","kind":"ClusterServiceVersion","metadata":{{"name":"{}"}},"spec":{{"version":"{}","icon":[{{"base64data":"PHN2Zz48L3N2Zz4=","mediatype":"image/svg+xml"}}],"relatedImages":[{{"name":"etcd","image":"quay.io/coreos/etcd@sha256:{:0>64}"}}],"install":{{"strategy":"deployment","spec":{{"deployments":[{{"name":"etcd-operator","spec":{{"template":{{"spec":{{"containers":[{{"image":"quay.io/coreos/etcd-operator:v{}"}}]}}}}}}}}]}}}}}}}}"#,
            b.name,
            b.version,
            b.version.replace('.', ""),
            b.version
        );
        let crd = r#"{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"etcdclusters.etcd.database.coreos.com"},"spec":{"group":"etcd.database.coreos.com"}}"#;
        let path = format!("quay.io/coreos/etcd-bundle:v{}", b.version);
        c.execute(
            "INSERT INTO operatorbundle (name, csv, bundle, bundlepath, skiprange, version, replaces, skips) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            rusqlite::params![b.name, csv, format!("{csv}{crd}"), path, b.skiprange, b.version, b.replaces, b.skips],
        )
        .unwrap();
        c.execute(
            "INSERT INTO api_provider VALUES ('etcd.database.coreos.com', 'v1beta2', 'EtcdCluster', ?1, ?2, ?3)",
            rusqlite::params![b.name, b.version, path],
        )
        .unwrap();
        c.execute(
            "INSERT INTO related_image VALUES (?1, ?2)",
            rusqlite::params![path, b.name],
        )
        .unwrap();
        if modern {
            c.execute(
                "INSERT INTO properties VALUES ('olm.package', ?1, ?2, ?3, ?4)",
                rusqlite::params![
                    format!(r#"{{"packageName":"etcd","version":"{}"}}"#, b.version),
                    b.name,
                    b.version,
                    path
                ],
            )
            .unwrap();
            c.execute(
                "INSERT INTO properties VALUES ('olm.gvk', '{\"group\":\"etcd.database.coreos.com\",\"kind\":\"EtcdCluster\",\"version\":\"v1beta2\"}', ?1, ?2, ?3)",
                rusqlite::params![b.name, b.version, path],
            )
            .unwrap();
        }
    }
    if modern {
        c.execute_batch(
            r#"INSERT INTO deprecated VALUES ('etcd.v0.9.0');
INSERT INTO properties VALUES ('olm.deprecated', '{}', 'etcd.v0.9.0', '0.9.0', 'quay.io/coreos/etcd-bundle:v0.9.0');
INSERT INTO dependencies VALUES ('olm.package', '{"packageName":"other","version":"\u003e=1.0.0"}', 'etcd.v0.9.4', '0.9.4', 'quay.io/coreos/etcd-bundle:v0.9.4');
INSERT INTO dependencies VALUES ('olm.gvk', '{"group":"other.io","kind":"Thing","version":"v1"}', 'etcd.v0.9.4', '0.9.4', 'quay.io/coreos/etcd-bundle:v0.9.4');"#,
        )
        .unwrap();
    }
    c.execute_batch(
        r#"INSERT INTO package VALUES ('etcd', 'alpha');
INSERT INTO channel VALUES ('alpha', 'etcd', 'etcd.v0.9.4');
INSERT INTO channel VALUES ('stable', 'etcd', 'etcd.v0.9.4');
INSERT INTO channel_entry VALUES (1, 'alpha', 'etcd', 'etcd.v0.9.4', 2, 0);
INSERT INTO channel_entry VALUES (2, 'alpha', 'etcd', 'etcd.v0.9.2', 3, 1);
INSERT INTO channel_entry VALUES (4, 'alpha', 'etcd', 'etcd.v0.9.2', 5, 1);
INSERT INTO channel_entry VALUES (5, 'alpha', 'etcd', 'etcd.v0.9.1', NULL, 2);
INSERT INTO channel_entry VALUES (3, 'alpha', 'etcd', 'etcd.v0.9.0', NULL, 2);
INSERT INTO channel_entry VALUES (6, 'stable', 'etcd', 'etcd.v0.9.4', 7, 0);
INSERT INTO channel_entry VALUES (7, 'stable', 'etcd', 'etcd.v0.9.2', NULL, 1);
INSERT INTO package VALUES ('other', 'beta');
INSERT INTO channel VALUES ('beta', 'other', 'other.v1.0.0');
INSERT INTO channel_entry VALUES (8, 'beta', 'other', 'other.v1.0.0', NULL, 0);
INSERT INTO operatorbundle (name, csv, bundle, bundlepath, skiprange, version, replaces, skips) VALUES ('other.v1.0.0', '{"kind":"ClusterServiceVersion","metadata":{"name":"other.v1.0.0"},"spec":{"version":"1.0.0"}}', '{"kind":"ClusterServiceVersion","metadata":{"name":"other.v1.0.0"},"spec":{"version":"1.0.0"}}', 'quay.io/other/bundle:v1', '', '1.0.0', '', '');"#,
    )
    .unwrap();
}
