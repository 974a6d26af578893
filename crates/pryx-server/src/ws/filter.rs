//! Which events a client receives: event-name patterns plus optional session and surface
//! filters. Owned by the connection's writer, so matching takes no lock.

use pryx_core_api::Event;

/// The most patterns one connection may hold.
pub(crate) const MAX_PATTERNS: usize = 64;
/// The longest pattern accepted.
const MAX_PATTERN_LEN: usize = 128;

/// One subscription pattern: `*`, an exact name, or a family prefix like `config.*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// Every event.
    All,
    /// Exactly this name.
    Exact(String),
    /// This name (without the `.*`) and every name below it.
    Prefix(String),
}

impl Pattern {
    /// Parses `*`, `name` or `prefix.*`; names are letters, digits and `_ - : .`.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text == "*" {
            return Ok(Pattern::All);
        }
        let (name, prefix) = match text.strip_suffix(".*") {
            Some(name) => (name, true),
            None => (text, false),
        };
        let valid_char = |c: char| c.is_ascii_alphanumeric() || "_-:.".contains(c);
        if name.is_empty()
            || text.len() > MAX_PATTERN_LEN
            || !name.chars().all(valid_char)
            || name.starts_with('.')
            || name.ends_with('.')
        {
            return Err(format!(
                "{text:?} is not an event pattern: use `*`, a name like `config.changed`, \
                 or a prefix like `config.*`"
            ));
        }
        Ok(if prefix {
            Pattern::Prefix(name.to_owned())
        } else {
            Pattern::Exact(name.to_owned())
        })
    }

    fn matches(&self, name: &str) -> bool {
        match self {
            Pattern::All => true,
            Pattern::Exact(exact) => name == exact,
            Pattern::Prefix(prefix) => name
                .strip_prefix(prefix.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.')),
        }
    }

    /// The pattern as a client writes it.
    pub(crate) fn text(&self) -> String {
        match self {
            Pattern::All => "*".to_owned(),
            Pattern::Exact(name) => name.clone(),
            Pattern::Prefix(prefix) => format!("{prefix}.*"),
        }
    }
}

/// Parses every pattern, failing on the first bad one.
pub(crate) fn parse_all<S: AsRef<str>>(texts: &[S]) -> Result<Vec<Pattern>, String> {
    texts.iter().map(|t| Pattern::parse(t.as_ref())).collect()
}

/// What one connection wants to see.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filter {
    patterns: Vec<Pattern>,
    /// Only events of this session (events without a session always pass).
    pub session_id: Option<String>,
    /// Only events whose payload has this `surface` (events without one always pass).
    pub surface: Option<String>,
}

impl Filter {
    /// A filter with `patterns`; none means every event.
    pub(crate) fn new(patterns: Vec<Pattern>) -> Result<Self, String> {
        let mut filter = Filter::default();
        if patterns.is_empty() {
            filter.patterns.push(Pattern::All);
        } else {
            filter.add(patterns)?;
        }
        Ok(filter)
    }

    /// Adds patterns (duplicates are ignored); refuses, changing nothing, to grow past
    /// [`MAX_PATTERNS`].
    pub(crate) fn add(&mut self, patterns: Vec<Pattern>) -> Result<(), String> {
        let mut next = self.patterns.clone();
        for pattern in patterns {
            if !next.contains(&pattern) {
                next.push(pattern);
            }
        }
        if next.len() > MAX_PATTERNS {
            return Err(format!(
                "at most {MAX_PATTERNS} subscriptions per connection"
            ));
        }
        self.patterns = next;
        Ok(())
    }

    /// Replaces every pattern (changing nothing when the new set is refused).
    pub(crate) fn replace(&mut self, patterns: Vec<Pattern>) -> Result<(), String> {
        let keep = std::mem::take(&mut self.patterns);
        self.add(patterns).inspect_err(|_| self.patterns = keep)
    }

    /// Removes patterns (exactly as subscribed: removing `config.*` keeps `config.changed`).
    pub(crate) fn remove(&mut self, patterns: &[Pattern]) {
        self.patterns.retain(|p| !patterns.contains(p));
    }

    /// The patterns, as a client writes them.
    pub(crate) fn names(&self) -> Vec<String> {
        self.patterns.iter().map(Pattern::text).collect()
    }

    /// Whether the client wants `event`.
    pub(crate) fn matches(&self, event: &Event) -> bool {
        if let (Some(want), Some(got)) = (&self.session_id, &event.session_id) {
            if want != got {
                return false;
            }
        }
        if let Some(want) = &self.surface {
            let got = event
                .payload
                .as_map()
                .and_then(|m| m.get("surface"))
                .and_then(|s| s.as_str());
            if got.is_some_and(|got| got != want) {
                return false;
            }
        }
        self.patterns.iter().any(|p| p.matches(&event.name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pryx_core_api::Value;

    fn filter(patterns: &[&str]) -> Filter {
        Filter::new(parse_all(patterns).unwrap()).unwrap()
    }

    fn event(name: &str) -> Event {
        Event::new(name, Value::Null)
    }

    #[test]
    fn patterns_match_exact_names_and_families() {
        let f = filter(&["config.*", "health"]);
        assert!(f.matches(&event("config.changed")));
        assert!(f.matches(&event("config")));
        assert!(f.matches(&event("health")));
        assert!(!f.matches(&event("configx.changed")));
        assert!(!f.matches(&event("health.x")));
        assert!(!f.matches(&event("skills.changed")));
        assert!(filter(&[]).matches(&event("anything")));
        assert!(filter(&["*"]).matches(&event("anything")));
    }

    #[test]
    fn bad_patterns_are_refused() {
        for bad in ["", "config*", ".*", "a b", "a.", "*.x", "a.**"] {
            assert!(Pattern::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Pattern::parse("tool.*").unwrap().text(), "tool.*");
    }

    #[test]
    fn session_and_surface_filters_pass_events_without_either() {
        let mut f = filter(&["*"]);
        f.session_id = Some("s1".into());
        f.surface = Some("tui".into());
        let mut mine = event("session.message");
        mine.session_id = Some("s1".into());
        let mut other = mine.clone();
        other.session_id = Some("s2".into());
        assert!(f.matches(&mine));
        assert!(!f.matches(&other));
        assert!(f.matches(&event("config.changed")));
        let web = Event::new("x", Value::map([("surface", Value::from("web"))]));
        assert!(!f.matches(&web));
    }

    #[test]
    fn subscriptions_are_capped_and_removable() {
        let mut f = filter(&["a"]);
        let many: Vec<_> = (0..MAX_PATTERNS)
            .map(|i| Pattern::Exact(format!("e{i}")))
            .collect();
        assert!(f.add(many).is_err());
        assert_eq!(f.names(), ["a"], "a refused add changes nothing");
        f.replace(parse_all(&["b", "c.*"]).unwrap()).unwrap();
        f.remove(&parse_all(&["b"]).unwrap());
        assert_eq!(f.names(), ["c.*"]);
    }
}
