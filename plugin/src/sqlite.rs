//! A sqlite `index.db` (OpenShift 4.6–4.10 catalogs, schema 13) → FBC, as
//! opm v1.26.5 renders and migrates it (`pkg/sqlite/conversion.go`).

use base64::Engine;
use fbc_core::fbc::{Bundle, Channel, ChannelEntry, Fbc, Icon, Package, Property, RelatedImage};
use fbc_core::gojson::{self, ObjWriter};
use rusqlite::{Connection, OpenFlags, types::ValueRef};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn text(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Null => String::new(),
    }
}

fn has_column(conn: &Connection, table: &str, column: &str) -> bool {
    conn.prepare(&format!("SELECT {column} FROM {table} LIMIT 0"))
        .is_ok()
}

/// Split a stream of concatenated JSON values into the text of each.
pub fn split_json_stream(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let (mut depth, mut in_str, mut esc, mut start) = (0i32, false, false, None);
    for (i, &c) in b.iter().enumerate() {
        if in_str {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
            }
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'{' | b'[' => {
                if depth == 0 {
                    start = Some(i);
                }
                depth += 1;
            }
            b'}' | b']' => {
                depth -= 1;
                if depth == 0
                    && let Some(st) = start.take()
                {
                    out.push(&s[st..=i]);
                }
            }
            _ => {}
        }
    }
    out
}

fn add(props: &mut Vec<Property>, t: &str, v: String) {
    let p = Property {
        type_: t.to_string(),
        value: gojson::compact(&v),
    };
    if !props.contains(&p) {
        props.push(p);
    }
}

fn gvk(group: &str, version: &str, kind: &str) -> String {
    ObjWriter::new()
        .str("group", group, true)
        .str("kind", kind, true)
        .str("version", version, true)
        .finish()
}

struct Row {
    package: String,
    channel: String,
    name: String,
    bundlepath: String,
    version: String,
    skiprange: String,
    replaces: String,
    skips: String,
    csv: String,
    bundle: String,
}

/// Read an index database into a catalog.
pub fn read_index(path: &Path) -> Result<Fbc, String> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    read(&conn).map_err(|e| format!("{}: {e}", path.display()))
}

fn read(conn: &Connection) -> Result<Fbc, String> {
    let err = |e: rusqlite::Error| e.to_string();
    let mut cfg = Fbc::default();

    let mut defaults: BTreeMap<String, String> = BTreeMap::new();
    let mut st = conn
        .prepare("SELECT name, default_channel FROM package")
        .map_err(err)?;
    let rows = st
        .query_map([], |r| Ok((text(r.get_ref(0)?), text(r.get_ref(1)?))))
        .map_err(err)?;
    for r in rows {
        let (n, d) = r.map_err(err)?;
        defaults.insert(n, d);
    }
    let mut heads: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut channels: BTreeMap<(String, String), Vec<ChannelEntry>> = BTreeMap::new();
    let mut st = conn
        .prepare("SELECT package_name, name, head_operatorbundle_name FROM channel")
        .map_err(err)?;
    let rows = st
        .query_map([], |r| {
            Ok((
                text(r.get_ref(0)?),
                text(r.get_ref(1)?),
                text(r.get_ref(2)?),
            ))
        })
        .map_err(err)?;
    for r in rows {
        let (p, c, h) = r.map_err(err)?;
        heads.insert((p.clone(), c.clone()), h);
        channels.entry((p, c)).or_default();
    }

    let col = |c: &str| {
        if has_column(conn, "operatorbundle", c) {
            format!("operatorbundle.{c}")
        } else {
            "''".to_string()
        }
    };
    let q = format!(
        "SELECT DISTINCT channel_entry.package_name, channel_entry.channel_name, operatorbundle.name, \
         operatorbundle.bundlepath, {}, {}, {}, {}, operatorbundle.csv, operatorbundle.bundle \
         FROM channel_entry INNER JOIN operatorbundle ON operatorbundle.name = channel_entry.operatorbundle_name \
         ORDER BY channel_entry.package_name, channel_entry.channel_name, operatorbundle.name",
        col("version"),
        col("skiprange"),
        col("replaces"),
        col("skips"),
    );
    let mut st = conn.prepare(&q).map_err(err)?;
    let rows = st
        .query_map([], |r| {
            Ok(Row {
                package: text(r.get_ref(0)?),
                channel: text(r.get_ref(1)?),
                name: text(r.get_ref(2)?),
                bundlepath: text(r.get_ref(3)?),
                version: text(r.get_ref(4)?),
                skiprange: text(r.get_ref(5)?),
                replaces: text(r.get_ref(6)?),
                skips: text(r.get_ref(7)?),
                csv: text(r.get_ref(8)?),
                bundle: text(r.get_ref(9)?),
            })
        })
        .map_err(err)?;
    let mut bundles: BTreeMap<(String, String), Row> = BTreeMap::new();
    for r in rows {
        let r = r.map_err(err)?;
        let entry = ChannelEntry {
            name: r.name.clone(),
            replaces: r.replaces.clone(),
            skips: r
                .skips
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            skip_range: r.skiprange.clone(),
        };
        let list = channels
            .entry((r.package.clone(), r.channel.clone()))
            .or_default();
        if !list.iter().any(|e| e.name == entry.name) {
            list.push(entry);
        }
        bundles
            .entry((r.package.clone(), r.name.clone()))
            .or_insert(r);
    }

    let table_rows = |table: &str, name: &str| -> Result<Vec<(String, String)>, String> {
        if !has_column(conn, table, "operatorbundle_name") {
            return Ok(Vec::new());
        }
        let mut st = conn
            .prepare(&format!(
                "SELECT type, value FROM {table} WHERE operatorbundle_name = ?1"
            ))
            .map_err(err)?;
        let rows = st
            .query_map([name], |r| Ok((text(r.get_ref(0)?), text(r.get_ref(1)?))))
            .map_err(err)?;
        rows.map(|r| r.map_err(err)).collect()
    };
    let api_rows = |table: &str, name: &str| -> Result<Vec<String>, String> {
        if !has_column(conn, table, "operatorbundle_name") {
            return Ok(Vec::new());
        }
        let mut st = conn
            .prepare(&format!(
                "SELECT group_name, version, kind FROM {table} WHERE operatorbundle_name = ?1"
            ))
            .map_err(err)?;
        let rows = st
            .query_map([name], |r| {
                Ok(gvk(
                    &text(r.get_ref(0)?),
                    &text(r.get_ref(1)?),
                    &text(r.get_ref(2)?),
                ))
            })
            .map_err(err)?;
        rows.map(|r| r.map_err(err)).collect()
    };
    let related_rows = |name: &str| -> Result<Vec<String>, String> {
        if !has_column(conn, "related_image", "image") {
            return Ok(Vec::new());
        }
        let mut st = conn
            .prepare("SELECT image FROM related_image WHERE operatorbundle_name = ?1")
            .map_err(err)?;
        let rows = st
            .query_map([name], |r| Ok(text(r.get_ref(0)?)))
            .map_err(err)?;
        rows.map(|r| r.map_err(err)).collect()
    };

    for ((pkg, name), r) in &bundles {
        let mut props: Vec<Property> = Vec::new();
        for (t, v) in table_rows("properties", name)? {
            add(&mut props, &t, v);
        }
        for (t, v) in table_rows("dependencies", name)? {
            let val: Value = serde_json::from_str(&v).unwrap_or(Value::Null);
            let s = |k: &str| val.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            match t.as_str() {
                "olm.package" => add(
                    &mut props,
                    "olm.package.required",
                    ObjWriter::new()
                        .str("packageName", &s("packageName"), false)
                        .str("versionRange", &s("version"), false)
                        .finish(),
                ),
                "olm.gvk" => add(
                    &mut props,
                    "olm.gvk.required",
                    gvk(&s("group"), &s("version"), &s("kind")),
                ),
                _ => add(&mut props, &t, v),
            }
        }
        for g in api_rows("api_provider", name)? {
            add(&mut props, "olm.gvk", g);
        }
        for g in api_rows("api_requirer", name)? {
            add(&mut props, "olm.gvk.required", g);
        }
        if !props.iter().any(|p| p.type_ == "olm.package") {
            add(
                &mut props,
                "olm.package",
                ObjWriter::new()
                    .str("packageName", pkg, true)
                    .str("version", &r.version, true)
                    .finish(),
            );
        }
        props.sort_by(|a, b| {
            a.type_
                .cmp(&b.type_)
                .then_with(|| a.value.as_bytes().cmp(b.value.as_bytes()))
        });
        for obj in split_json_stream(&r.bundle) {
            let data = base64::engine::general_purpose::STANDARD.encode(obj.as_bytes());
            props.push(Property {
                type_: "olm.bundle.object".into(),
                value: ObjWriter::new().str("data", &data, true).finish(),
            });
        }
        let csv: Value = serde_json::from_str(&r.csv).unwrap_or(Value::Null);
        let mut related: Vec<RelatedImage> = csv
            .get("spec")
            .and_then(|s| s.get("relatedImages"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|x| RelatedImage {
                        name: x.get("name").and_then(Value::as_str).unwrap_or("").into(),
                        image: x.get("image").and_then(Value::as_str).unwrap_or("").into(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut seen: BTreeSet<String> = related.iter().map(|x| x.image.clone()).collect();
        let mut extra: Vec<String> = related_rows(name)?;
        extra.push(r.bundlepath.clone());
        extra.extend(fbc_core::render::operator_images(&csv));
        for img in extra {
            if !img.is_empty() && seen.insert(img.clone()) {
                related.push(RelatedImage {
                    name: String::new(),
                    image: img,
                });
            }
        }
        related.sort_by(|a, b| a.image.cmp(&b.image));
        cfg.bundles.push(Bundle {
            name: name.clone(),
            package: pkg.clone(),
            image: r.bundlepath.clone(),
            properties: props,
            related_images: related,
        });
    }

    for (pkg, default) in &defaults {
        let head = heads.get(&(pkg.clone(), default.clone()));
        let icon = head
            .and_then(|h| bundles.get(&(pkg.clone(), h.clone())))
            .and_then(|r| serde_json::from_str::<Value>(&r.csv).ok())
            .and_then(|csv| {
                let i = csv.get("spec")?.get("icon")?.as_array()?.first()?.clone();
                let data = i.get("base64data")?.as_str()?.to_string();
                let std = base64::engine::general_purpose::STANDARD;
                let bytes = std
                    .decode(&data)
                    .or_else(|_| std.decode(data.replace([' ', '\n', '\r', '\t'], "")))
                    .ok()?;
                Some(Icon {
                    base64data: std.encode(bytes),
                    mediatype: i
                        .get("mediatype")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                })
            });
        cfg.packages.push(Package {
            name: pkg.clone(),
            default_channel: default.clone(),
            icon,
            ..Package::default()
        });
    }
    for ((pkg, ch), entries) in channels {
        if entries.is_empty() {
            continue;
        }
        cfg.channels.push(Channel {
            name: ch,
            package: pkg,
            entries,
            properties: Vec::new(),
        });
    }
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::split_json_stream;

    #[test]
    fn splits_streams() {
        assert_eq!(
            split_json_stream(
                r#"{"a":"}{"}{"b":[1]}
[2]"#
            ),
            vec![r#"{"a":"}{"}"#, r#"{"b":[1]}"#, "[2]"]
        );
    }
}
