//! The AWS adapters (feature `aws`): S3 objects and SSM parameters ([`s3`]), the Lambda
//! handler ([`lambda`]), the events it accepts ([`event`]) and its configuration from SSM
//! and Secrets Manager ([`settings`]). The core knows nothing of them:
//! they open inputs and outputs and hand them to the same job runner as the CLI.

pub mod event;
pub mod lambda;
pub mod s3;
pub mod settings;
