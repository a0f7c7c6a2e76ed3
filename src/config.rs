//! Pseudonym settings from psoxy's environment names, shared by the CLI and the Lambda.
//!
//! `EMAIL_CANONICALIZATION`, `EMAIL_DOMAIN_HANDLING`, `SALT_EMAIL_DOMAINS`,
//! `PSOXY_ENCRYPTION_KEY`, `ENCRYPTION_KEY_EMAIL_DOMAINS`, `PSEUDONYM_IMPLEMENTATION`,
//! plus veil's `VEIL_HASH`. Invalid values fail before anything is read, naming the
//! variable and its valid values (never echoing a secret).

use crate::error::{Error, Result};
use crate::pseudonym::{Canonicalization, DomainHandling, HashAlgorithm, Options, Pseudonymizer, Secrets};

/// Reads one variable; abstracted so the Lambda can merge env and SSM.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment, treating empty values as unset.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

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
            Error::Config(format!(
                "{var} has an invalid value; valid values: {}",
                names.join(", ")
            ))
        })
}

/// Parses a hash algorithm name (`psoxy` or `hmac-sha256`).
///
/// # Errors
/// Any other name.
pub fn parse_hash(name: &str) -> Result<HashAlgorithm> {
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
pub fn options(env: Lookup<'_>, hash: Option<HashAlgorithm>) -> Result<Options> {
    if env("PSEUDONYM_IMPLEMENTATION").is_some_and(|v| v.trim() != "v0.4") {
        return Err(Error::Config(
            "PSEUDONYM_IMPLEMENTATION: only `v0.4` is supported (v0.3 legacy pseudonyms are no longer supported by psoxy either)".into(),
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
pub fn secrets(salt: Vec<u8>, env: Lookup<'_>) -> Secrets {
    let key = |name: &str| env(name).filter(|k| !k.is_empty());
    Secrets {
        salt,
        domain_salt: env("SALT_EMAIL_DOMAINS").map(String::into_bytes),
        encryption_key: key("ENCRYPTION_KEY_EMAIL_DOMAINS")
            .or_else(|| key("PSOXY_ENCRYPTION_KEY"))
            .map(String::into_bytes),
    }
}

/// The process environment, empty values included (see [`secrets`]).
pub fn process_env_with_empty(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The salt from the environment: `VEIL_SALT`, else psoxy's `PSOXY_SALT`.
pub fn salt_from_env() -> Option<Vec<u8>> {
    process_env("VEIL_SALT")
        .or_else(|| process_env("PSOXY_SALT"))
        .map(String::into_bytes)
}

/// The pseudonymizer for `salt` with psoxy's settings from the process environment
/// (`hash`, when given, overrides `VEIL_HASH`), and the warnings to show about them.
///
/// # Errors
/// An invalid setting or hash name, or an empty salt.
pub fn pseudonymizer_from_env(salt: Vec<u8>, hash: Option<HashAlgorithm>) -> Result<(Pseudonymizer, Vec<String>)> {
    let options = options(&process_env, hash)?;
    let secrets = secrets(salt, &process_env_with_empty);
    let mut warnings = Vec::new();
    if secrets.domain_salt.as_deref() == Some(b"") && options.domain != DomainHandling::Preserve {
        warnings.push(
            "SALT_EMAIL_DOMAINS is set but empty: domain tokens are unsalted hashes of the domain, as psoxy makes them"
                .to_owned(),
        );
    }
    Ok((Pseudonymizer::new(&secrets, options)?, warnings))
}

/// A salt read from a file: one trailing line ending is dropped (as `echo` adds one).
pub fn salt_from_file_bytes(mut bytes: Vec<u8>) -> Vec<u8> {
    if bytes.ends_with(b"\n") {
        bytes.pop();
        if bytes.ends_with(b"\r") {
            bytes.pop();
        }
    }
    bytes
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
            "EMAIL_DOMAIN_HANDLING has an invalid value; valid values: PRESERVE, REDACT, TOKENIZE, ENCRYPT"
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

    #[test]
    fn salt_file_loses_one_trailing_newline_only() {
        assert_eq!(salt_from_file_bytes(b"s3cret\r\n".to_vec()), b"s3cret");
        assert_eq!(salt_from_file_bytes(b"s3cret\n\n".to_vec()), b"s3cret\n");
    }
}
