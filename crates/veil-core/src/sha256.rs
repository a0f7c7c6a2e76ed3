//! SHA-256 and HMAC-SHA256 of short messages, driven block by block through `sha2`'s
//! compress function (which picks the CPU's SHA instructions when it has them).
//!
//! Pseudonyms hash a few dozen bytes each, millions of times per file. There the general
//! hasher's buffering costs as much as the compression itself; [`Message`] instead fills one
//! 64-byte block on the stack, compresses it when full, and pads the last block itself.
//! HMAC keys are absorbed once ([`HmacKey`]); each value then costs two compressions more.

use sha2::block_api::compress256;

/// The initial hash value (FIPS 180-4, 5.3.3).
const INITIAL: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// A SHA-256 computation in progress: the state after the full blocks, and the open block.
/// Bytes of the open block past `filled` are always zero, so padding needs no clearing.
/// Its `Debug` shows nothing: the state may be derived from a key.
#[derive(Clone)]
pub struct Message {
    state: [u32; 8],
    block: [u8; 64],
    filled: usize,
    /// Bytes already compressed (a multiple of 64).
    compressed: u64,
}

impl Message {
    /// An empty message.
    pub fn new() -> Self {
        Message {
            state: INITIAL,
            block: [0; 64],
            filled: 0,
            compressed: 0,
        }
    }

    /// Appends `bytes`.
    #[inline]
    pub fn push(&mut self, bytes: &[u8]) {
        self.push_mapped(bytes, |b| b);
    }

    /// Appends `bytes` with ASCII letters lower-cased.
    #[inline]
    pub fn push_lowercase(&mut self, bytes: &[u8]) {
        self.push_mapped(bytes, |b| b.to_ascii_lowercase());
    }

    /// Appends `bytes` passed through `map`, a block's worth at a time (the check for a full
    /// block runs once per block, not once per byte).
    #[inline]
    fn push_mapped(&mut self, mut bytes: &[u8], map: impl Fn(u8) -> u8) {
        while !bytes.is_empty() {
            let n = (64 - self.filled).min(bytes.len());
            let open = &mut self.block[self.filled..self.filled + n];
            for (to, &from) in open.iter_mut().zip(&bytes[..n]) {
                *to = map(from);
            }
            self.filled += n;
            bytes = &bytes[n..];
            if self.filled == 64 {
                self.compress();
            }
        }
    }

    /// Appends one byte.
    #[inline]
    pub fn push_byte(&mut self, byte: u8) {
        self.block[self.filled] = byte;
        self.filled += 1;
        if self.filled == 64 {
            self.compress();
        }
    }

    #[inline]
    fn compress(&mut self) {
        compress256(&mut self.state, std::slice::from_ref(&self.block));
        self.block = [0; 64];
        self.compressed += 64;
        self.filled = 0;
    }

    /// Pads the message and returns its digest. The message is spent: pushing to it or
    /// finishing it again gives a wrong digest. (Taken by reference only so the state is not
    /// copied: a copy right after byte-wise writes stalls the CPU.)
    #[inline]
    pub fn finish(&mut self) -> [u8; 32] {
        let bits = (self.compressed + self.filled as u64) * 8;
        self.push_byte(0x80);
        if self.filled > 56 {
            self.compress();
        }
        self.block[56..].copy_from_slice(&bits.to_be_bytes());
        compress256(&mut self.state, std::slice::from_ref(&self.block));
        let mut digest = [0u8; 32];
        for (bytes, word) in digest.chunks_exact_mut(4).zip(self.state) {
            bytes.copy_from_slice(&word.to_be_bytes());
        }
        digest
    }
}

impl Default for Message {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Message { .. }")
    }
}

/// An HMAC-SHA256 key with its inner and outer pad blocks already compressed (RFC 2104).
/// Its `Debug` shows nothing.
#[derive(Clone)]
pub struct HmacKey {
    inner: Message,
    outer: Message,
}

impl HmacKey {
    /// Absorbs `key` (hashed first when longer than a block, as RFC 2104 says).
    pub fn new(key: &[u8]) -> Self {
        let mut block = [0u8; 64];
        if key.len() > 64 {
            let mut m = Message::new();
            m.push(key);
            block[..32].copy_from_slice(&m.finish());
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        let padded = |pad: u8| {
            let mut m = Message::new();
            m.push(&block.map(|b| b ^ pad));
            m
        };
        HmacKey {
            inner: padded(0x36),
            outer: padded(0x5c),
        }
    }

    /// A message to push the text into.
    pub fn start(&self) -> Message {
        self.inner.clone()
    }

    /// The MAC of a message begun with [`HmacKey::start`].
    pub fn finish(&self, message: &mut Message) -> [u8; 32] {
        let mut outer = self.outer.clone();
        outer.push(&message.finish());
        outer.finish()
    }
}

impl std::fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HmacKey { .. }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, KeyInit, Mac};
    use sha2::{Digest, Sha256};

    fn text(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 251) as u8).collect()
    }

    #[test]
    fn every_length_across_block_and_padding_boundaries_matches_sha2() {
        for len in 0..=300 {
            let data = text(len);
            // Pushed whole, byte by byte, and in uneven pieces: the same digest.
            let mut whole = Message::new();
            whole.push(&data);
            let mut bytes = Message::new();
            data.iter().for_each(|&b| bytes.push_byte(b));
            let mut lowered = Message::new();
            data.chunks(5).for_each(|c| lowered.push_lowercase(c));
            let expected_lower: [u8; 32] = Sha256::digest(data.to_ascii_lowercase()).into();
            assert_eq!(lowered.finish(), expected_lower, "length {len}");
            let mut pieces = Message::new();
            data.chunks(7).for_each(|c| pieces.push(c));
            let expected: [u8; 32] = Sha256::digest(&data).into();
            assert_eq!(whole.finish(), expected, "length {len}");
            assert_eq!(bytes.finish(), expected, "length {len}");
            assert_eq!(pieces.finish(), expected, "length {len}");
        }
    }

    #[test]
    fn hmac_matches_rfc_4231_and_the_hmac_crate() {
        // RFC 4231 test case 2.
        let key = HmacKey::new(b"Jefe");
        let mut m = key.start();
        m.push(b"what do ya want for nothing?");
        let hex: String = key.finish(&mut m).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        // Keys shorter than, equal to and longer than a block; messages across block ends.
        for key_len in [0, 1, 32, 63, 64, 65, 200] {
            let key = text(key_len);
            for len in [0, 1, 55, 56, 64, 119, 120, 200] {
                let data = text(len);
                let ours = HmacKey::new(&key);
                let mut m = ours.start();
                m.push(&data);
                let mut reference = Hmac::<Sha256>::new_from_slice(&key).unwrap();
                reference.update(&data);
                let expected: [u8; 32] = reference.finalize().into_bytes().into();
                assert_eq!(ours.finish(&mut m), expected, "key {key_len}, message {len}");
            }
        }
    }

    #[test]
    fn debug_shows_no_key_material() {
        assert_eq!(format!("{:?}", HmacKey::new(b"secret")), "HmacKey { .. }");
        assert_eq!(format!("{:?}", Message::new()), "Message { .. }");
    }
}
