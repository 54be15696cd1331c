//! Mirroring: copies of images between registries, OCI layouts and archives.

pub mod archive;
