#!/usr/bin/env bash
# Every check of the telemetry Worker: installs its npm dependencies from package-lock.json,
# then lint and format (Biome), type check (tsc) and the tests inside workerd
# (@cloudflare/vitest-pool-workers; no Cloudflare account, no network past the registry).
# scripts/test.sh (and so CI) calls this.
set -euo pipefail
cd "$(dirname "$0")"

step() { printf '\n--> worker: %s\n' "$*"; }

step "npm ci"
npm ci --no-audit --no-fund --loglevel=error

step "lint and format (biome ci)"
npx --no-install biome ci --colors=off --error-on-warnings .

step "type check (tsc --noEmit)"
npx --no-install tsc --noEmit

step "tests inside workerd (vitest + @cloudflare/vitest-pool-workers)"
CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_SEND_METRICS=false npx --no-install vitest run

step "run-local.sh smoke (wrangler dev --local on loopback, export and read back with curl)"
./smoke-local.sh

step "wire compatibility with the official opentelemetry-proto (Python, PyPI)"
./interop/check.sh

step "end to end: the real pryx-core exports to this Worker in workerd; the batches read back"
(cd ../.. && cargo test -p pryx-core --locked --test telemetry_worker -- --ignored)
