//! Settings from the process: psoxy's names read from the environment ([`veil_core::PseudonymOptions::from_psoxy`]
//! in the core does the reading of values), the salt from the environment or a file, and the
//! values of options the CLI and the Lambda share (`PII_ALLOW`, `GZIP_LEVEL`).

use veil_core::{DomainHandling, Error, HashAlgorithm, PiiKind, PseudonymOptions, Pseudonymizer, Result, Secrets};

/// The process environment, treating empty values as unset.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The process environment, empty values included (an empty `SALT_EMAIL_DOMAINS` is an
/// empty salt, as in psoxy).
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
    pseudonymizer_from(salt, &process_env_with_empty, hash)
}

/// The pseudonymizer for `salt` with psoxy's settings read by name with `settings` (which
/// keeps empty values: an empty setting is unset, except `SALT_EMAIL_DOMAINS`, where it is
/// an empty salt, as in psoxy), and the warnings to show about them. The CLI reads the
/// process environment; Python, its keyword arguments.
///
/// # Errors
/// An invalid setting or hash name, or an empty salt.
pub fn pseudonymizer_from(
    salt: Vec<u8>,
    settings: &dyn Fn(&str) -> Option<String>,
    hash: Option<HashAlgorithm>,
) -> Result<(Pseudonymizer, Vec<String>)> {
    let options = PseudonymOptions::from_psoxy(&|name| settings(name).filter(|v| !v.is_empty()), hash)?;
    let secrets = Secrets::from_psoxy(salt, settings);
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

/// Parses `COLUMN:KIND` (`--pii-allow`, `PII_ALLOW`); the kind in any case.
///
/// # Errors
/// No `:`, or an unknown kind.
pub fn parse_pii_allow(value: &str) -> Result<(String, PiiKind)> {
    let (column, kind) = value
        .rsplit_once(':')
        .ok_or_else(|| Error::setting("PII allowance", "expected COLUMN:KIND"))?;
    let kind = PiiKind::parse(kind.trim()).ok_or_else(|| {
        let kinds: Vec<&str> = PiiKind::ALL.iter().map(|k| k.name()).collect();
        Error::setting("PII allowance", format!("the kind must be one of {}", kinds.join(", ")))
    })?;
    Ok((column.trim().to_owned(), kind))
}

/// Checks a `--gzip-level` / `GZIP_LEVEL` value.
///
/// # Errors
/// Anything but a whole number from 0 to 9.
pub fn parse_gzip_level(text: &str) -> std::result::Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(level) if level <= 9 => Ok(level),
        _ => Err("the gzip level is a whole number from 0 (store) to 9 (smallest)".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salt_file_loses_one_trailing_newline_only() {
        assert_eq!(salt_from_file_bytes(b"s3cret\r\n".to_vec()), b"s3cret");
        assert_eq!(salt_from_file_bytes(b"s3cret\n\n".to_vec()), b"s3cret\n");
    }

    #[test]
    fn pii_allowances_name_column_and_kind() {
        assert_eq!(
            parse_pii_allow("WORK_PHONE:Phone").unwrap(),
            ("WORK_PHONE".into(), PiiKind::Phone)
        );
        assert!(parse_pii_allow("WORK_PHONE").is_err());
        assert!(
            parse_pii_allow("X:fax")
                .unwrap_err()
                .to_string()
                .contains("email, phone")
        );
        assert_eq!(parse_gzip_level("9"), Ok(9));
        assert!(parse_gzip_level("10").is_err());
    }
}
