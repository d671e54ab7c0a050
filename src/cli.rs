//! The command line: `serve` (default), `migrate`, `openapi`, `admin create-client`, `audit verify`,
//! `rotate-data-key`, `purge`.

use clap::{Parser, Subcommand, ValueEnum};

use crate::auth::Role;
use crate::config::Config;
use crate::crypto::PiiCipher;
use crate::service::audit::{self, Actor, ChainCheck};
use crate::service::{keys, partners, retention};
use crate::startup::{Application, prepare_database};

#[derive(Debug, Parser)]
#[command(
    name = "prakerja-api",
    version,
    about = "Partner integration API of a Prakerja-style training-voucher program"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document (what openapi/openapi.json holds).
    Openapi,
    /// Administration.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Re-encrypt personal data under PRAKERJA_DATA_KEY_ID (old keys must still be in PRAKERJA_DATA_KEYS).
    RotateDataKey {
        #[arg(long, default_value_t = 500)]
        batch_size: i64,
    },
    /// Delete what retention windows no longer keep, once.
    Purge,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a client; prints its id and secret once.
    CreateClient {
        #[arg(long)]
        kind: ClientKind,
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain; names the first broken link. Exit code 1 when broken.
    Verify,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ClientKind {
    Admin,
    Platform,
    Lpk,
}

pub async fn run(cli: Cli) -> Result<(), String> {
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Openapi = command {
        print!("{}", crate::openapi::spec_json());
        return Ok(());
    }
    let config = Config::from_env().map_err(|e| e.to_string())?;
    crate::telemetry::init(config.log_json);
    match command {
        Command::Serve => {
            let app = Application::build(config).await?;
            app.run_until_stopped().await.map_err(|e| e.to_string())
        }
        Command::Migrate => prepare_database(&config)
            .await
            .map(|_| println!("migrations up to date")),
        Command::Openapi => Ok(()),
        Command::Admin {
            command: AdminCommand::CreateClient { kind, name },
        } => {
            let role = match kind {
                ClientKind::Admin => Role::Admin,
                ClientKind::Platform => Role::Platform,
                ClientKind::Lpk => Role::Lpk,
            };
            let creds = blocking(&config, move |c, _| {
                partners::create(c, &Actor::system("cli"), &name, role, None)
            })
            .await?;
            println!("partner_id:    {}", creds.partner_id);
            println!("client_id:     {}", creds.client_id);
            println!(
                "client_secret: {}  (shown once: store it now)",
                creds.client_secret
            );
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let check = blocking(&config, |c, _| {
                audit::verify(c, |seq| eprintln!("verified up to event {seq}"))
            })
            .await?;
            match check {
                ChainCheck::Intact { events, head } => {
                    println!("audit chain intact: {events} events, head {head}");
                    Ok(())
                }
                ChainCheck::Broken { seq, reason } => {
                    Err(format!("audit chain broken at event {seq}: {reason}"))
                }
            }
        }
        Command::RotateDataKey { batch_size } => {
            let n = blocking(&config, move |c, cipher| {
                keys::rotate(c, cipher, batch_size.clamp(1, 10_000), |seen, done| {
                    eprintln!("checked {seen} holders, re-encrypted {done}")
                })
            })
            .await?;
            println!(
                "re-encrypted {n} holders under key {:?}",
                config.data_key_id
            );
            Ok(())
        }
        Command::Purge => {
            let windows = retention::Windows::from_config(&config);
            let purged = blocking(&config, move |c, _| retention::purge(c, windows)).await?;
            println!("{purged:?}");
            Ok(())
        }
    }
}

/// Runs a service call on a migrated database, off the async runtime.
async fn blocking<T: Send + 'static>(
    config: &Config,
    f: impl FnOnce(&mut crate::db::DbConn, &PiiCipher) -> Result<T, crate::error::ApiError>
    + Send
    + 'static,
) -> Result<T, String> {
    let pool = prepare_database(config).await?;
    let cipher = PiiCipher::from_config(config);
    crate::db::run(&pool, move |c| f(c, &cipher))
        .await
        .map_err(|e| e.to_string())
}
