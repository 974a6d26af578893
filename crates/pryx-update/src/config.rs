//! What the updater is configured with: endpoints, the trusted key, this platform, limits.
//!
//! The endpoints and the key come from the build ([`DEFAULT_ENDPOINTS`], [`DEFAULT_PUBKEY`])
//! unless the composition root overrides them from a flag or the environment. Nothing the admin
//! API or `config.yaml` can write reaches this struct.

use std::path::PathBuf;
use std::time::Duration;

use crate::error::UpdateError;

/// The endpoints compiled in: `PRYX_UPDATE_DEFAULT_ENDPOINTS` at build time (comma-separated),
/// else the project's release manifest.
pub const DEFAULT_ENDPOINTS: &str = match option_env!("PRYX_UPDATE_DEFAULT_ENDPOINTS") {
    Some(endpoints) => endpoints,
    None => "https://github.com/pryx-co/pryx-host/releases/latest/download/pryx-core-latest.json",
};

/// The public key compiled in: `PRYX_UPDATE_DEFAULT_PUBKEY` at build time (Tauri's format),
/// else none — and without a key the updater refuses everything.
pub const DEFAULT_PUBKEY: Option<&str> = option_env!("PRYX_UPDATE_DEFAULT_PUBKEY");

/// The platform an update is looked up for, in the names Tauri's updater uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// The OS: `linux`, `darwin` or `windows` (`{{target}}`).
    pub target: String,
    /// The CPU: `x86_64`, `aarch64`, `i686`, `armv7` (`{{arch}}`).
    pub arch: String,
    /// The kind of artifact this program installs (`{{bundle_type}}`); `bin` for the headless
    /// host's binary (bare or in a `.tar.gz`).
    pub bundle_type: String,
}

impl Platform {
    /// The platform this program was built for, with bundle type `bin`.
    pub fn current() -> Self {
        let target = match std::env::consts::OS {
            "macos" => "darwin",
            other => other,
        };
        let arch = match std::env::consts::ARCH {
            "x86" => "i686",
            "arm" => "armv7",
            other => other,
        };
        Self {
            target: target.to_owned(),
            arch: arch.to_owned(),
            bundle_type: "bin".to_owned(),
        }
    }

    /// `{target}-{arch}`, e.g. `linux-x86_64`.
    pub fn name(&self) -> String {
        format!("{}-{}", self.target, self.arch)
    }

    /// The keys looked up in a static manifest's `platforms`, most specific first:
    /// `linux-x86_64-bin`, then `linux-x86_64`.
    pub fn manifest_keys(&self) -> Vec<String> {
        vec![format!("{}-{}", self.name(), self.bundle_type), self.name()]
    }
}

/// Everything the updater needs.
#[derive(Debug, Clone)]
pub struct UpdaterConfig {
    /// Manifest URLs, tried in order; `{{target}}`, `{{arch}}`, `{{current_version}}` and
    /// `{{bundle_type}}` are filled in. `https://`, or `http://` to a loopback host only.
    pub endpoints: Vec<String>,
    /// The trusted public key: the contents of a `.pub` file made by `tauri signer generate`
    /// (base64 of a minisign public key file), or minisign's own format. `None`: no updates.
    pub pubkey: Option<String>,
    /// The version running now (semver).
    pub current_version: String,
    /// The binary to replace (resolved once at start: after a swap, the running process's own
    /// path may point at the kept old copy).
    pub executable: PathBuf,
    /// The platform to ask for.
    pub platform: Platform,
    /// The largest manifest accepted.
    pub max_manifest_bytes: u64,
    /// The largest artifact accepted (download and unpacked binary alike).
    pub max_artifact_bytes: u64,
    /// How long a manifest request may take.
    pub manifest_timeout: Duration,
    /// How long the artifact download may take.
    pub download_timeout: Duration,
    /// Arguments the new binary is run with before it is swapped in; it must exit 0 within
    /// [`UpdaterConfig::probe_timeout`]. `None`: not run.
    pub probe_args: Option<Vec<String>>,
    /// How long the probe may take.
    pub probe_timeout: Duration,
}

impl UpdaterConfig {
    /// The build's defaults for a binary at `executable` running `current_version`.
    pub fn new(current_version: impl Into<String>, executable: impl Into<PathBuf>) -> Self {
        Self {
            endpoints: split_endpoints(DEFAULT_ENDPOINTS),
            pubkey: DEFAULT_PUBKEY.map(str::to_owned),
            current_version: current_version.into(),
            executable: executable.into(),
            platform: Platform::current(),
            max_manifest_bytes: 1024 * 1024,
            max_artifact_bytes: 256 * 1024 * 1024,
            manifest_timeout: Duration::from_secs(30),
            download_timeout: Duration::from_secs(600),
            probe_args: Some(vec!["--version".to_owned()]),
            probe_timeout: Duration::from_secs(10),
        }
    }

    /// Replaces the endpoints (e.g. from `--update-endpoint`); an empty list keeps the defaults.
    pub fn with_endpoints(mut self, endpoints: Vec<String>) -> Self {
        let endpoints: Vec<String> = endpoints.iter().flat_map(|e| split_endpoints(e)).collect();
        if !endpoints.is_empty() {
            self.endpoints = endpoints;
        }
        self
    }

    /// Replaces the trusted key (e.g. from `--update-pubkey`); `None` keeps the default.
    pub fn with_pubkey(mut self, pubkey: Option<String>) -> Self {
        if let Some(key) = pubkey.filter(|k| !k.trim().is_empty()) {
            self.pubkey = Some(key);
        }
        self
    }

    /// The endpoints with the variables filled in, each checked to be usable.
    pub(crate) fn resolved_endpoints(&self) -> Result<Vec<String>, UpdateError> {
        if self.endpoints.is_empty() {
            return Err(UpdateError::NotConfigured(
                "no update endpoint is configured; pass --update-endpoint or set PRYX_UPDATE_ENDPOINT".into(),
            ));
        }
        self.endpoints
            .iter()
            .map(|e| {
                let url = self.fill(e);
                check_transport(&url)?;
                Ok(url)
            })
            .collect()
    }

    fn fill(&self, template: &str) -> String {
        template
            .replace("{{current_version}}", &self.current_version)
            .replace("{{target}}", &self.platform.target)
            .replace("{{arch}}", &self.platform.arch)
            .replace("{{bundle_type}}", &self.platform.bundle_type)
    }
}

fn split_endpoints(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `https://` anywhere; `http://` only to this machine (tests, a local mirror): a plain-HTTP
/// manifest elsewhere could be swapped for a `204` that hides every update.
fn check_transport(url: &str) -> Result<(), UpdateError> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| UpdateError::NotConfigured(format!("update endpoint {url:?}: {e}")))?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        scheme => Err(UpdateError::NotConfigured(format!(
            "update endpoint {}: {scheme}:// is not allowed; use https:// (http:// only to this machine)",
            crate::fetch::display_url(&parsed)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(endpoint: &str) -> UpdaterConfig {
        let mut c =
            UpdaterConfig::new("1.2.3", "/tmp/pryx-core").with_endpoints(vec![endpoint.into()]);
        c.platform = Platform {
            target: "linux".into(),
            arch: "x86_64".into(),
            bundle_type: "bin".into(),
        };
        c
    }

    #[test]
    fn every_variable_is_filled_in() {
        let c =
            config("https://u.example/{{target}}/{{arch}}/{{current_version}}?b={{bundle_type}}");
        assert_eq!(
            c.resolved_endpoints().unwrap(),
            ["https://u.example/linux/x86_64/1.2.3?b=bin"]
        );
    }

    #[test]
    fn plain_http_is_refused_except_to_loopback() {
        assert!(
            config("http://127.0.0.1:9/m.json")
                .resolved_endpoints()
                .is_ok()
        );
        assert!(
            config("http://localhost:9/m.json")
                .resolved_endpoints()
                .is_ok()
        );
        let err = config("http://updates.example/m.json")
            .resolved_endpoints()
            .unwrap_err();
        assert!(matches!(err, UpdateError::NotConfigured(_)), "{err}");
        assert!(config("file:///etc/passwd").resolved_endpoints().is_err());
    }

    #[test]
    fn endpoints_split_on_commas_and_empty_overrides_keep_defaults() {
        let c = UpdaterConfig::new("1.0.0", "/x").with_endpoints(vec![
            "https://a.example/m.json, https://b.example/m.json".into(),
        ]);
        assert_eq!(c.endpoints.len(), 2);
        let d = UpdaterConfig::new("1.0.0", "/x").with_endpoints(vec![]);
        assert_eq!(d.endpoints, split_endpoints(DEFAULT_ENDPOINTS));
        let k = UpdaterConfig::new("1.0.0", "/x").with_pubkey(Some("  ".into()));
        assert_eq!(k.pubkey.as_deref(), DEFAULT_PUBKEY);
    }

    #[test]
    fn manifest_keys_go_from_specific_to_general() {
        let c = config("https://u.example/");
        assert_eq!(
            c.platform.manifest_keys(),
            ["linux-x86_64-bin", "linux-x86_64"]
        );
    }
}
