//! The `radlsig` command. It only wires things together: each subcommand parses its flags,
//! turns them into a checked plan, and hands it to one library entry point.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod info;

/// Radiomics, deep-learning and fused signatures from CT/MRI volumes and tumour masks.
#[derive(Debug, Parser)]
#[command(name = "radlsig", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the geometry, pixel type and value range of image or mask files.
    Info(info::Args),
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Info(args) => info::run(args),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
