#!/usr/bin/env bash
# Runs every check and test of the project. Safe to run on a fresh machine: it installs what
# it needs (Rust components, Chromium, the UI's node packages) itself. CI (.ci/run) calls
# exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "toolchain components"
rustup component add rustfmt clippy >/dev/null 2>&1 || true

step "format"
cargo fmt --all -- --check

step "bench helpers (scripts/bench-lib.sh; the benchmark itself is not run here)"
./scripts/test-bench-lib.sh

# pryx-desktop needs the WebKitGTK dev libraries: it is linted, tested and driven in a real
# window by its own step below (scripts/test-desktop.sh), which installs them.
step "lint"
cargo clippy --workspace --exclude pryx-desktop --all-targets --locked -- -D warnings

step "tests (unit, adapters against real files and processes, HTTP against real sockets, doc examples)"
cargo test --workspace --exclude pryx-desktop --locked

step "web UI (lint, format, types, vitest, dist/ is current, bundle budget, e2e in Chromium)"
./scripts/test-ui.sh

step "desktop app (installs WebKitGTK + Xvfb if missing; clippy, tests, a real window under Xvfb)"
./scripts/test-desktop.sh

step "API fuzzing (schemathesis against the live host's OpenAPI document)"
cargo build -p pryx-harness --locked
./scripts/fuzz-api.sh

step "telemetry Worker (npm ci, biome lint and format, tsc, tests inside workerd)"
./workers/telemetry/test.sh

echo
echo "all checks passed"
