//! The digest of an output's bytes as stored, computed in the pass, so that a re-run can tell
//! an output that was replaced, truncated or edited since it was written. XXH3-128: not a
//! defence against a forger (who could also rewrite the record), but it catches every
//! accidental change and costs well under a percent of the run (`cargo bench -- digest`).

use std::io::{self, Read};

use xxhash_rust::xxh3::Xxh3;

/// A running XXH3-128 with the byte count.
#[derive(Clone, Default)]
pub struct Digest {
    hasher: Xxh3,
    len: u64,
}

impl Digest {
    /// Adds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
        self.len += bytes.len() as u64;
    }

    /// Bytes seen.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True before any byte was seen.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The digest.
    pub fn value(&self) -> u128 {
        self.hasher.digest128()
    }

    /// The digest of everything `reader` gives.
    ///
    /// # Errors
    /// Reading fails.
    pub fn of_reader(mut reader: impl Read) -> io::Result<Digest> {
        let mut digest = Digest::default();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => return Ok(digest),
                Ok(n) => digest.update(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_and_whole_agree() {
        let bytes: Vec<u8> = (0..100_000u32).flat_map(u32::to_le_bytes).collect();
        let mut pieces = Digest::default();
        for chunk in bytes.chunks(777) {
            pieces.update(chunk);
        }
        let whole = Digest::of_reader(&bytes[..]).unwrap();
        assert_eq!(pieces.value(), whole.value());
        assert_eq!(pieces.len(), 400_000);
        assert_eq!(Digest::default().value(), 0x99aa06d3014798d86001c324468d497f);
    }
}
