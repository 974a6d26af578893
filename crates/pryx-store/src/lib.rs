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
//! - [`parse_skill_md`]: the `SKILL.md` format as a pure function.
//!
//! Every write goes through one atomic-write routine (temporary file, flush, rename, directory
//! flush). Blocking file work runs on tokio's blocking pool. The file formats are those of the
//! upstream Pryx runtime, so the runtime and this host can share a data directory.

mod atomic;
mod config_file;
mod defaults;
mod enabled;
mod error;
mod probe;
mod roots;
mod scan;
mod skill_dirs;
mod skill_index;
mod skill_md;
mod token_file;

pub use config_file::{CONFIG_FILE_NAME, FileConfigStore};
pub use defaults::default_config;
pub use probe::{EnvLookup, MachineProbe};
pub use roots::{
    ENV_BUNDLED_SKILLS_DIR, ENV_MANAGED_SKILLS_DIR, ENV_SKILLS_CONFIG_PATH, ENV_WORKSPACE_ROOT,
    SKILLS_FILE_NAME, SkillRoots,
};
pub use skill_dirs::SkillDirectories;
pub use skill_index::REFRESH_INTERVAL;
pub use skill_md::{MAX_SKILL_ID_LEN, SkillDoc, SkillDocError, check_skill_id, parse_skill_md};
pub use token_file::{TOKEN_FILE_NAME, TokenFile};
