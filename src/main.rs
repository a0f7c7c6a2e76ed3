//! The `veil` binary: the CLI, or the Lambda runtime loop when `AWS_LAMBDA_RUNTIME_API` is
//! set (the same binary is deployed as the function's `bootstrap`).
mod cli;

use clap::Parser;

fn main() {
    #[cfg(feature = "aws")]
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
        if runtime.block_on(veil::run_lambda()).is_err() {
            std::process::exit(1);
        }
        return;
    }
    let code = cli::run(cli::Cli::parse());
    std::process::exit(code);
}
