//! Pseudonyms byte-identical to psoxy's (v0.4 "DEFAULT" implementation).
//!
//! `canonical(v)` is `v` itself unless `v` is an e-mail mailbox, then
//! `lower(local cut at the first '+')` (dots dropped under `IGNORE_DOTS`) `+ "@" + lower(domain)`.
//! The hash is `SHA-256(canonical ‖ salt)` (or, opt-in, `HMAC-SHA256(key = salt, canonical)`),
//! encoded base64url without padding, then formatted as `JSON`, `URL_SAFE_TOKEN` or
//! `URL_SAFE_HASH_ONLY`, with the e-mail domain preserved, redacted, tokenized or encrypted.
//! The canonical form is fed to the hasher in pieces: no allocation per value, and the
//! hash is driven block by block ([`crate::sha256`]) with any HMAC key absorbed once.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::Sha256;

use crate::email;
use crate::error::{Error, Result};
use crate::sha256::{HmacKey, Message};

/// Length of an encoded hash: base64url of 32 bytes, no padding.
pub const HASH_LEN: usize = 43;

/// How a pseudonym is written into a cell (psoxy's `pseudonymFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PseudonymFormat {
    /// `{"domain":"d","hash":"h"}` (psoxy's default).
    #[default]
    Json,
    /// `t~h` or `t~h@d`.
    UrlSafeToken,
    /// `h`.
    UrlSafeHashOnly,
}

impl PseudonymFormat {
    /// The YAML / CLI spellings, in order.
    pub const NAMES: [&'static str; 3] = ["JSON", "URL_SAFE_TOKEN", "URL_SAFE_HASH_ONLY"];

    /// Parses psoxy's (case-sensitive) name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "JSON" => Some(Self::Json),
            "URL_SAFE_TOKEN" => Some(Self::UrlSafeToken),
            "URL_SAFE_HASH_ONLY" => Some(Self::UrlSafeHashOnly),
            _ => None,
        }
    }
}

/// The keyed hash behind every pseudonym.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HashAlgorithm {
    /// `SHA-256(canonical ‖ salt)`: byte-identical to psoxy.
    #[default]
    Psoxy,
    /// `HMAC-SHA256(key = salt, canonical)`: for deployments that need no psoxy compatibility.
    HmacSha256,
}

/// psoxy's `EMAIL_CANONICALIZATION`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Canonicalization {
    /// Lower-case, cut at `+`.
    #[default]
    Strict,
    /// As `Strict`, and drop every `.` of the local part.
    IgnoreDots,
}

/// psoxy's `EMAIL_DOMAIN_HANDLING`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DomainHandling {
    /// Keep the domain as written.
    #[default]
    Preserve,
    /// Drop it.
    Redact,
    /// `h~` + hash of the domain.
    Tokenize,
    /// `e~` + hash and AES-256-CBC ciphertext of the domain.
    Encrypt,
}

/// Everything that determines pseudonyms. Its `Debug` never shows key material.
#[derive(Clone, Default)]
pub struct Secrets {
    /// `PSOXY_SALT`.
    pub salt: Vec<u8>,
    /// `SALT_EMAIL_DOMAINS` (falls back to the salt).
    pub domain_salt: Option<Vec<u8>>,
    /// `ENCRYPTION_KEY_EMAIL_DOMAINS`, else `PSOXY_ENCRYPTION_KEY` (needed for `Encrypt`).
    pub encryption_key: Option<Vec<u8>>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secrets { .. }")
    }
}

fn fingerprint(secrets: &Secrets, options: Options) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    };
    field(b"veil pseudonym settings v1");
    field(&secrets.salt);
    field(secrets.domain_salt.as_deref().unwrap_or(b"\0unset"));
    field(secrets.encryption_key.as_deref().unwrap_or(b"\0unset"));
    field(format!("{:?} {:?} {:?}", options.hash, options.canonicalization, options.domain).as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Settings besides the secrets.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Hash algorithm.
    pub hash: HashAlgorithm,
    /// E-mail canonicalization.
    pub canonicalization: Canonicalization,
    /// E-mail domain handling.
    pub domain: DomainHandling,
}

/// The keyed hash, its key material absorbed once per run.
enum Hasher {
    /// SHA-256 of the text followed by this salt.
    Psoxy(Vec<u8>),
    Hmac(HmacKey),
}

impl Hasher {
    fn new(algorithm: HashAlgorithm, key: &[u8]) -> Self {
        match algorithm {
            HashAlgorithm::Psoxy => Hasher::Psoxy(key.to_vec()),
            HashAlgorithm::HmacSha256 => Hasher::Hmac(HmacKey::new(key)),
        }
    }

    /// A message to push the text into.
    #[inline]
    fn start(&self) -> Message {
        match self {
            Hasher::Psoxy(_) => Message::new(),
            Hasher::Hmac(key) => key.start(),
        }
    }

    /// The keyed hash of a message begun with [`Hasher::start`].
    #[inline]
    fn finish(&self, message: &mut Message) -> [u8; 32] {
        match self {
            Hasher::Psoxy(salt) => {
                message.push(salt);
                message.finish()
            }
            Hasher::Hmac(key) => key.finish(message),
        }
    }

    /// The keyed hash of `text`.
    #[inline]
    fn digest(&self, text: &[u8]) -> [u8; 32] {
        let mut message = self.start();
        message.push(text);
        self.finish(&mut message)
    }

    /// The keyed hash of an e-mail's canonical form, lower-cased as it is pushed.
    #[inline]
    fn digest_email(&self, local: &[u8], drop_dots: bool, domain: &[u8]) -> [u8; 32] {
        let mut message = self.start();
        if drop_dots {
            local
                .split(|&b| b == b'.')
                .for_each(|piece| message.push_lowercase(piece));
        } else {
            message.push_lowercase(local);
        }
        message.push_byte(b'@');
        message.push_lowercase(domain);
        self.finish(&mut message)
    }
}

enum Domain {
    Preserve,
    Redact,
    Tokenize,
    Encrypt([u8; 32]),
}

/// Computes pseudonyms. Built once per run; shared read-only across threads.
pub struct Pseudonymizer {
    hasher: Hasher,
    domain_hasher: Hasher,
    canonicalization: Canonicalization,
    domain: Domain,
    fingerprint: String,
}

impl fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pseudonymizer { .. }")
    }
}

impl Pseudonymizer {
    /// Keys the hash state once.
    ///
    /// # Errors
    /// An empty salt, or `Encrypt` without an encryption key.
    pub fn new(secrets: &Secrets, options: Options) -> Result<Self> {
        if secrets.salt.is_empty() {
            return Err(Error::setting("salt", "the salt is empty"));
        }
        // An empty SALT_EMAIL_DOMAINS is an empty salt, as in psoxy, not "unset".
        let domain_salt = secrets.domain_salt.clone().unwrap_or_else(|| secrets.salt.clone());
        let domain = match options.domain {
            DomainHandling::Preserve => Domain::Preserve,
            DomainHandling::Redact => Domain::Redact,
            DomainHandling::Tokenize => Domain::Tokenize,
            DomainHandling::Encrypt => {
                let password = secrets
                    .encryption_key
                    .as_deref()
                    .filter(|k| !k.is_empty())
                    .ok_or_else(|| {
                        Error::setting(
                            "EMAIL_DOMAIN_HANDLING",
                            "ENCRYPT needs ENCRYPTION_KEY_EMAIL_DOMAINS or PSOXY_ENCRYPTION_KEY",
                        )
                    })?;
                if domain_salt.is_empty() {
                    // Java's PBEKeySpec refuses an empty salt, so psoxy fails here too.
                    return Err(Error::setting(
                        "EMAIL_DOMAIN_HANDLING",
                        "ENCRYPT with SALT_EMAIL_DOMAINS set to an empty string: the key cannot be derived from an empty salt (psoxy fails too); unset it or give a salt",
                    ));
                }
                let mut key = [0u8; 32];
                pbkdf2::pbkdf2_hmac::<Sha256>(password, &domain_salt, 65_536, &mut key);
                Domain::Encrypt(key)
            }
        };
        Ok(Pseudonymizer {
            hasher: Hasher::new(options.hash, &secrets.salt),
            domain_hasher: Hasher::new(options.hash, &domain_salt),
            canonicalization: options.canonicalization,
            domain,
            fingerprint: fingerprint(secrets, options),
        })
    }

    /// A SHA-256 (hex) of everything that decides pseudonyms: the salt, the domain salt and
    /// key, the hash, the canonicalization and the domain handling. Recorded with each output
    /// of a folder run, so that a change re-does the outputs it affects. It reveals the salt
    /// no more than psoxy's `psoxy-salt-sha` does: keep salts long and random.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Appends the pseudonym of `cell` as a CSV cell holding it would be pseudonymized, and
    /// nothing for a blank one (`veil hash`, Python). psoxy's reader trims an unquoted cell
    /// of Java whitespace (`Character.isWhitespace`) and every cell of characters up to
    /// U+0020 (`String.trim`); a value is taken as the cell a CSV writer makes of it,
    /// quoted only when it holds a comma, a quote or a line break.
    pub fn pseudonymize_cell(&self, cell: &str, format: PseudonymFormat, out: &mut Vec<u8>) {
        let quoted = cell.contains([',', '"', '\n', '\r']);
        let cell = if quoted {
            cell
        } else {
            cell.trim_matches(|c: char| javalang::is_whitespace(c))
        };
        let value = javalang::trim(cell);
        if !javalang::is_blank(value) {
            self.pseudonymize(value, format, out);
        }
    }

    /// Appends the pseudonym of a non-blank `value` in `format` to `out`.
    pub fn pseudonymize(&self, value: &str, format: PseudonymFormat, out: &mut Vec<u8>) {
        let mut hash = [0u8; HASH_LEN];
        let mailbox = email::parse(value);
        let domain = match &mailbox {
            None => {
                encode(&self.hasher.digest(value.as_bytes()), &mut hash);
                None
            }
            Some(m) => {
                let local = m.local.as_bytes();
                let local = match local.iter().position(|&b| b == b'+') {
                    Some(k) => &local[..k],
                    None => local,
                };
                let drop_dots = self.canonicalization == Canonicalization::IgnoreDots;
                encode(
                    &self.hasher.digest_email(local, drop_dots, m.domain.as_bytes()),
                    &mut hash,
                );
                Some(m.domain)
            }
        };
        let domain = domain.filter(|_| !matches!(self.domain, Domain::Redact));
        match format {
            PseudonymFormat::Json => {
                out.extend_from_slice(b"{");
                if let Some(d) = domain {
                    out.extend_from_slice(b"\"domain\":\"");
                    self.push_domain(d, out);
                    out.extend_from_slice(b"\",");
                }
                out.extend_from_slice(b"\"hash\":\"");
                out.extend_from_slice(&hash);
                out.extend_from_slice(b"\"}");
            }
            PseudonymFormat::UrlSafeToken => {
                out.extend_from_slice(b"t~");
                out.extend_from_slice(&hash);
                if let Some(d) = domain {
                    out.push(b'@');
                    self.push_domain(d, out);
                }
            }
            PseudonymFormat::UrlSafeHashOnly => out.extend_from_slice(&hash),
        }
    }

    /// Appends the domain as the domain policy writes it.
    fn push_domain(&self, domain: &str, out: &mut Vec<u8>) {
        match &self.domain {
            Domain::Preserve | Domain::Redact => out.extend_from_slice(domain.as_bytes()),
            Domain::Tokenize => {
                let t = self.domain_hasher.digest(domain.as_bytes());
                let mut h = [0u8; HASH_LEN];
                encode(&t, &mut h);
                out.extend_from_slice(b"h~");
                out.extend_from_slice(&h);
            }
            Domain::Encrypt(key) => {
                use aes::cipher::{BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
                let t = self.domain_hasher.digest(domain.as_bytes());
                let iv: [u8; 16] = t[..16].try_into().expect("32-byte digest");
                let ct = cbc::Encryptor::<aes::Aes256>::new(key.into(), &iv.into())
                    .encrypt_padded_vec::<Pkcs7>(domain.as_bytes());
                let mut token = t.to_vec();
                token.extend_from_slice(&ct);
                out.extend_from_slice(b"e~");
                out.extend_from_slice(URL_SAFE_NO_PAD.encode(&token).as_bytes());
            }
        }
    }
}

/// A bounded cache of recent pseudonyms, one per worker thread: ids repeat within a row
/// (the sanitized copy and the lookup table) and managers repeat across rows. Fixed size,
/// direct-mapped: it never grows with the input. It holds cell values, so it lives only
/// in memory and its `Debug` shows nothing.
pub struct PseudonymCache {
    slots: Vec<Slot>,
}

#[derive(Default)]
struct Slot {
    format: Option<PseudonymFormat>,
    value: Vec<u8>,
    pseudonym: Vec<u8>,
}

impl PseudonymCache {
    const SLOTS: usize = 64;

    /// An empty cache.
    pub fn new() -> Self {
        PseudonymCache {
            slots: (0..Self::SLOTS).map(|_| Slot::default()).collect(),
        }
    }

    /// The slot for `value`, chosen from its length and its first and last 8 bytes: constant
    /// time. Values that differ only in their middle share a slot; like any collision, that
    /// only costs a miss (a hit compares the whole value).
    fn slot(&mut self, value: &[u8], format: PseudonymFormat) -> &mut Slot {
        let word = |bytes: &[u8]| {
            let mut w = [0u8; 8];
            w[..bytes.len()].copy_from_slice(bytes);
            u64::from_le_bytes(w)
        };
        let n = value.len();
        let (head, tail) = (word(&value[..n.min(8)]), word(&value[n.saturating_sub(8)..]));
        let h = (head ^ tail.rotate_left(29) ^ ((n as u64) << 56) ^ format as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
        const { assert!(Self::SLOTS.is_power_of_two()) };
        let index = (h >> (64 - Self::SLOTS.trailing_zeros())) as usize;
        &mut self.slots[index]
    }
}

impl Default for PseudonymCache {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for PseudonymCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PseudonymCache { .. }")
    }
}

impl Pseudonymizer {
    /// The pseudonym [`Pseudonymizer::pseudonymize`] would append, answering repeats from
    /// `cache` (borrowed from it, so a hit copies nothing).
    pub fn pseudonymize_cached<'c>(
        &self,
        value: &str,
        format: PseudonymFormat,
        cache: &'c mut PseudonymCache,
    ) -> &'c [u8] {
        let slot = cache.slot(value.as_bytes(), format);
        if slot.format != Some(format) || slot.value != value.as_bytes() {
            slot.pseudonym.clear();
            self.pseudonymize(value, format, &mut slot.pseudonym);
            slot.value.clear();
            slot.value.extend_from_slice(value.as_bytes());
            slot.format = Some(format);
        }
        &slot.pseudonym
    }
}

/// base64url without padding of exactly 32 bytes: five 6-byte chunks and a 2-byte tail.
/// (A fixed-size encoder; the general one costs a third of a hash here.) Each 12 bits map
/// to two characters through one table lookup.
fn encode(digest: &[u8; 32], out: &mut [u8; HASH_LEN]) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    static PAIRS: [[u8; 2]; 4096] = {
        let mut table = [[0u8; 2]; 4096];
        let mut i = 0;
        while i < 4096 {
            table[i] = [ALPHABET[i >> 6], ALPHABET[i & 63]];
            i += 1;
        }
        table
    };
    let pair = |n: u64| PAIRS[(n & 0xfff) as usize];
    for chunk in 0..5 {
        let mut word = [0u8; 8];
        word[..6].copy_from_slice(&digest[chunk * 6..chunk * 6 + 6]);
        let n = u64::from_be_bytes(word) >> 16;
        let to = &mut out[chunk * 8..chunk * 8 + 8];
        for (k, shift) in [36, 24, 12, 0].into_iter().enumerate() {
            to[k * 2..k * 2 + 2].copy_from_slice(&pair(n >> shift));
        }
    }
    let n = u64::from(digest[30]) << 10 | u64::from(digest[31]) << 2;
    out[40..42].copy_from_slice(&pair(n >> 6));
    out[42] = ALPHABET[(n & 63) as usize];
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(salt: &str, options: Options) -> Pseudonymizer {
        let secrets = Secrets {
            salt: salt.as_bytes().to_vec(),
            domain_salt: Some(b"salt-domains".to_vec()),
            encryption_key: Some(b"asdfasdf".to_vec()),
        };
        Pseudonymizer::new(&secrets, options).unwrap()
    }

    fn cell(p: &Pseudonymizer, value: &str, format: PseudonymFormat) -> String {
        let mut out = Vec::new();
        p.pseudonymize(value, format, &mut out);
        String::from_utf8(out).unwrap()
    }

    fn h(value: &str) -> String {
        cell(
            &with("salt", Options::default()),
            value,
            PseudonymFormat::UrlSafeHashOnly,
        )
    }

    #[test]
    fn vectors_a_hashes_with_salt_salt() {
        let cases = [
            ("1", "0zPKqEd-CtbCLB1ZSwX6Zo7uAWUvkpfHGzv9-cuYwZc"),
            ("2", "-hN_i1M1DeMAicDVp6LhFgW9lH7r3_LbOpTlXYWpXVI"),
            ("3", "4W7Sl-LI6iMzNNngivs5dLMiVw-7ob3Cyr3jn8NureY"),
            ("4", "BOg00PLoiEEKyGzije3FJlKBzM6_Vjk87VJI9lTIA2o"),
            ("001", "ni_o9pmj5bcNxQ_2cGsYSoOP-CtAUw8GyvT0xa8xSMA"),
            ("002", "fzLpsPTdf6VDPAD0PKU4GPQvKQpsaHn0OGKeOmSpQ-c"),
            ("E001", "uxVHJj4JLZrUDfo7bwUePfhD5-rd34W1BvTqO4B2PNk"),
            ("blah", "nVPSMYD7ZO_ptGIMJ65TAFo5_vVVQQ2af5Bfg7bW0Jo"),
            ("person 1", "GI144xrPnMS9IwneeTEzMfcC2zowYSHHhVaReTIDXeo"),
            ("person 2", "Wl-yMZGcKhwYgI4D4oBEyh3tAo-6CsZlI0Sm5e2HJIw"),
            ("person 3", "WiO0pP6Lj25eMqiXLbL3AX6uBi5MRMT34BgaIuSEwQs"),
            ("person 4", "otJtA1m_38S10LrW1bYLMA4D8wsNQoXp7Ow66WnffFc"),
            (
                "Participant's Email Address",
                "qejD3BfohzeqJbqCcGMI2O0T-fn_KB24RjUbb8pjXHs",
            ),
            (
                "Participant's Unique Identifier",
                "ilQfXaLbu3b3sKjKeOzt83Uy92Yy3shc_dlq1ro60cU",
            ),
            (
                "{\"ImportId\":\"Email\"}",
                "jw7v7rBpw41HFGKAH8Jp8yI2QlgO7ZYVerCJkco51Ic",
            ),
            (
                "{\"ImportId\":\"UniqueIdentifier\"}",
                "aM2l7o6Vm5Z1bRaYm_tjBfIolutVG-1k8s89UsME6LA",
            ),
            ("123456", "5NL5SaQBwE6c0L1BDjHW-BtBOXQVH8RYwY0tGGw3khk"),
            ("alice_enterprise", "sbIXAryuJzPz0dxRh4swzuxCY9_ZetgbAQlcrI-W30g"),
            ("bob_enterprise", "hgs2zOvvnp8YG1adeeZCwUmAI_BUk5CFTPF_tca6OmQ"),
            ("charles_enterprise", "1RaWPpeCqO4wTAc849d9KY41PEXdkHcxJ32ifrLzsjQ"),
            ("alice", "3YAoyBkqpKrO4rk5ISA0dZSABykOBC7pEMmkL1L0HK4"),
            ("bob-smith", "3tfnePQDgDoBZxb6c04tqlmpKSfGyOPsUANSLMUEuYU"),
            ("charles-dickens", "fTYkjBMftiSOMolXYIZISI2w__u5mJ7TZrTQtifAD-Q"),
        ];
        for (value, expected) in cases {
            assert_eq!(h(value), expected, "value {value:?}");
        }
    }

    #[test]
    fn vectors_b_formatted_cells() {
        let p = with("salt", Options::default());
        use PseudonymFormat::*;
        let cases = [
            (
                "alice@worklytics.co",
                Json,
                r#"{"domain":"worklytics.co","hash":"Qf4dLJ4jfqZLn9ef4VirvYjvOnRaVI5tf5oLnM65YOA"}"#,
            ),
            (
                "bob@workltyics.co",
                Json,
                r#"{"domain":"workltyics.co","hash":"al4JK5KlOIsneC2DM__P_HRYe28LWYTBSf3yWKGm5yQ"}"#,
            ),
            (
                "charles@workltycis.co",
                Json,
                r#"{"domain":"workltycis.co","hash":"BlQB8Vk0VwdbdWTGAzBF-ote1357Ajr0fFcgFf72kdk"}"#,
            ),
            (
                "karen@worklytics.co",
                Json,
                r#"{"domain":"worklytics.co","hash":"TtDWXFAQxNE8O2w7DuMtEKzTSZXERuUVLCjmd9r6KQ4"}"#,
            ),
            (
                "person_1@acme.com",
                Json,
                r#"{"domain":"acme.com","hash":"-MFHtQFQtPUXyclPE-B71x_F4jJStaMz9ZN-kWFE4_o"}"#,
            ),
            (
                "person_2@acme.com",
                Json,
                r#"{"domain":"acme.com","hash":"dJD_mwEzDZdxpdKYwzpkG0k1u5eE9mL6RG2Z5G5VMQw"}"#,
            ),
            (
                "person_3@acme.com",
                Json,
                r#"{"domain":"acme.com","hash":"45SVSXnRsVfIVUBXcn_TOBFHzpiC09JMO2h33QK-nrc"}"#,
            ),
            (
                "person_4@acme.com",
                Json,
                r#"{"domain":"acme.com","hash":"K1rUA4gXPMXXLH1Uu-as2TatFznGTlUnRICUpfI7sto"}"#,
            ),
            (
                "employee@acme.COM",
                Json,
                r#"{"domain":"acme.COM","hash":"PM3Oh15cS2rBp-kjSrOCpQvYFe8Wo3qLj1o5F3fuefI"}"#,
            ),
            ("1", Json, r#"{"hash":"0zPKqEd-CtbCLB1ZSwX6Zo7uAWUvkpfHGzv9-cuYwZc"}"#),
            ("1", UrlSafeToken, "t~0zPKqEd-CtbCLB1ZSwX6Zo7uAWUvkpfHGzv9-cuYwZc"),
            ("blah", UrlSafeToken, "t~nVPSMYD7ZO_ptGIMJ65TAFo5_vVVQQ2af5Bfg7bW0Jo"),
            (
                "alice@acme.com",
                UrlSafeToken,
                "t~UFdK0TvVTvZ23c6QslyCy0o2MSq2DRtDjEXfTPJyyMk@acme.com",
            ),
            ("blah", UrlSafeHashOnly, "nVPSMYD7ZO_ptGIMJ65TAFo5_vVVQQ2af5Bfg7bW0Jo"),
        ];
        for (value, format, expected) in cases {
            assert_eq!(cell(&p, value, format), expected, "value {value:?}");
        }
        assert_eq!(cell(&p, "blah", UrlSafeToken).len(), 45);
    }

    #[test]
    fn vectors_c_cmd_line_salt_secret() {
        let p = with("secret", Options::default());
        let f = PseudonymFormat::UrlSafeHashOnly;
        assert_eq!(
            cell(&p, "alice@worklytics.co", f),
            "wdxMApbuV7MglPNkZrM2WdV_v6x5Z31k8VbmqFCPRZI"
        );
        assert_eq!(
            cell(&p, "bob@workltyics.co", f),
            "usvAqWmh_e2iweTO3zC6KIRxZthJcyBHkb9qqaH9PSw"
        );
        assert_eq!(
            cell(&p, "charles@workltycis.co", f),
            "Kxsm-xl6Y7fD15XEnp0fBbjGiVWEo90yBjhhQLqcXrI"
        );
        assert_eq!(cell(&p, "1", f), "pLl3XK16GbhWPs9BmUho9Q73VAOllCeIsVQQMFvnYr4");
    }

    #[test]
    fn vectors_d_canonical_equivalence() {
        let alice = h("alice@worklytics.co");
        for same in [
            "Alice Example <alice@worklytics.co>",
            "\"Alice Different Last name\" <alice@worklytics.co>",
            "Alice@worklytics.co",
            "AlIcE@worklytics.co",
            "alice+test@worklytics.co",
        ] {
            assert_eq!(h(same), alice, "{same:?}");
        }
        for different in [
            "bob@worklytics.co",
            "Alice Example <alice2@worklytics.co>",
            "\"Alice Example\" <alice-a@worklytics.co>",
            "Alice@somewhere-else.co",
            "AlIcE.Other@worklytics.co",
            "al.ice@worklytics.co",
        ] {
            assert_ne!(h(different), alice, "{different:?}");
        }
        let dots = with(
            "salt",
            Options {
                canonicalization: Canonicalization::IgnoreDots,
                ..Options::default()
            },
        );
        let f = PseudonymFormat::UrlSafeHashOnly;
        for same in [
            "al.ice@worklytics.co",
            "\"Alice Different Last name\" <alice+t@worklytics.co>",
        ] {
            assert_eq!(cell(&dots, same, f), alice, "{same:?}");
        }
        let json = cell(
            &with("salt", Options::default()),
            "Alice Example <alice@worklytics.co>",
            PseudonymFormat::Json,
        );
        assert!(json.starts_with(r#"{"domain":"worklytics.co","#));
    }

    #[test]
    fn vectors_e_domain_handling() {
        let domain_of = |domain: DomainHandling| {
            let p = with(
                "salt",
                Options {
                    domain,
                    ..Options::default()
                },
            );
            cell(&p, "alice@acme.com", PseudonymFormat::Json)
        };
        let hash = "UFdK0TvVTvZ23c6QslyCy0o2MSq2DRtDjEXfTPJyyMk";
        assert_eq!(
            domain_of(DomainHandling::Preserve),
            format!(r#"{{"domain":"acme.com","hash":"{hash}"}}"#)
        );
        assert_eq!(domain_of(DomainHandling::Redact), format!(r#"{{"hash":"{hash}"}}"#));
        assert_eq!(
            domain_of(DomainHandling::Tokenize),
            format!(r#"{{"domain":"h~XeVeXr3msNs83nxpGuEjUO0Cv7JfkmYhnprXIY-BEgs","hash":"{hash}"}}"#)
        );
        assert_eq!(
            domain_of(DomainHandling::Encrypt),
            format!(
                r#"{{"domain":"e~XeVeXr3msNs83nxpGuEjUO0Cv7JfkmYhnprXIY-BEgtyvcXqtDujwfr0b5vLmXHQ","hash":"{hash}"}}"#
            )
        );
    }

    #[test]
    fn hmac_differs_from_psoxy_and_is_stable() {
        let hmac = with(
            "salt",
            Options {
                hash: HashAlgorithm::HmacSha256,
                ..Options::default()
            },
        );
        let f = PseudonymFormat::UrlSafeHashOnly;
        // HMAC-SHA256(key="salt", "1"), computed independently with Python's hmac module.
        assert_eq!(cell(&hmac, "1", f), "fhtNby5EbKk9mxSjR51GPM7LCpWzzrGTmzD5QfUd0z0");
        assert_eq!(cell(&hmac, "ALICE@x.com", f), cell(&hmac, "alice@x.com", f));
        assert_ne!(cell(&hmac, "1", f), h("1"));
    }

    #[test]
    fn cached_pseudonyms_equal_fresh_ones_across_formats_and_collisions() {
        let p = with("salt", Options::default());
        let mut cache = PseudonymCache::new();
        for round in 0..2 {
            for i in 0..10_000 {
                let value = format!("user{i}@example.com");
                for format in [PseudonymFormat::Json, PseudonymFormat::UrlSafeToken] {
                    let mut fresh = Vec::new();
                    p.pseudonymize(&value, format, &mut fresh);
                    let cached = p.pseudonymize_cached(&value, format, &mut cache);
                    assert_eq!(cached, fresh, "round {round}, {value}, {format:?}");
                }
            }
        }
        assert_eq!(format!("{cache:?}"), "PseudonymCache { .. }");
    }

    #[test]
    fn fixed_size_encoder_matches_base64url() {
        for seed in 0..64u8 {
            let digest: [u8; 32] =
                std::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(seed.wrapping_mul(101)));
            let mut ours = [0u8; HASH_LEN];
            encode(&digest, &mut ours);
            assert_eq!(std::str::from_utf8(&ours).unwrap(), URL_SAFE_NO_PAD.encode(digest));
        }
    }

    #[test]
    fn encrypt_without_key_is_a_config_error() {
        let secrets = Secrets {
            salt: b"salt".to_vec(),
            ..Secrets::default()
        };
        let options = Options {
            domain: DomainHandling::Encrypt,
            ..Options::default()
        };
        let err = Pseudonymizer::new(&secrets, options).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(format!("{secrets:?}").contains(".."));
    }
}
