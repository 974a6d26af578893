//! The command line: every subcommand and flag, with help a person can act on.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::watch::WatchArgs;

/// Pryx: run the local Pryx host and drive it.
///
/// Without a subcommand, `pryx` makes sure a host runs for the data directory (reusing the
/// running one, or starting `pryx-core` in the background) and opens the web UI in your
/// browser, logged in. Every subcommand talks to that host through its admin API with the
/// token in the data directory. Exit codes are stable (see `docs/cli.md`): 3 means no host is
/// running, 4 a token problem, 5 not found, 6 a conflict, 7 invalid, 8 the agent runtime, 9 a
/// feature this host lacks, 10 problems found.
#[derive(Debug, Parser)]
#[command(name = "pryx", version, about, long_about)]
pub struct Cli {
    /// The data directory: config.yaml, skills, admin.token, host.lock [default: ~/.pryx].
    #[arg(long, global = true, env = "PRYX_HOME", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print one JSON document on stdout (errors too: `{"error": {...}}`), for scripts.
    #[arg(long, global = true)]
    pub json: bool,
    /// How to start the host when none runs (only without a subcommand).
    #[command(flatten)]
    pub start: StartArgs,
    /// Do not open the browser; print the login URL only.
    #[arg(long)]
    pub no_open: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// How `pryx` starts `pryx-core` (and how a service unit runs it).
#[derive(Debug, Clone, Default, Args)]
pub struct StartArgs {
    /// The port for a host started now (0: any free port) [default: pryx-core's, 42424].
    #[arg(long, env = "PRYX_PORT")]
    pub port: Option<u16>,
    /// The agent runtime program the host supervises (a path or a name on PATH).
    #[arg(long, env = "PRYX_RUNTIME", value_name = "PROGRAM")]
    pub runtime: Option<PathBuf>,
    /// An argument for the runtime program. Repeatable.
    #[arg(long = "runtime-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub runtime_args: Vec<String>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show whether a host runs for this data directory, where, and the state of its parts.
    Status,
    /// Open the web UI of the running host in the browser, logged in through a fresh
    /// one-time code (valid 60 s, single use).
    Open {
        /// Print the login URL instead of opening the browser.
        #[arg(long)]
        no_open: bool,
    },
    /// List, inspect, enable or disable skills.
    #[command(subcommand)]
    Skills(SkillsCommand),
    /// Read, change, edit, validate, and restore the runtime's config.yaml.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// List the providers the agent runtime offers.
    Providers,
    /// List the models of one provider, or of every provider.
    Models {
        /// A provider id (see `pryx providers`); all providers when omitted.
        provider: Option<String>,
    },
    /// The agent runtime's MCP tools.
    #[command(subcommand)]
    Mcp(McpCommand),
    /// Print the host's recent log lines; with --follow, keep printing new ones.
    Logs {
        /// Keep printing new lines as they come (Ctrl-C stops).
        #[arg(long, short)]
        follow: bool,
        /// How many recent lines to print.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Print the host's live events, one line each, reconnecting (and catching up) when the
    /// connection drops. Ctrl-C stops.
    Watch(WatchArgs),
    /// Send one message to the agent and print its reply as it streams; tool approvals are
    /// asked on the terminal.
    Chat(ChatArgs),
    /// Control the agent runtime the host supervises.
    #[command(subcommand)]
    Runtime(RuntimeCommand),
    /// Check for and apply an update of the host.
    #[command(subcommand)]
    Update(UpdateCommand),
    /// Stop the host of this data directory cleanly (SIGTERM) and wait until it has exited.
    Stop {
        /// Seconds to wait for the host to exit.
        #[arg(long, default_value_t = 20)]
        timeout: u64,
    },
    /// Check the data directory, token, port, lock, runtime, config, skills and telemetry;
    /// each problem comes with the command that fixes it.
    Doctor {
        /// Fix what can be fixed safely (modes, stale files), after backing up what changes
        /// into <data-dir>/backups/.
        #[arg(long)]
        fix: bool,
    },
    /// Run the host as a login service (systemd user unit on Linux, launchd agent on macOS).
    #[command(subcommand)]
    Service(ServiceCommand),
    /// Print a shell completion script (e.g. `pryx completions bash > ~/.local/share/bash-completion/completions/pryx`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `pryx skills ...`
#[derive(Debug, Subcommand)]
pub enum SkillsCommand {
    /// Every skill found, with its state and what it lacks.
    List,
    /// One skill in full.
    Show {
        /// The skill's id.
        id: String,
    },
    /// Enable a skill (stored in skills.yaml).
    Enable {
        /// The skill's id.
        id: String,
    },
    /// Disable a skill.
    Disable {
        /// The skill's id.
        id: String,
    },
}

/// `pryx config ...`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the config (secrets redacted), or one value by dotted key (`model_name`).
    Get {
        /// A dotted key; the whole document when omitted.
        key: Option<String>,
    },
    /// Set one value by dotted key. VALUE is read as JSON when it parses (`true`, `3`,
    /// `["a"]`), else as text; `null` removes the key.
    Set {
        /// A dotted key (`channels.telegram.enabled`).
        key: String,
        /// The new value.
        value: String,
        /// Take VALUE as text even when it parses as JSON.
        #[arg(long)]
        string: bool,
    },
    /// Edit the config in $EDITOR (as YAML) and write it back only if nobody changed it
    /// meanwhile; a conflict is shown, never overwritten.
    Edit,
    /// Check config.yaml (or FILE) offline against the rules the host applies.
    Validate {
        /// The file to check [default: <data-dir>/config.yaml].
        file: Option<PathBuf>,
    },
    /// List the kept versions of the config, or show one.
    History {
        /// A version id from the list.
        id: Option<String>,
    },
    /// Make a kept version the config again (the current one is kept in turn).
    Restore {
        /// A version id from `pryx config history`.
        id: String,
    },
}

/// `pryx mcp ...`
#[derive(Debug, Subcommand)]
pub enum McpCommand {
    /// List the MCP tools the runtime offers.
    Tools,
}

/// `pryx runtime ...`
#[derive(Debug, Subcommand)]
pub enum RuntimeCommand {
    /// Start the agent runtime again with a fresh restart budget (also after it failed).
    Restart,
}

/// `pryx update ...`
#[derive(Debug, Subcommand)]
pub enum UpdateCommand {
    /// Show the current and the available version.
    Check,
    /// Download, verify and install the available version, then restart the host.
    Apply {
        /// Accept an older version than the running one.
        #[arg(long)]
        allow_downgrade: bool,
    },
}

/// `pryx service ...`
#[derive(Debug, Subcommand)]
pub enum ServiceCommand {
    /// Install (and start) the host as a service of your login session.
    Install {
        /// How the service runs the host.
        #[command(flatten)]
        start: StartArgs,
        /// Only write the unit/agent file; do not call systemctl/launchctl.
        #[arg(long)]
        files_only: bool,
    },
    /// Stop and remove the service.
    Uninstall {
        /// Only remove the file; do not call systemctl/launchctl.
        #[arg(long)]
        files_only: bool,
    },
    /// Whether the service is installed and running, and which data dir and binary it uses.
    Status,
}

/// `pryx chat` options.
#[derive(Debug, Args)]
pub struct ChatArgs {
    /// The message.
    pub message: String,
    /// The agent session to talk in [default: a new one].
    #[arg(long)]
    pub session: Option<String>,
    /// Approve every tool request without asking.
    #[arg(long, conflicts_with = "deny")]
    pub yes: bool,
    /// Deny every tool request without asking.
    #[arg(long)]
    pub deny: bool,
    /// Give up after this many seconds without the reply finishing.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
}
