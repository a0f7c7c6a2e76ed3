//! The Lambda's configuration as psoxy reads it, re-read on every invocation.
//!
//! A property comes from the environment, then SSM under the instance path
//! (`PATH_TO_INSTANCE_CONFIG`), then under the shared path (`PATH_TO_SHARED_CONFIG`). Secrets
//! (the salt, the domain salt and keys) never come from the environment: from SSM, or from
//! Secrets Manager when `SECRETS_STORE=AWS_SECRETS_MANAGER`, under the same two paths.
//!
//! Everything is fetched in one batch: one `GetParameters` call (ten names a call; the usual
//! setup needs one), plus one `BatchGetSecretValue` call with Secrets Manager. The versions
//! that come back tell the handler whether anything changed since the last invocation, so a
//! rules change applies to the next object without a cold start.

use std::collections::BTreeMap;
use std::fmt;

use crate::aws::s3::{Aws, sdk_error};
use crate::config;
use crate::error::{Error, Result};

/// Non-secret properties, read from the environment first.
pub const PROPERTIES: [&str; 2] = ["RULES", "ADDITIONAL_TRANSFORMS"];

/// Secrets, read only from the store.
pub const SECRETS: [&str; 4] = [
    "PSOXY_SALT",
    "SALT_EMAIL_DOMAINS",
    "ENCRYPTION_KEY_EMAIL_DOMAINS",
    "PSOXY_ENCRYPTION_KEY",
];

/// Where secrets live (`SECRETS_STORE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    /// `AWS_SSM_PARAMETER_STORE` (the default).
    Ssm,
    /// `AWS_SECRETS_MANAGER`.
    SecretsManager,
}

impl Store {
    /// Parses `SECRETS_STORE`, case-insensitively as psoxy does.
    ///
    /// # Errors
    /// Any other value.
    pub fn parse(value: Option<&str>) -> Result<Store> {
        match value.map(str::trim) {
            None | Some("") => Ok(Store::Ssm),
            Some(v) if v.eq_ignore_ascii_case("AWS_SSM_PARAMETER_STORE") => Ok(Store::Ssm),
            Some(v) if v.eq_ignore_ascii_case("AWS_SECRETS_MANAGER") => Ok(Store::SecretsManager),
            Some(_) => Err(Error::setting(
                "SECRETS_STORE",
                "expected AWS_SSM_PARAMETER_STORE or AWS_SECRETS_MANAGER",
            )),
        }
    }
}

/// The two path prefixes and the store.
#[derive(Debug, Clone)]
pub struct Sources {
    instance: String,
    shared: String,
    store: Store,
}

impl Sources {
    /// From the environment: `PATH_TO_INSTANCE_CONFIG` (default: the function name
    /// upper-cased, `-` as `_`, and a trailing `_`), `PATH_TO_SHARED_CONFIG`, `SECRETS_STORE`.
    ///
    /// # Errors
    /// An unknown `SECRETS_STORE`.
    pub fn from_env(function: &str) -> Result<Sources> {
        let instance = config::process_env("PATH_TO_INSTANCE_CONFIG")
            .unwrap_or_else(|| format!("{}_", function.to_uppercase().replace('-', "_")));
        Ok(Sources {
            instance: namespace(instance),
            shared: namespace(config::process_env("PATH_TO_SHARED_CONFIG").unwrap_or_default()),
            store: Store::parse(config::process_env("SECRETS_STORE").as_deref())?,
        })
    }

    /// Where secrets are read from.
    pub fn store(&self) -> Store {
        self.store
    }

    /// The names a property is looked up under, in order of precedence.
    fn names(&self, property: &str) -> Vec<String> {
        let mut names = vec![format!("{}{property}", self.instance)];
        // psoxy: without either path, the bare name is looked up once.
        if !(self.instance.is_empty() && self.shared.is_empty()) {
            let shared = format!("{}{property}", self.shared);
            if !names.contains(&shared) {
                names.push(shared);
            }
        }
        names
    }
}

/// psoxy's namespace rule: a path containing `/` gets a leading `/`.
pub fn namespace(raw: String) -> String {
    if raw.contains('/') && !raw.starts_with('/') {
        format!("/{raw}")
    } else {
        raw
    }
}

/// One stored value and its version.
#[derive(Clone, PartialEq, Eq)]
struct Stored {
    version: String,
    value: String,
}

/// The configuration as read at one moment. Its `Debug` shows names and versions, never
/// values.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Environment values of [`PROPERTIES`], by name.
    env: BTreeMap<String, String>,
    /// Stored values, by full name (`ssm:<name>` or `secret:<id>`).
    stored: BTreeMap<String, Stored>,
    /// The lookup order of each property and secret: full names.
    order: BTreeMap<&'static str, Vec<String>>,
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.stored.iter().map(|(k, s)| (k, &s.version)))
            .finish()
    }
}

impl Snapshot {
    /// Reads every property and secret in one batch.
    ///
    /// # Errors
    /// A call failed (access denied, network); a missing name is not an error.
    pub fn read(aws: &Aws, sources: &Sources) -> Result<Snapshot> {
        let mut snapshot = Snapshot::default();
        let mut ssm_names = Vec::new();
        let mut secret_ids = Vec::new();
        for property in PROPERTIES {
            if let Some(v) = config::process_env(property) {
                snapshot.env.insert(property.to_owned(), v);
                continue;
            }
            let names = sources.names(property);
            ssm_names.extend(names.iter().cloned());
            snapshot
                .order
                .insert(property, names.iter().map(|n| format!("ssm:{n}")).collect());
        }
        for secret in SECRETS {
            let names = sources.names(secret);
            let kind = match sources.store {
                Store::Ssm => {
                    ssm_names.extend(names.iter().cloned());
                    "ssm"
                }
                Store::SecretsManager => {
                    secret_ids.extend(names.iter().cloned());
                    "secret"
                }
            };
            snapshot
                .order
                .insert(secret, names.iter().map(|n| format!("{kind}:{n}")).collect());
        }
        ssm_names.dedup();
        for chunk in ssm_names.chunks(10) {
            let request = aws
                .ssm
                .get_parameters()
                .set_names(Some(chunk.to_vec()))
                .with_decryption(true)
                .send();
            let out = aws
                .handle
                .block_on(request)
                .map_err(|e| sdk_error(format!("reading SSM parameters {}", chunk.join(", ")), e))?;
            for p in out.parameters() {
                let (Some(name), Some(value)) = (p.name(), p.value()) else {
                    continue;
                };
                // psoxy's placeholder for a value still to be filled in.
                if value != "fill me" {
                    snapshot.stored.insert(
                        format!("ssm:{name}"),
                        Stored {
                            version: p.version().to_string(),
                            value: value.to_owned(),
                        },
                    );
                }
            }
        }
        if !secret_ids.is_empty() {
            let request = aws
                .secrets
                .batch_get_secret_value()
                .set_secret_id_list(Some(secret_ids.clone()))
                .send();
            let context = || format!("reading secrets {}", secret_ids.join(", "));
            let out = aws.handle.block_on(request).map_err(|e| sdk_error(context(), e))?;
            for e in out.errors() {
                if e.error_code() != Some("ResourceNotFoundException") {
                    let id = e.secret_id().unwrap_or("?");
                    let code = e.error_code().unwrap_or("error");
                    return Err(Error::io(
                        format!("reading secret {id}"),
                        std::io::Error::other(code.to_owned()),
                    ));
                }
            }
            for v in out.secret_values() {
                let (Some(name), Some(value)) = (v.name(), v.secret_string()) else {
                    continue;
                };
                snapshot.stored.insert(
                    format!("secret:{name}"),
                    Stored {
                        version: v.version_id().unwrap_or_default().to_owned(),
                        value: value.to_owned(),
                    },
                );
            }
        }
        Ok(snapshot)
    }

    /// A property or secret: the environment's (properties only), else the first stored.
    pub fn get(&self, name: &str) -> Option<&str> {
        if let Some(v) = self.env.get(name) {
            return Some(v);
        }
        self.order
            .get(name)?
            .iter()
            .find_map(|full| self.stored.get(full))
            .map(|s| s.value.as_str())
    }

    /// True when both read the same versions of the same names (values are not compared:
    /// a new value always comes with a new version).
    pub fn same_versions(&self, other: &Snapshot) -> bool {
        self.env == other.env
            && self.stored.len() == other.stored.len()
            && self
                .stored
                .iter()
                .zip(&other.stored)
                .all(|((a, x), (b, y))| a == b && x.version == y.version)
    }

    /// Where a property or secret came from, for messages (`SSM /veil/RULES`), never the
    /// value.
    pub fn source(&self, name: &str) -> Option<String> {
        if self.env.contains_key(name) {
            return Some("the environment".into());
        }
        let full = self.order.get(name)?.iter().find(|f| self.stored.contains_key(*f))?;
        Some(match full.split_once(':') {
            Some(("ssm", n)) => format!("SSM parameter {n}"),
            Some((_, n)) => format!("secret {n}"),
            None => full.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_get_a_leading_slash_when_they_are_paths() {
        assert_eq!(namespace("veil/hris/".into()), "/veil/hris/");
        assert_eq!(namespace("PSOXY_HRIS_".into()), "PSOXY_HRIS_");
    }

    #[test]
    fn secrets_store_is_read_case_insensitively() {
        assert_eq!(Store::parse(None).unwrap(), Store::Ssm);
        assert_eq!(
            Store::parse(Some("aws_secrets_manager")).unwrap(),
            Store::SecretsManager
        );
        assert_eq!(Store::parse(Some("AWS_SSM_PARAMETER_STORE")).unwrap(), Store::Ssm);
        assert!(
            Store::parse(Some("vault"))
                .unwrap_err()
                .to_string()
                .starts_with("SECRETS_STORE: expected")
        );
    }

    #[test]
    fn lookup_order_is_instance_then_shared_and_debug_hides_values() {
        let sources = Sources {
            instance: "/veil/hris/".into(),
            shared: "/veil/".into(),
            store: Store::Ssm,
        };
        assert_eq!(sources.names("RULES"), ["/veil/hris/RULES", "/veil/RULES"]);
        let mut snapshot = Snapshot::default();
        snapshot.order.insert(
            "PSOXY_SALT",
            sources.names("PSOXY_SALT").iter().map(|n| format!("ssm:{n}")).collect(),
        );
        let stored = |v: &str| Stored {
            version: "3".into(),
            value: v.into(),
        };
        snapshot
            .stored
            .insert("ssm:/veil/PSOXY_SALT".into(), stored("shared-salt"));
        assert_eq!(snapshot.get("PSOXY_SALT"), Some("shared-salt"));
        snapshot
            .stored
            .insert("ssm:/veil/hris/PSOXY_SALT".into(), stored("instance-salt"));
        assert_eq!(snapshot.get("PSOXY_SALT"), Some("instance-salt"));
        assert_eq!(
            snapshot.source("PSOXY_SALT").unwrap(),
            "SSM parameter /veil/hris/PSOXY_SALT"
        );
        let debug = format!("{snapshot:?}");
        assert!(!debug.contains("salt\"") && !debug.contains("instance-salt"), "{debug}");
        let mut newer = snapshot.clone();
        assert!(newer.same_versions(&snapshot));
        newer.stored.get_mut("ssm:/veil/PSOXY_SALT").unwrap().version = "4".into();
        assert!(!newer.same_versions(&snapshot));
        let bare = Sources {
            instance: String::new(),
            shared: String::new(),
            store: Store::Ssm,
        };
        assert_eq!(bare.names("RULES"), ["RULES"]);
    }
}
