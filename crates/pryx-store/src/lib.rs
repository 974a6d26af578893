//! # pryx-store
//!
//! Local file-system adapters of two ports of [`pryx_core_api`]:
//!
//! - [`FileConfigStore`] ([`ConfigStore`](pryx_core_api::ConfigStore)): the runtime's
//!   `config.yaml` in the data directory, with content-hash revisions, conditional atomic
//!   writes and complete defaults ([`default_config`]) for a fresh install.
//! - [`SkillDirectories`] ([`SkillRegistry`](pryx_core_api::SkillRegistry)): `SKILL.md` files
//!   under the bundled, managed and workspace roots ([`SkillRoots`]), the enabled set in
//!   `skills.yaml`, and eligibility checked against a [`MachineProbe`].
//! - [`TokenFile`]: `admin.token`, the per-install admin secret (mode `0600`).
//! - [`DataDir`]: the data directory, refused when another user could have planted files in it
//!   (the checks ssh makes), and [`HostLock`]: one host per data directory, `runtime.port`.
//! - [`parse_skill_md`]: the `SKILL.md` format as a pure function.
//!
//! Every write is atomic (temporary file, flush, rename, directory flush); `config.yaml` and
//! `skills.yaml` are replaced only while they still hold the version a write was based on, and
//! the replaced version is kept in `history/` beside them. Blocking file work runs on tokio's blocking pool. The file formats are those of the
//! upstream Pryx runtime, so the runtime and this host can share a data directory.

mod atomic;
mod config_file;
mod data_dir;
mod defaults;
mod enabled;
mod error;
mod history;
mod probe;
mod read;
mod replace;
mod roots;
mod scan;
mod skill_dirs;
mod skill_index;
mod skill_md;
mod token_file;
mod trust;

pub use config_file::{CONFIG_FILE_NAME, FileConfigStore};
pub use data_dir::{DataDir, HostLock, LOCK_FILE_NAME, PORT_FILE_NAME};
pub use defaults::{RevisionKey, default_config};
pub use error::StoreError;
pub use history::DEFAULT_HISTORY_LEN;
pub use probe::{EnvLookup, MachineProbe};
pub use read::MAX_DOCUMENT_LEN;
pub use roots::{
    ENV_BUNDLED_SKILLS_DIR, ENV_MANAGED_SKILLS_DIR, ENV_SKILLS_CONFIG_PATH, ENV_WORKSPACE_ROOT,
    SKILLS_FILE_NAME, SkillRoots,
};
pub use skill_dirs::SkillDirectories;
pub use skill_index::REFRESH_INTERVAL;
pub use skill_md::{MAX_SKILL_ID_LEN, SkillDoc, SkillDocError, check_skill_id, parse_skill_md};
pub use token_file::{TOKEN_FILE_NAME, TokenFile};
