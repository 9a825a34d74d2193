//! The `latchkey` binary: `serve` runs the server, `migrate` prepares the database.

mod app;
mod apply;
mod bench_seed;
mod config;
mod credentials;
mod data_dir;
mod functions_config;
mod gateway;
mod limits_config;
mod maintenance;
mod purge;
mod secret_files;
mod serve;
mod system;
mod template;
mod transport;

use clap::{Parser, Subcommand};

/// mimalloc rather than glibc's malloc: a request allocates and frees many small objects, often on different
/// threads (the runtime's workers, SQLite's connection threads), where glibc's arenas and their consolidation
/// took a seventh of GetUser's CPU (bench/RESULTS.md, issue 18).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "latchkey",
    version,
    about = "A self-hosted server that speaks Amazon Cognito's protocols."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    options: config::Options,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (applies migrations first).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage token-signing keys.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Print the newest messages of the dev outbox (kept when no SMTP server is configured).
    Outbox {
        /// How many messages.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Serve an API Gateway REST API stand-in (Cognito authorizers, Lambda and HTTP proxy integrations):
    /// the routes in the TOML file named by --config, on --listen (here 127.0.0.1:9230 when not given).
    Gateway(gateway::cli::GatewayArgs),
    #[command(hide = true)]
    BenchSeed(bench_seed::SeedArgs),
    /// Create, update or delete what a CloudFormation/SAM template declares, through the Cognito API.
    Apply(apply::ApplyArgs),
    /// Inspect what latchkey makes of a CloudFormation/SAM template (for tests and debugging).
    #[command(hide = true)]
    Template {
        #[command(subcommand)]
        action: template::command::TemplateAction,
    },
}

#[derive(Subcommand)]
enum KeysAction {
    /// Give a pool new signing keys; tokens signed by the old ones keep verifying until they expire.
    Rotate {
        /// The user pool id.
        #[arg(long)]
        pool: String,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // Template inspection needs no configuration, store or runtime.
    let command = match cli.command {
        Command::Template { action } => {
            return match template::command::run(action) {
                Ok(text) => {
                    println!("{text}");
                    std::process::ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("latchkey: {e}");
                    std::process::ExitCode::FAILURE
                }
            };
        }
        other => other,
    };
    let (config, unknown_env) = match config::load(&cli.options, std::env::vars()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("latchkey: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    serve::init_logging(&config);
    for name in unknown_env {
        tracing::warn!(variable = %name, "ignoring unknown LATCHKEY_ environment variable");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("latchkey: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match command {
            Command::Template { .. } => Ok(()),
            Command::Serve => serve::serve(config).await,
            Command::Migrate => serve::migrate(config).await,
            Command::Keys {
                action: KeysAction::Rotate { pool },
            } => maintenance::rotate_keys(&config, &pool).await,
            Command::Outbox { limit } => maintenance::print_outbox(&config, limit).await,
            Command::BenchSeed(args) => bench_seed::run(&config, args).await,
            Command::Gateway(args) => {
                let options = &cli.options;
                gateway::cli::command(
                    args,
                    options.config.as_deref(),
                    options.listen.as_deref(),
                    &config,
                )
                .await
            }
            Command::Apply(args) => apply::run(&config, args).await,
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            std::process::ExitCode::FAILURE
        }
    }
}
