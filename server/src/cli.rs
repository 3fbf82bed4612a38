//! The command line: with no command the server serves the site;
//! `create-support-user` makes a support account (SPEC.md §6).

use std::io::{BufRead, IsTerminal, Write};

use clap::{Parser, Subcommand};
use threshold_core::{
    accounts::{create_support_user, RegistrationError, RegistrationForm},
    rules::{login_name::login_key, AccountType},
    second_factor::issue_enrolment_link,
    store::Store,
    Services,
};

use crate::config::Config;

#[derive(Debug, Parser)]
#[command(
    name = "server",
    about = "The Threshold server. With no command it serves the site (see README.md for its settings)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Creates a support user. The password is read from standard input
    /// (typed unseen at a terminal, or piped in); the registration rules
    /// apply to every value.
    CreateSupportUser {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
        #[arg(long = "first-name")]
        first_name: String,
        #[arg(long)]
        surname: String,
    },
    /// Prints a new one-time enrolment link for an existing support user
    /// (their second factor lost, and no other support user to reset it):
    /// the links before it stop working.
    EnrolSupportUser {
        #[arg(long)]
        username: String,
    },
}

pub async fn run(command: Command) -> Result<(), String> {
    match command {
        Command::CreateSupportUser {
            username,
            email,
            first_name,
            surname,
        } => {
            let password = read_password(&username)?;
            let services = services().await?;
            let form = RegistrationForm {
                first_name,
                surname,
                email,
                username,
                password,
                ..RegistrationForm::default()
            };
            let created = create_support_user(&services, &form)
                .await
                .map_err(|error| refusal(&error))?;
            println!(
                "Support user {} created (account {}).",
                created.username, created.account_id
            );
            print_enrolment_link(&services, created.account_id).await
        }
        Command::EnrolSupportUser { username } => {
            let services = services().await?;
            let account = services
                .store
                .login_account(&login_key(&username))
                .await
                .map_err(|error| format!("cannot read the database: {error}"))?
                .filter(|account| account.account_type == AccountType::Support.as_str())
                .ok_or_else(|| format!("there is no support user {username}"))?;
            print_enrolment_link(&services, account.id).await
        }
    }
}

/// The services the commands use, on the configured database, with links
/// pointing at the configured site.
async fn services() -> Result<Services, String> {
    let config = Config::from_env().map_err(|error| error.to_string())?;
    let store = Store::connect(&config.database_url)
        .await
        .map_err(|error| format!("cannot open the database: {error}"))?;
    let mut services = Services::new(store, config.hash_cost)
        .map_err(|error| format!("cannot set up password hashing: {error}"))?;
    services.site_url = config.site_url;
    Ok(services)
}

async fn print_enrolment_link(services: &Services, account_id: i64) -> Result<(), String> {
    let link = issue_enrolment_link(services, account_id, None)
        .await
        .map_err(|error| format!("cannot make the enrolment link: {error}"))?;
    println!(
        "Before the support console opens, they set up a second step (a passkey or an \
         authenticator app): they log in, then open this link. It works once, within 24 hours.\n{link}"
    );
    Ok(())
}

/// One line from standard input, without its line ending; unseen when
/// typed at a terminal.
fn read_password(username: &str) -> Result<String, String> {
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(format!("Password for {username}: "))
            .map_err(|error| format!("cannot read the password: {error}"));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|error| format!("cannot read the password from standard input: {error}"))?;
    let _ = std::io::stdout().flush();
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn refusal(error: &RegistrationError) -> String {
    match error {
        RegistrationError::Invalid(problems) => {
            let lines: Vec<String> = problems
                .iter()
                .map(|problem| format!("  {:?}: {}", problem.field, problem.message))
                .collect();
            format!("the support user was not created:\n{}", lines.join("\n"))
        }
        other => format!("the support user was not created: {other}"),
    }
}
