//! Pausing export when the config says so, without a restart: an opt-out saved through the host
//! stops everything leaving the machine at once; settings that need new exporters wait for the
//! next start, and health says so.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use super::settings::{ExportSettings, Resolved};

/// Whether export is paused, and why. Shared by the HTTP client (which sends nothing while
/// paused) and health.
#[derive(Debug, Default)]
pub struct ExportSwitch {
    paused: AtomicBool,
    reason: Mutex<Option<String>>,
}

impl ExportSwitch {
    /// True while nothing may be sent.
    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::Acquire)
    }

    /// Why export is paused, when it is.
    pub fn reason(&self) -> Option<String> {
        if !self.is_paused() {
            return None;
        }
        self.reason
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Applies a decision of [`decide`]: `Some(reason)` pauses, `None` resumes.
    pub fn set(&self, pause: Option<String>) {
        let mut reason = self.reason.lock().unwrap_or_else(|p| p.into_inner());
        self.paused.store(pause.is_some(), Ordering::Release);
        *reason = pause;
    }
}

/// What export running with `current` does once the settings read again are `resolved`:
/// `None` exports (the same settings), `Some(reason)` pauses — export was turned off, or the
/// settings changed and new exporters need a restart (export never goes on to an endpoint the
/// person moved away from).
pub fn decide(current: &ExportSettings, resolved: Resolved) -> Option<String> {
    match resolved {
        Resolved::Off(reason) => Some(reason),
        Resolved::On(settings) if settings == *current => None,
        Resolved::On(_) => Some(
            "the telemetry settings changed: restart the host to export with the new ones".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_pauses_the_same_settings_resume_new_ones_wait_for_a_restart() {
        let current = ExportSettings::new("https://t.example.dev");
        let off = decide(&current, Resolved::Off("telemetry.enabled is false".into()));
        assert_eq!(off.as_deref(), Some("telemetry.enabled is false"));
        assert_eq!(decide(&current, Resolved::On(current.clone())), None);
        let moved = decide(
            &current,
            Resolved::On(ExportSettings::new("https://elsewhere.example.dev")),
        );
        assert!(moved.unwrap().contains("restart"));

        let switch = ExportSwitch::default();
        assert!(!switch.is_paused() && switch.reason().is_none());
        switch.set(off);
        assert!(switch.is_paused());
        assert_eq!(
            switch.reason().as_deref(),
            Some("telemetry.enabled is false")
        );
        switch.set(None);
        assert!(!switch.is_paused() && switch.reason().is_none());
    }
}
