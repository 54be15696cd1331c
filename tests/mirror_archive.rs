//! Archives for mirror to disk / disk to mirror (`oc_catalog::mirror::archive`):
//! pack an OCI layout into `mirror_NNNNNN.tar` chunks and apply them to another
//! layout. skopeo is the independent reader of the result (and pushes it into a
//! real docker-registry on loopback); hostile tars are built by hand.

#[path = "registry/harness.rs"]
mod harness;

use harness::*;
use oc_catalog::mirror::archive::{self, PackOptions, Since, UnpackOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const MIB: usize = 1 << 20;

/// Two images sharing a 1 MiB layer, each with a 1 MiB layer of its own.
fn two_images(layout: &Path) -> (String, String) {
    let shared = layer_tar("shared.bin", &noise(1, MIB));
    let a = synth_image(
        layout,
        "a",
        &[shared.clone(), layer_tar("a.bin", &noise(2, MIB))],
    );
    let b = synth_image(layout, "b", &[shared, layer_tar("b.bin", &noise(3, MIB))]);
    (a, b)
}

fn working_dir(dir: &Path) {
    let wd = dir.join("working-dir");
    std::fs::create_dir_all(wd.join("cluster-resources")).unwrap();
    std::fs::write(wd.join("mapping.txt"), "src/a@sha256:1=dst/a\n").unwrap();
    std::fs::write(
        wd.join("cluster-resources/idms.yaml"),
        "kind: ImageDigestMirrorSet\n",
    )
    .unwrap();
}

/// digest → bytes of every blob file of a layout.
fn blobs(layout: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let Ok(rd) = std::fs::read_dir(layout.join("blobs/sha256")) else {
        return out;
    };
    for e in rd {
        let e = e.unwrap();
        out.insert(
            e.file_name().to_string_lossy().into_owned(),
            std::fs::read(e.path()).unwrap(),
        );
    }
    out
}

fn tars(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| archive::chunk_number(&p.file_name().unwrap().to_string_lossy()).is_some())
        .collect();
    v.sort();
    v
}

/// Copy the tars of `from` (only them: what crosses the air gap) into `to`.
fn carry(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for t in tars(from) {
        std::fs::copy(&t, to.join(t.file_name().unwrap())).unwrap();
    }
}

fn manifest_refs(layout: &Path) -> BTreeMap<String, String> {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    v["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["annotations"]["org.opencontainers.image.ref.name"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                m["digest"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn opts(dir: &Path, chunk: u64) -> PackOptions {
    let mut o = PackOptions::new(dir);
    o.chunk_bytes = chunk;
    o
}

fn no_partials(dir: &Path) {
    for e in walk(dir) {
        let n = e.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            !n.contains("partial") && !n.starts_with(".oc-catalog-unpack"),
            "left behind: {}",
            e.display()
        );
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            }
            out.push(p);
        }
    }
    out
}

#[test]
fn round_trip_is_digest_identical_and_skopeo_reads_and_pushes_it() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("connected");
    let (a, b) = two_images(&src.join("oci"));
    working_dir(&src);
    // 1.5 MiB chunks: the three 1 MiB layers cannot share one.
    let chunk = 3 * MIB as u64 / 2;
    let rep = archive::pack(&opts(&src, chunk)).unwrap();
    assert!(rep.chunks.len() >= 3, "{rep}");
    assert_eq!(rep.images, 2);
    assert_eq!(
        rep.shipped_blobs, 7,
        "3 layers, 2 configs, 2 manifests: {rep}"
    );
    assert_eq!(rep.skipped_blobs, 0);
    assert!(rep.warnings.is_empty(), "{:?}", rep.warnings);
    for c in &rep.chunks {
        let size = std::fs::metadata(src.join(&c.file)).unwrap().len();
        assert_eq!(size, c.size);
        assert!(size <= chunk, "{} is {size} bytes", c.file);
    }
    assert!(rep.to_string().contains("7 blobs"), "{rep}");

    // Across the gap: only the tars.
    let dst = t.path().join("disconnected");
    carry(&src, &dst);
    let urep = archive::unpack(&UnpackOptions::new(&dst)).unwrap();
    assert_eq!(urep.blobs_added, 7, "{urep}");
    assert_eq!(urep.images, 2);
    assert_eq!(blobs(&src.join("oci")), blobs(&dst.join("oci")));
    assert_eq!(
        manifest_refs(&dst.join("oci")),
        manifest_refs(&src.join("oci"))
    );
    for f in ["mapping.txt", "cluster-resources/idms.yaml"] {
        assert_eq!(
            std::fs::read(src.join("working-dir").join(f)).unwrap(),
            std::fs::read(dst.join("working-dir").join(f)).unwrap()
        );
    }
    no_partials(&dst);

    // Each chunk is a plain tar: extracting them all gives the layout too.
    let plain = t.path().join("plain");
    std::fs::create_dir_all(&plain).unwrap();
    for tar in tars(&dst) {
        let st = std::process::Command::new("tar")
            .arg("-xf")
            .arg(&tar)
            .arg("-C")
            .arg(&plain)
            .status()
            .unwrap();
        assert!(st.success());
    }
    assert_eq!(blobs(&src.join("oci")), blobs(&plain.join("oci")));

    if !tools_present() {
        return;
    }
    for (tag, digest) in [("a", &a), ("b", &b)] {
        let out = skopeo(&[
            "inspect",
            &format!("oci:{}:{tag}", dst.join("oci").display()),
        ]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["Digest"], digest.as_str());
        assert_eq!(v["Labels"]["test.image"], tag);
    }
    let e = env(false);
    for (tag, digest) in [("a", &a), ("b", &b)] {
        let dest = format!("docker://{}/mirror/{tag}:v1", e.plain.host);
        skopeo(&[
            "copy",
            "--preserve-digests",
            "--dest-tls-verify=false",
            &format!("oci:{}:{tag}", dst.join("oci").display()),
            &dest,
        ]);
        let raw = skopeo(&["inspect", "--raw", "--tls-verify=false", &dest]);
        assert_eq!(&sha256_digest(raw.as_bytes()), digest);
    }
}

#[test]
fn second_pack_ships_only_new_blobs_and_needs_the_first() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("connected");
    let layout = src.join("oci");
    let shared = layer_tar("shared.bin", &noise(1, MIB));
    synth_image(
        &layout,
        "a",
        &[shared.clone(), layer_tar("a.bin", &noise(2, MIB))],
    );
    working_dir(&src);
    let first = archive::pack(&opts(&src, 64 * MIB as u64)).unwrap();
    assert_eq!(first.shipped_blobs, 4);
    assert_eq!(first.chunks.len(), 1);
    let run1 = first.run.clone();
    let carried1 = t.path().join("carry1");
    carry(&src, &carried1);

    // One new image sharing a layer: only its own blobs travel.
    let before = blobs(&layout);
    let b_layer = layer_tar("b.bin", &noise(3, MIB));
    synth_image(&layout, "b", &[shared, b_layer.clone()]);
    let new_bytes: u64 = blobs(&layout)
        .iter()
        .filter(|(d, _)| !before.contains_key(*d))
        .map(|(_, v)| v.len() as u64)
        .sum();
    let second = archive::pack(&opts(&src, 64 * MIB as u64)).unwrap();
    assert_eq!(second.shipped_blobs, 3, "{second}");
    assert_eq!(second.shipped_bytes, new_bytes);
    assert!(second.shipped_bytes > b_layer.len() as u64);
    // Everything of a (shipped by run 1) is skipped, the shared layer included.
    assert_eq!(second.skipped_blobs, 4, "{second}");
    assert_eq!(
        second.skipped_bytes,
        before.values().map(|v| v.len() as u64).sum::<u64>()
    );
    // The tar holds the new blobs plus a little metadata, not the 1 MiB shared layer again.
    let tar_bytes = second.tar_bytes();
    assert!(
        tar_bytes >= new_bytes && tar_bytes < new_bytes + 64 * 1024,
        "{tar_bytes} vs {new_bytes}"
    );
    assert!(second.to_string().contains("skipped 4 blobs"), "{second}");
    assert_eq!(second.replaced.as_deref(), Some(run1.as_str()));
    assert_eq!(second.requires.len(), 1);
    assert_eq!(second.requires[0].run, run1);
    // The previous run's tars are gone, the new ones say which run they are.
    for t in tars(&src) {
        assert_eq!(archive::read_manifest(&t).unwrap().run, second.run);
    }
    let carried2 = t.path().join("carry2");
    carry(&src, &carried2);

    // The incremental alone: refused, naming the run whose archive is missing.
    let lone = t.path().join("lone");
    carry(&carried2, &lone);
    let err = archive::unpack(&UnpackOptions::new(&lone)).unwrap_err();
    assert!(err.contains(&run1), "{err}");
    assert!(err.contains("--since"), "{err}");
    assert!(err.contains("lacks 4 blobs"), "{err}");
    assert!(!lone.join("oci/index.json").exists());

    // In order, into one disconnected directory (each run's tars replace the last's).
    let dst = t.path().join("disconnected");
    carry(&carried1, &dst);
    let u1 = archive::unpack(&UnpackOptions::new(&dst)).unwrap();
    assert_eq!(u1.blobs_added, 4);
    for old in tars(&dst) {
        std::fs::remove_file(old).unwrap();
    }
    carry(&carried2, &dst);
    let u2 = archive::unpack(&UnpackOptions::new(&dst)).unwrap();
    assert_eq!(u2.blobs_added, 3, "{u2}");
    assert_eq!(u2.bytes_added, new_bytes);
    assert_eq!(u2.images, 2);
    assert_eq!(blobs(&layout), blobs(&dst.join("oci")));
    assert_eq!(manifest_refs(&layout), manifest_refs(&dst.join("oci")));
    // Applying the same run again adds nothing.
    let again = archive::unpack(&UnpackOptions::new(&dst)).unwrap();
    assert_eq!((again.blobs_added, again.blobs_present), (0, 3));

    // A lost archive: ship again from run 1 on, or everything.
    let mut o = opts(&src, 64 * MIB as u64);
    o.since = Since::Run(run1.clone());
    let re = archive::pack(&o).unwrap();
    assert_eq!((re.shipped_blobs, re.skipped_blobs), (7, 0), "{re}");
    o.since = Since::Full;
    let full = archive::pack(&o).unwrap();
    assert_eq!(full.shipped_blobs, 7);
    let lone = t.path().join("lone-full");
    carry(&src, &lone);
    archive::unpack(&UnpackOptions::new(&lone)).unwrap();
    assert_eq!(blobs(&layout), blobs(&lone.join("oci")));
    // And with history, nothing new: one small chunk of metadata.
    let none = archive::pack(&opts(&src, 64 * MIB as u64)).unwrap();
    assert_eq!(none.shipped_blobs, 0);
    assert!(none.tar_bytes() < 64 * 1024);
    let err = archive::pack(&{
        let mut o = opts(&src, MIB as u64);
        o.since = Since::parse("no-such-run");
        o
    })
    .unwrap_err();
    assert!(err.contains(&run1), "lists the known runs: {err}");
}

/// A raw tar entry: name bytes, type byte, data, link target.
type RawEntry<'a> = (Vec<u8>, u8, Vec<u8>, &'a str);

/// A tar with a valid chunk manifest (listing `files`) and then `entries`,
/// headers written byte by byte so nothing sanitises the names.
fn hostile_tar(path: &Path, files: &[(&str, &[u8])], entries: &[RawEntry<'_>]) {
    let manifest = serde_json::json!({
        "format": archive::FORMAT, "run": "evil-run", "created": "2026-01-01T00:00:00Z",
        "chunk": 1, "chunks": 1, "blobs": [],
        "files": files.iter().map(|(p, d)| serde_json::json!({
            "path": p, "size": d.len(), "sha256": &sha256_digest(d)[7..]
        })).collect::<Vec<_>>(),
        "runBlobs": 0, "runBytes": 0
    });
    let mut b = tar::Builder::new(std::fs::File::create(path).unwrap());
    let m = serde_json::to_vec(&manifest).unwrap();
    let mut h = tar::Header::new_gnu();
    h.set_size(m.len() as u64);
    h.set_mode(0o644);
    b.append_data(&mut h, archive::MANIFEST_NAME, &m[..])
        .unwrap();
    for (name, kind, data, link) in entries {
        let mut h = tar::Header::new_gnu();
        {
            let g = h.as_gnu_mut().unwrap();
            g.name.iter_mut().for_each(|x| *x = 0);
            g.name[..name.len()].copy_from_slice(name);
            g.linkname[..link.len()].copy_from_slice(link.as_bytes());
        }
        h.set_entry_type(tar::EntryType::new(*kind));
        h.set_mode(0o644);
        h.set_size(data.len() as u64);
        h.set_cksum();
        b.append(&h, &data[..]).unwrap();
    }
    b.finish().unwrap();
}

#[test]
fn hostile_entries_are_rejected_and_nothing_escapes() {
    let t = tempfile::tempdir().unwrap();
    let abs_target = t.path().join("abs-evil");
    let abs = abs_target.to_string_lossy().into_owned();
    let long_dotdot = format!("{}evil", "../".repeat(40));
    let cases: Vec<(&str, Vec<RawEntry<'_>>, &str)> = vec![
        (
            "dotdot",
            vec![(b"../evil".to_vec(), b'0', b"x".to_vec(), "")],
            "'..'",
        ),
        (
            "nested-dotdot",
            vec![(b"working-dir/../../evil".to_vec(), b'0', b"x".to_vec(), "")],
            "'..'",
        ),
        (
            "blob-dotdot",
            vec![(
                b"oci/blobs/sha256/../../../evil".to_vec(),
                b'0',
                b"x".to_vec(),
                "",
            )],
            "'..'",
        ),
        (
            "absolute",
            vec![(abs.clone().into_bytes(), b'0', b"x".to_vec(), "")],
            "absolute",
        ),
        (
            "symlink",
            vec![
                (b"working-dir/link".to_vec(), b'2', vec![], "../../"),
                (b"working-dir/link/evil".to_vec(), b'0', b"x".to_vec(), ""),
            ],
            "symbolic link",
        ),
        (
            "hardlink",
            vec![(b"working-dir/hl".to_vec(), b'1', vec![], "/etc/passwd")],
            "hard link",
        ),
        (
            "chardev",
            vec![(b"working-dir/dev".to_vec(), b'3', vec![], "")],
            "device",
        ),
        (
            "fifo",
            vec![(b"working-dir/fifo".to_vec(), b'6', vec![], "")],
            "pipe",
        ),
        (
            "gnu-longname",
            vec![
                (
                    b"././@LongLink".to_vec(),
                    b'L',
                    format!("{long_dotdot}\0").into_bytes(),
                    "",
                ),
                (b"working-dir/innocent".to_vec(), b'0', b"x".to_vec(), ""),
            ],
            "'..'",
        ),
        (
            "stray",
            vec![(b"evil.sh".to_vec(), b'0', b"x".to_vec(), "")],
            "not part of",
        ),
    ];
    for (name, entries, want) in cases {
        let root = t.path().join(name);
        let arch = root.join("in/archives");
        std::fs::create_dir_all(&arch).unwrap();
        hostile_tar(&arch.join("mirror_000001.tar"), &[], &entries);
        let err = archive::unpack(&UnpackOptions::new(&arch)).unwrap_err();
        assert!(err.contains(want), "{name}: {err}");
        assert!(err.contains("mirror_000001.tar"), "{name}: {err}");
        assert!(!abs_target.exists(), "{name}");
        for p in walk(&root) {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            assert!(
                !n.contains("evil") || n == "mirror_000001.tar",
                "{name}: {}",
                p.display()
            );
            assert!(
                n != "index.json" && n != "innocent",
                "{name}: {}",
                p.display()
            );
        }
        assert!(!t.path().join("evil").exists());
        no_partials(&root);
    }

    // A PAX header that renames a harmless entry to ../evil.
    let root = t.path().join("pax");
    let arch = root.join("archives");
    std::fs::create_dir_all(&arch).unwrap();
    let pax = b"19 path=../../evil\n".to_vec();
    hostile_tar(
        &arch.join("mirror_000001.tar"),
        &[],
        &[
            (b"PaxHeaders/x".to_vec(), b'x', pax, ""),
            (b"working-dir/ok".to_vec(), b'0', b"x".to_vec(), ""),
        ],
    );
    let err = archive::unpack(&UnpackOptions::new(&arch)).unwrap_err();
    assert!(err.contains("'..'"), "{err}");
    assert!(!t.path().join("evil").exists() && !root.join("evil").exists());

    // Not an archive of ours at all.
    let arch = t.path().join("foreign");
    std::fs::create_dir_all(&arch).unwrap();
    let mut b = tar::Builder::new(std::fs::File::create(arch.join("mirror_000001.tar")).unwrap());
    let mut h = tar::Header::new_gnu();
    h.set_size(1);
    b.append_data(&mut h, "hello", &b"x"[..]).unwrap();
    b.finish().unwrap();
    let err = archive::unpack(&UnpackOptions::new(&arch)).unwrap_err();
    assert!(err.contains("not an oc-catalog archive"), "{err}");
}

/// Where the data of `digest`'s entry starts in a chunk.
fn blob_offset(tar_path: &Path, digest: &str) -> Option<(u64, u64)> {
    let mut ar = tar::Archive::new(std::fs::File::open(tar_path).unwrap());
    for e in ar.entries().unwrap() {
        let e = e.unwrap();
        if e.path().unwrap().to_string_lossy().ends_with(&digest[7..]) {
            return Some((e.raw_file_position(), e.size()));
        }
    }
    None
}

fn big_layer_digest(layout: &Path) -> String {
    let (list, _) = archive::layout_blobs(layout).unwrap();
    list.into_iter().max_by_key(|(_, s)| *s).unwrap().0
}

#[test]
fn a_flipped_byte_is_rejected_naming_chunk_and_digest() {
    use std::io::{Read, Seek, SeekFrom, Write};
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("connected");
    two_images(&src.join("oci"));
    archive::pack(&opts(&src, 3 * MIB as u64 / 2)).unwrap();
    let victim = big_layer_digest(&src.join("oci"));
    let dst = t.path().join("disconnected");
    carry(&src, &dst);
    let (chunk, (off, size)) = tars(&dst)
        .into_iter()
        .find_map(|p| blob_offset(&p, &victim).map(|o| (p, o)))
        .unwrap();
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&chunk)
        .unwrap();
    f.seek(SeekFrom::Start(off + size / 2)).unwrap();
    let mut byte = [0u8];
    f.read_exact(&mut byte).unwrap();
    f.seek(SeekFrom::Start(off + size / 2)).unwrap();
    f.write_all(&[byte[0] ^ 0x01]).unwrap();
    drop(f);

    let err = archive::unpack(&UnpackOptions::new(&dst)).unwrap_err();
    let cname = chunk.file_name().unwrap().to_string_lossy().into_owned();
    assert!(err.contains(&cname), "{err}");
    assert!(err.contains(&victim), "{err}");
    assert!(err.contains("corrupted"), "{err}");
    assert!(!dst.join("oci/index.json").exists());
    assert!(!dst.join("oci/blobs/sha256").join(&victim[7..]).exists());
    assert!(!dst.join("working-dir").exists());
    no_partials(&dst);
}

#[test]
fn a_truncated_chunk_is_rejected() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("connected");
    two_images(&src.join("oci"));
    archive::pack(&opts(&src, 64 * MIB as u64)).unwrap();
    let dst = t.path().join("disconnected");
    carry(&src, &dst);
    let chunk = &tars(&dst)[0];
    let len = std::fs::metadata(chunk).unwrap().len();
    // Cut in the middle of a layer, and at a block boundary after the first blob.
    for cut in [len / 2, len / 2 / 512 * 512] {
        let f = std::fs::OpenOptions::new().write(true).open(chunk).unwrap();
        f.set_len(cut).unwrap();
        drop(f);
        let err = archive::unpack(&UnpackOptions::new(&dst)).unwrap_err();
        assert!(err.contains("mirror_000001.tar"), "{err}");
        assert!(err.contains("truncated"), "{err}");
        assert!(!dst.join("oci/index.json").exists());
        no_partials(&dst);
    }
}

#[test]
fn a_missing_chunk_is_named_and_chunks_of_two_packs_are_told_apart() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("connected");
    two_images(&src.join("oci"));
    let rep = archive::pack(&opts(&src, 3 * MIB as u64 / 2)).unwrap();
    let n = rep.chunks.len();
    assert!(n >= 3);
    let dst = t.path().join("disconnected");
    carry(&src, &dst);
    // Any order on disk is fine; a gap is not.
    std::fs::remove_file(dst.join("mirror_000002.tar")).unwrap();
    let err = archive::unpack(&UnpackOptions::new(&dst)).unwrap_err();
    assert!(
        err.contains(&format!("mirror_000002.tar (chunk 2 of {n})")),
        "{err}"
    );
    assert!(err.contains(&rep.run), "{err}");
    assert!(!dst.join("oci").exists());

    // Chunk 2 from another pack of the same set.
    let mut o = opts(&src, 3 * MIB as u64 / 2);
    o.since = Since::Full;
    let other = archive::pack(&o).unwrap();
    std::fs::copy(src.join("mirror_000002.tar"), dst.join("mirror_000002.tar")).unwrap();
    let err = archive::unpack(&UnpackOptions::new(&dst)).unwrap_err();
    assert!(
        err.contains(&format!("belongs to run {}", other.run)),
        "{err}"
    );
    assert!(!dst.join("oci").exists());
}

#[test]
fn a_blob_larger_than_a_chunk_goes_alone_with_a_warning() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("connected");
    two_images(&src.join("oci"));
    let big = big_layer_digest(&src.join("oci"));
    let rep = archive::pack(&opts(&src, 512 * 1024)).unwrap();
    assert!(
        rep.warnings
            .iter()
            .any(|w| w.contains(&big) && w.contains("alone")),
        "{:?}",
        rep.warnings
    );
    let alone = rep
        .chunks
        .iter()
        .find(|c| blob_offset(&src.join(&c.file), &big).is_some())
        .unwrap();
    assert_eq!(alone.blobs, 1);
    let dst = t.path().join("disconnected");
    carry(&src, &dst);
    archive::unpack(&UnpackOptions::new(&dst)).unwrap();
    assert_eq!(blobs(&src.join("oci")), blobs(&dst.join("oci")));

    let mut o = opts(&src, 512 * 1024);
    o.strict = true;
    o.since = Since::Full;
    let err = archive::pack(&o).unwrap_err();
    assert!(err.contains("larger than the archive size"), "{err}");
}

#[test]
fn an_incomplete_layout_is_not_packed() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("connected");
    two_images(&src.join("oci"));
    let victim = big_layer_digest(&src.join("oci"));
    std::fs::remove_file(src.join("oci/blobs/sha256").join(&victim[7..])).unwrap();
    let err = archive::pack(&opts(&src, 64 * MIB as u64)).unwrap_err();
    assert!(err.contains(&victim), "{err}");
    assert!(tars(&src).is_empty());
    assert!(!src.join(".history").exists());
}

/// `oc catalog mirror` with --tls-verify=false and plain progress.
fn mirror_cli(home: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["mirror", "--tls-verify=false", "--progress=plain"];
    all.extend_from_slice(args);
    run(home, &all)
}

/// Push a synthetic image to `host/repo:tag` with skopeo; its manifest digest.
fn push_image(dir: &Path, host: &str, repo_tag: &str, layers: &[Vec<u8>]) -> String {
    let layout = dir.join("gen");
    let name = repo_tag.replace(['/', ':'], "-");
    let d = synth_image(&layout, &name, layers);
    skopeo(&[
        "copy",
        "--preserve-digests",
        "--dest-tls-verify=false",
        &format!("oci:{}:{name}", layout.display()),
        &format!("docker://{host}/{repo_tag}"),
    ]);
    d
}

fn raw_digest(reference: &str) -> String {
    sha256_digest(skopeo(&["inspect", "--raw", "--tls-verify=false", reference]).as_bytes())
}

#[test]
fn mirror_to_disk_then_disk_to_mirror_through_the_cli() {
    if !tools_present() {
        return;
    }
    let e = env(false);
    let home = e.path("home");
    let src = &e.plain.host;
    let shared = layer_tar("shared.bin", &noise(1, MIB));
    let a = push_image(
        e.dir.path(),
        src,
        "ns/a:v1",
        &[shared.clone(), layer_tar("a", &noise(2, MIB))],
    );
    let b = push_image(
        e.dir.path(),
        src,
        "ns/b:v1",
        &[shared.clone(), layer_tar("b", &noise(3, MIB))],
    );
    let map = e.path("mapping.txt");
    std::fs::write(&map, format!("{src}/ns/a:v1\n{src}/ns/b:v1\n")).unwrap();
    let out_dir = e.path("connected");
    let file = format!("file://{}", out_dir.display());

    // Mirror to disk: the layout, then chunks of 0.001 GiB (one layer each).
    let (code, out, err) = mirror_cli(
        &home,
        &[
            "--mapping",
            map.to_str().unwrap(),
            &file,
            "--archive-size",
            "0.001",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("archived 2 images as run "), "{out}");
    assert!(out.contains("7 blobs"), "{out}");
    let chunks = tars(&out_dir);
    assert!(chunks.len() >= 3, "{out}");
    assert!(out_dir.join("working-dir/mapping.txt").is_file());

    // Disk to mirror, into another registry under a namespace.
    let dst = start_plain(e.dir.path(), "dst");
    let gap = e.path("disconnected");
    carry(&out_dir, &gap);
    let from = format!("file://{}", gap.display());
    let (code, out, err) = mirror_cli(
        &home,
        &["--from", &from, &format!("docker://{}/copy", dst.host)],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("applied run "), "{out}");
    assert!(out.contains("7 blobs"), "{out}");
    assert!(
        out.contains("images: 2 copied, 0 already present, 0 failed"),
        "{out}"
    );
    assert_eq!(
        raw_digest(&format!("docker://{}/copy/ns/a:v1", dst.host)),
        a
    );
    assert_eq!(
        raw_digest(&format!("docker://{}/copy/ns/b:v1", dst.host)),
        b
    );
    assert!(gap.join("working-dir/mapping.txt").is_file());

    // A new image: the second archive carries only its blobs.
    let c = push_image(
        e.dir.path(),
        src,
        "ns/c:v1",
        &[shared, layer_tar("c", &noise(4, MIB))],
    );
    std::fs::write(
        &map,
        format!("{src}/ns/a:v1\n{src}/ns/b:v1\n{src}/ns/c:v1\n"),
    )
    .unwrap();
    let (code, out, err) = mirror_cli(&home, &["--mapping", map.to_str().unwrap(), &file]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("3 blobs"), "{out}");
    assert!(out.contains("skipped 7 blobs"), "{out}");
    assert!(err.contains("were replaced"), "{err}");
    for old in tars(&gap) {
        std::fs::remove_file(old).unwrap();
    }
    carry(&out_dir, &gap);
    let (code, out, err) = mirror_cli(
        &home,
        &["--from", &from, &format!("docker://{}/copy", dst.host)],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("images: 1 copied, 2 already present, 0 failed"),
        "{out}"
    );
    assert_eq!(
        raw_digest(&format!("docker://{}/copy/ns/c:v1", dst.host)),
        c
    );

    // A damaged archive never reaches the registry.
    let lone = e.path("lone");
    carry(&out_dir, &lone);
    let (code, _, err) = mirror_cli(
        &home,
        &[
            "--from",
            &format!("file://{}", lone.display()),
            &format!("docker://{}/other", dst.host),
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("incremental"), "{err}");
    assert!(err.contains("--since"), "{err}");
}
