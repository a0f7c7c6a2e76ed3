//! psoxy's pseudonym settings by their names (`EMAIL_CANONICALIZATION`,
//! `EMAIL_DOMAIN_HANDLING`, `SALT_EMAIL_DOMAINS`, `PSOXY_ENCRYPTION_KEY`,
//! `ENCRYPTION_KEY_EMAIL_DOMAINS`, `PSEUDONYM_IMPLEMENTATION`, and veil's `VEIL_HASH`),
//! read through a lookup the caller gives: the process environment for the CLI, the
//! environment and SSM for the Lambda, keyword arguments in Python. Invalid values fail
//! before anything is read, naming the setting and its valid values (never echoing a secret).

use crate::error::{Error, Result};
use crate::pseudonym::{Canonicalization, DomainHandling, HashAlgorithm, Options, Secrets};

/// Reads one variable; abstracted so the Lambda can merge env and SSM.
pub(crate) type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

fn choose<T: Copy>(env: Lookup<'_>, var: &str, choices: &[(&str, T)], default: T) -> Result<T> {
    let Some(value) = env(var) else {
        return Ok(default);
    };
    choices
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(value.trim()))
        .map(|&(_, v)| v)
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
            Error::setting(var, format!("invalid value; valid values: {}", names.join(", ")))
        })
}

/// Parses a hash algorithm name (`psoxy` or `hmac-sha256`).
///
/// # Errors
/// Any other name.
pub(crate) fn parse_hash(name: &str) -> Result<HashAlgorithm> {
    choose(
        &|_| Some(name.to_owned()),
        "--hash / VEIL_HASH",
        &[
            ("psoxy", HashAlgorithm::Psoxy),
            ("hmac-sha256", HashAlgorithm::HmacSha256),
        ],
        HashAlgorithm::Psoxy,
    )
}

/// Pseudonym options from the environment; `hash` overrides `VEIL_HASH`.
///
/// # Errors
/// An invalid value, or `PSEUDONYM_IMPLEMENTATION` other than `v0.4`.
pub(crate) fn options(env: Lookup<'_>, hash: Option<HashAlgorithm>) -> Result<Options> {
    if env("PSEUDONYM_IMPLEMENTATION").is_some_and(|v| v.trim() != "v0.4") {
        return Err(Error::setting(
            "PSEUDONYM_IMPLEMENTATION",
            "only `v0.4` is supported (v0.3 legacy pseudonyms are no longer supported by psoxy either)",
        ));
    }
    let hash = match hash {
        Some(h) => h,
        None => match env("VEIL_HASH") {
            Some(name) => parse_hash(&name)?,
            None => HashAlgorithm::Psoxy,
        },
    };
    Ok(Options {
        hash,
        canonicalization: choose(
            env,
            "EMAIL_CANONICALIZATION",
            &[
                ("STRICT", Canonicalization::Strict),
                ("IGNORE_DOTS", Canonicalization::IgnoreDots),
            ],
            Canonicalization::Strict,
        )?,
        domain: choose(
            env,
            "EMAIL_DOMAIN_HANDLING",
            &[
                ("PRESERVE", DomainHandling::Preserve),
                ("REDACT", DomainHandling::Redact),
                ("TOKENIZE", DomainHandling::Tokenize),
                ("ENCRYPT", DomainHandling::Encrypt),
            ],
            DomainHandling::Preserve,
        )?,
    })
}

/// Secrets around a given salt: domain salt and encryption key from `env`, which must keep
/// empty values. `SALT_EMAIL_DOMAINS` set to an empty string is an empty domain salt, as in
/// psoxy (domain tokens are then plain SHA-256 hashes of the domain); an empty key is no key.
pub(crate) fn secrets(salt: Vec<u8>, env: Lookup<'_>) -> Secrets {
    let key = |name: &str| env(name).filter(|k| !k.is_empty());
    Secrets {
        salt,
        domain_salt: env("SALT_EMAIL_DOMAINS").map(String::into_bytes),
        encryption_key: key("ENCRYPTION_KEY_EMAIL_DOMAINS")
            .or_else(|| key("PSOXY_ENCRYPTION_KEY"))
            .map(String::into_bytes),
    }
}

impl Options {
    /// Options from psoxy's settings, each read with `lookup` by its name (an empty value
    /// counts as unset); `hash`, when given, overrides `VEIL_HASH`.
    ///
    /// # Errors
    /// An invalid value ([`Error::Setting`], naming the setting and its valid values), or
    /// `PSEUDONYM_IMPLEMENTATION` other than `v0.4`.
    pub fn from_psoxy(lookup: &dyn Fn(&str) -> Option<String>, hash: Option<HashAlgorithm>) -> Result<Options> {
        options(lookup, hash)
    }
}

impl Secrets {
    /// The secrets around `salt`: the domain salt and encryption key read with `lookup`, which
    /// must keep empty values. `SALT_EMAIL_DOMAINS` set to an empty string is an empty domain
    /// salt, as in psoxy (domain tokens are then plain SHA-256 hashes of the domain); an empty
    /// key is no key.
    pub fn from_psoxy(salt: Vec<u8>, lookup: &dyn Fn(&str) -> Option<String>) -> Secrets {
        secrets(salt, lookup)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn psoxy_names_are_honoured() {
        let env = env_of(&[
            ("EMAIL_CANONICALIZATION", "ignore_dots"),
            ("EMAIL_DOMAIN_HANDLING", "TOKENIZE"),
        ]);
        let o = options(&env, None).unwrap();
        assert_eq!(o.canonicalization, Canonicalization::IgnoreDots);
        assert_eq!(o.domain, DomainHandling::Tokenize);
        assert_eq!(o.hash, HashAlgorithm::Psoxy);
    }

    #[test]
    fn invalid_values_list_the_valid_ones() {
        let env = env_of(&[("EMAIL_DOMAIN_HANDLING", "HASH")]);
        let msg = options(&env, None).unwrap_err().to_string();
        assert_eq!(
            msg,
            "EMAIL_DOMAIN_HANDLING: invalid value; valid values: PRESERVE, REDACT, TOKENIZE, ENCRYPT"
        );
        let env = env_of(&[("PSEUDONYM_IMPLEMENTATION", "v0.3")]);
        assert!(options(&env, None).is_err());
        assert!(parse_hash("md5").is_err());
        assert_eq!(parse_hash("HMAC-SHA256").unwrap(), HashAlgorithm::HmacSha256);
    }

    #[test]
    fn empty_domain_salt_is_an_empty_salt_but_an_empty_key_is_no_key() {
        let env = env_of(&[("SALT_EMAIL_DOMAINS", ""), ("PSOXY_ENCRYPTION_KEY", "")]);
        let s = secrets(b"salt".to_vec(), &env);
        assert_eq!(s.domain_salt.as_deref(), Some(&b""[..]));
        assert_eq!(s.encryption_key, None);
        assert_eq!(secrets(b"salt".to_vec(), &env_of(&[])).domain_salt, None);
    }
}
