//! `requesty-router`: the embedded router served as an OpenAI-compatible
//! HTTP endpoint.
//!
//! ```text
//! requesty-router serve [--config router.toml] [--listen 127.0.0.1:8080]
//! requesty-router stats <log.jsonl | dir> [--json | --html FILE]
//! requesty-router check-config router.toml
//! requesty-router hash-key [KEY]
//! ```
//!
//! Exit codes: 0 on success, 1 on a runtime or configuration error, 2 on
//! bad arguments.

use std::io::{BufRead, IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use requesty::server::stats::{self, StatsOutput};
use requesty::server::{Config, Server, sha256_hex};

#[derive(Debug, Parser)]
#[command(
    name = "requesty-router",
    version,
    about = "An OpenAI-compatible LLM router on your own machine"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the router over HTTP (POST /v1/chat/completions, GET /v1/models,
    /// GET /healthz, GET /metrics).
    Serve {
        /// The configuration file; without it, embedded defaults (providers
        /// from the environment's key variables, logs in ./requesty-logs/).
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// The address to listen on (overrides `server.listen`).
        #[arg(long, short)]
        listen: Option<SocketAddr>,
    },
    /// Summarise a request log (a JSONL file or a folder of them).
    Stats {
        /// The log file or folder.
        log: PathBuf,
        /// Print the report as JSON.
        #[arg(long, conflicts_with = "html")]
        json: bool,
        /// Write a self-contained HTML page with charts to FILE.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
    },
    /// Validate a configuration file and explain its errors with line numbers.
    CheckConfig {
        /// The configuration file.
        config: PathBuf,
    },
    /// Print the SHA-256 of a client key, for `key_sha256` in the config
    /// (reads the key from standard input when not given).
    HashKey {
        /// The key (prefer standard input: arguments end up in shell history).
        key: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.command {
        Command::Serve { config, listen } => serve(config, listen),
        Command::Stats { log, json, html } => {
            let output = match (json, html) {
                (_, Some(file)) => StatsOutput::Html(file),
                (true, None) => StatsOutput::Json,
                (false, None) => StatsOutput::Table,
            };
            match stats::run(&log, &output) {
                Ok((text, skipped)) => {
                    if skipped > 0 {
                        eprintln!(
                            "requesty-router: skipped {skipped} malformed line{} in {}",
                            if skipped == 1 { "" } else { "s" },
                            log.display()
                        );
                    }
                    print!("{text}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("requesty-router: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::CheckConfig { config } => check_config(config),
        Command::HashKey { key } => {
            let key = match key {
                Some(k) => k,
                None => {
                    if std::io::stdin().is_terminal() {
                        eprint!("key: ");
                        let _ = std::io::stderr().flush();
                    }
                    let mut line = String::new();
                    if let Err(e) = std::io::stdin().lock().read_line(&mut line) {
                        eprintln!("requesty-router: cannot read the key: {e}");
                        return ExitCode::from(1);
                    }
                    line.trim_end_matches(['\n', '\r']).to_owned()
                }
            };
            if key.is_empty() {
                eprintln!("requesty-router: the key is empty");
                return ExitCode::from(2);
            }
            println!("{}", sha256_hex(&key));
            ExitCode::SUCCESS
        }
    }
}

fn env(k: &str) -> Option<String> {
    std::env::var(k).ok()
}

fn check_config(path: PathBuf) -> ExitCode {
    let cfg = match Config::load(&path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    match cfg.check(&env) {
        Ok(built) => {
            for w in &built.warnings {
                eprintln!("warning: {w}");
            }
            if let Some(msg) = requesty::server::exposure_refusal(&built.settings) {
                eprintln!("error: {}: {msg}", path.display());
                return ExitCode::from(1);
            }
            println!("{}: OK", path.display());
            println!("  listen: {}", built.settings.listen);
            for line in &built.summary {
                println!("  {line}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn serve(config: Option<PathBuf>, listen: Option<SocketAddr>) -> ExitCode {
    let cfg = match &config {
        Some(path) => match Config::load(path) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("requesty-router: error: {e}");
                return ExitCode::from(1);
            }
        },
        None => Config::embedded(),
    };
    let mut built = match cfg.build(&env) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("requesty-router: error: {e}");
            return ExitCode::from(1);
        }
    };
    if let Some(l) = listen {
        built.settings.listen = l;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("requesty-router: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(async move {
        let server = match Server::bind(built.router, built.settings).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!(
                    "requesty-router: {}",
                    e.to_string().trim_start_matches("configuration error: ")
                );
                return ExitCode::from(1);
            }
        };
        let addr = server.local_addr();
        println!(
            "requesty-router {} listening on http://{addr}/v1 ({})",
            env!("CARGO_PKG_VERSION"),
            if cfg.is_embedded() {
                "embedded defaults".to_owned()
            } else {
                format!(
                    "config {}",
                    config
                        .as_deref()
                        .unwrap_or_else(|| std::path::Path::new("?"))
                        .display()
                )
            }
        );
        for line in &built.summary {
            println!("  {line}");
        }
        for w in &built.warnings {
            println!("  warning: {w}");
        }
        if server.is_open() {
            println!(
                "  note: no client keys are configured, so any bearer token is accepted; \
                 this is allowed on loopback addresses only"
            );
        }
        let _ = std::io::stdout().flush();
        let report = server.run_until(shutdown_signal()).await;
        eprintln!(
            "requesty-router: stopped ({}; logs {}; {} records written, {} dropped)",
            if report.drained {
                "every request finished"
            } else {
                "requests still running after the grace period were ended"
            },
            if report.flushed {
                "flushed"
            } else {
                "NOT fully flushed (timeout)"
            },
            report.log_stats.processed,
            report.log_stats.dropped + report.log_stats.sink_dropped,
        );
        if report.flushed {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        }
    })
}

/// Ctrl-C or SIGTERM; a second one exits at once.
async fn shutdown_signal() {
    wait_signal().await;
    eprintln!(
        "requesty-router: shutting down (finishing in-flight requests; signal again to exit now)"
    );
    tokio::spawn(async {
        wait_signal().await;
        eprintln!("requesty-router: exiting now");
        std::process::exit(130);
    });
}

async fn wait_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
