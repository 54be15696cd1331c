//! Writing a tar stream: headers from the `tar` crate, data copied by
//! `std::io::copy` from file to file, which Linux turns into
//! `copy_file_range` (no pass through user space). The tar crate's own
//! `Builder` copies through a trait object in 8 KiB steps.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use tar::{EntryType, Header};

const BLOCK: u64 = 512;

/// Bytes a file of `size` takes in a tar (header + data rounded up to a block),
/// for a path that fits the header.
pub fn entry_size(size: u64) -> u64 {
    BLOCK + size.div_ceil(BLOCK) * BLOCK
}

pub struct TarWriter {
    out: BufWriter<File>,
    pub written: u64,
}

impl TarWriter {
    pub fn new(file: File) -> Self {
        TarWriter {
            out: BufWriter::with_capacity(1 << 20, file),
            written: 0,
        }
    }

    fn header(&mut self, path: &str, size: u64) -> io::Result<()> {
        let mut h = Header::new_gnu();
        if path.len() > 100 {
            // GNU long name: a pseudo entry whose data is the path.
            let mut data = path.as_bytes().to_vec();
            data.push(0);
            let mut l = Header::new_gnu();
            l.as_gnu_mut()
                .expect("gnu header")
                .name
                .iter_mut()
                .zip(b"././@LongLink")
                .for_each(|(d, s)| *d = *s);
            l.set_entry_type(EntryType::GNULongName);
            l.set_mode(0o644);
            l.set_size(data.len() as u64);
            l.set_cksum();
            self.raw(l.as_bytes())?;
            self.raw(&data)?;
            self.pad(data.len() as u64)?;
            h.as_gnu_mut()
                .expect("gnu header")
                .name
                .iter_mut()
                .zip(path.as_bytes())
                .for_each(|(d, s)| *d = *s);
        } else {
            h.set_path(path)?;
        }
        h.set_entry_type(EntryType::Regular);
        h.set_mode(0o644);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(0);
        h.set_size(size);
        h.set_cksum();
        self.raw(h.as_bytes())
    }

    fn raw(&mut self, b: &[u8]) -> io::Result<()> {
        self.out.write_all(b)?;
        self.written += b.len() as u64;
        Ok(())
    }

    fn pad(&mut self, len: u64) -> io::Result<()> {
        let rem = len % BLOCK;
        if rem != 0 {
            self.raw(&[0u8; BLOCK as usize][..(BLOCK - rem) as usize])?;
        }
        Ok(())
    }

    pub fn add_bytes(&mut self, path: &str, data: &[u8]) -> io::Result<()> {
        self.header(path, data.len() as u64)?;
        self.raw(data)?;
        self.pad(data.len() as u64)
    }

    /// Append `size` bytes of `src` as `path`; fails if the file is shorter.
    pub fn add_file(&mut self, path: &str, src: File, size: u64) -> io::Result<()> {
        self.header(path, size)?;
        let mut take = src.take(size);
        // io::copy flushes the BufWriter, then copies file to file in the kernel.
        let n = io::copy(&mut take, &mut self.out)?;
        self.written += n;
        if n != size {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("the file has {n} bytes, {size} were expected (changed while packing?)"),
            ));
        }
        self.pad(size)
    }

    /// End-of-archive blocks, flush, fsync; the size of the tar.
    pub fn finish(mut self) -> io::Result<u64> {
        self.raw(&[0u8; 2 * BLOCK as usize])?;
        let f = self.out.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        Ok(self.written)
    }
}
