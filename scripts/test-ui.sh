#!/usr/bin/env bash
# The web UI's checks (local-web/): lint, format, types, unit tests, that the committed dist/
# is the build of the committed source, the bundle budget, and the end-to-end run in
# Debian's Chromium against the real pryx-core and the reference runtime. Installs what it
# needs (Chromium, the node packages) itself. Screenshots: target/ui-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v node >/dev/null || ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "local-web needs Node.js >= 20.19 (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

cd local-web
npm ci --no-audit --no-fund --loglevel=error
npm run --silent lint
npm run --silent format:check
npm run --silent typecheck
npm test --silent
npm run --silent check:dist
npm run --silent check:budget
(cd .. && cargo build -p pryx-core -p pryx-runtime-ref --locked --quiet)
npm run --silent e2e
