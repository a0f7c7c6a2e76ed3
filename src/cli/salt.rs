//! The pseudonymizer of a command: the salt from `--salt-ssm`, `--salt-file`, `VEIL_SALT` or
//! psoxy's `PSOXY_SALT` (in that order), and psoxy's settings from the environment.

use std::io::Read;

use veil::{Cloud, Error, Result};
use veil_core::Pseudonymizer;

use super::args::SecretArgs;

/// A salt is short; a file without end (a device) must not be read for ever.
const MAX_SALT: u64 = 64 << 10;

/// True when the salt comes from SSM (the command then needs the AWS clients).
pub fn needs_cloud(args: &SecretArgs) -> bool {
    #[cfg(feature = "aws")]
    return args.salt_ssm.is_some();
    #[cfg(not(feature = "aws"))]
    {
        let _ = args;
        false
    }
}

/// The pseudonymizer for these options; warnings about the settings go to stderr.
///
/// # Errors
/// No salt, an unreadable salt file or parameter, or invalid settings.
pub fn pseudonymizer(args: &SecretArgs, cloud: Option<&Cloud>) -> Result<Pseudonymizer> {
    let salt = match (from_ssm(args, cloud)?, &args.salt_file) {
        (Some(salt), _) => salt,
        (None, Some(path)) => {
            let context = || format!("reading salt file {}", veil_core::escape(&path.display().to_string()));
            let mut bytes = Vec::new();
            std::fs::File::open(path)
                .and_then(|f| f.take(MAX_SALT + 1).read_to_end(&mut bytes))
                .map_err(|cause| Error::ConfigFile {
                    context: context(),
                    cause,
                })?;
            if bytes.len() as u64 > MAX_SALT {
                return Err(Error::ConfigFile {
                    context: context(),
                    cause: std::io::Error::new(std::io::ErrorKind::InvalidInput, "larger than 64 KiB"),
                });
            }
            veil::config::salt_from_file_bytes(bytes)
        }
        (None, None) => veil::config::salt_from_env().ok_or_else(|| {
            Error::Usage(
                "no salt: pass --salt-file PATH, or set VEIL_SALT (or psoxy's PSOXY_SALT). \
                 Use the same salt as your psoxy deployment to get the same pseudonyms."
                    .into(),
            )
        })?,
    };
    let (pseudonymizer, warnings) = veil::config::pseudonymizer_from_env(salt, args.hash.map(Into::into))?;
    for warning in warnings {
        eprintln!("veil: warning: {warning}");
    }
    Ok(pseudonymizer)
}

fn from_ssm(args: &SecretArgs, cloud: Option<&Cloud>) -> Result<Option<Vec<u8>>> {
    #[cfg(feature = "aws")]
    if let (Some(name), Some(cloud)) = (&args.salt_ssm, cloud) {
        let value = veil::ssm_parameter(cloud.aws(), name)?
            .ok_or_else(|| Error::Usage(format!("SSM parameter {name} does not exist")))?;
        return Ok(Some(value.into_bytes()));
    }
    let _ = (args, cloud);
    Ok(None)
}
