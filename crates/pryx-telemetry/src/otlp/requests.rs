//! Request counts, kept cheaply: one atomic per (method, route, status), found under a read
//! lock, reported at each metric collection as `http.server.requests`. Route and method names
//! are interned in bounded tables, so counting a request allocates nothing.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// Most distinct routes (the router's matched paths are few; this bounds a surprise).
const MAX_ROUTES: usize = 512;
/// Most rows (method × route × status).
const MAX_ROWS: usize = 4096;

const METHODS: &[&str] = &[
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE",
];

/// The method as a static name (`_OTHER` for anything non-standard, as OTel semconv says).
pub(crate) fn method_name(method: &str) -> &'static str {
    METHODS
        .iter()
        .find(|m| **m == method)
        .copied()
        .unwrap_or("_OTHER")
}

/// Interns route templates.
#[derive(Default)]
pub(crate) struct Routes(RwLock<HashMap<Box<str>, &'static str>>);

impl Routes {
    /// The route as a static name (`(other)` once the table is full).
    pub(crate) fn intern(&self, route: &str) -> &'static str {
        if let Some(r) = self.0.read().unwrap_or_else(|p| p.into_inner()).get(route) {
            return r;
        }
        let mut table = self.0.write().unwrap_or_else(|p| p.into_inner());
        if let Some(r) = table.get(route) {
            return r;
        }
        if table.len() >= MAX_ROUTES {
            return "(other)";
        }
        let leaked: &'static str = Box::leak(route.to_owned().into_boxed_str());
        table.insert(route.into(), leaked);
        leaked
    }
}

/// One row's key.
pub(crate) type RequestKey = (&'static str, &'static str, u16);

/// Requests counted by method, route and status.
#[derive(Default)]
pub(crate) struct RequestCounts(RwLock<HashMap<RequestKey, Arc<AtomicU64>>>);

impl RequestCounts {
    /// Counts one request.
    pub(crate) fn add(&self, key: RequestKey) {
        if let Some(c) = self.0.read().unwrap_or_else(|p| p.into_inner()).get(&key) {
            c.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let mut rows = self.0.write().unwrap_or_else(|p| p.into_inner());
        let key = if rows.len() >= MAX_ROWS && !rows.contains_key(&key) {
            ("_OTHER", "(other)", key.2)
        } else {
            key
        };
        rows.entry(key).or_default().fetch_add(1, Ordering::Relaxed);
    }

    /// Every row and its count.
    pub(crate) fn snapshot(&self) -> Vec<(RequestKey, u64)> {
        self.0
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(k, v)| (*k, v.load(Ordering::Relaxed)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_key_and_interns_routes() {
        let routes = Routes::default();
        let a = routes.intern("/api/v1/health");
        assert!(std::ptr::eq(a, routes.intern("/api/v1/health")));
        let counts = RequestCounts::default();
        for _ in 0..3 {
            counts.add((method_name("GET"), a, 200));
        }
        counts.add((method_name("BREW"), a, 405));
        let mut rows = counts.snapshot();
        rows.sort();
        assert_eq!(rows, [(("GET", a, 200), 3), (("_OTHER", a, 405), 1)]);
    }
}
