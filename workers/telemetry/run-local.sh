#!/usr/bin/env bash
# Runs the Worker locally in workerd (wrangler dev --local: no Cloudflare account, no network),
# on 127.0.0.1:PORT, for end-to-end tests with the real host. Prints the URL once /health
# answers, then stays in the foreground until stopped (SIGTERM/SIGINT stop workerd too).
#
#   workers/telemetry/run-local.sh PORT [STATE_DIR]
#
# Keys come from the environment (fixed test values by default, never real ones):
#   PRYX_TEST_INGEST_KEY  the key exporters send (Authorization: Bearer <key>)
#   PRYX_TEST_READ_KEY    the key for GET /v1/batches
#   PRYX_TEST_MAX_BODY_BYTES  optional override of the body cap
# R2 batches persist under STATE_DIR (default: a fresh temporary directory, removed on exit).
set -euo pipefail
cd "$(dirname "$0")"

port="${1:?usage: run-local.sh PORT [STATE_DIR]}"
ingest_key="${PRYX_TEST_INGEST_KEY:-test-ingest-key-0123456789}"
read_key="${PRYX_TEST_READ_KEY:-test-read-key-0123456789}"
state_dir="${2:-}"
cleanup_state=false
if [[ -z "$state_dir" ]]; then
  state_dir="$(mktemp -d)"
  cleanup_state=true
fi

[[ -d node_modules ]] || npm ci --no-audit --no-fund >&2

vars=(--var "INGEST_KEY:${ingest_key}" --var "READ_KEY:${read_key}")
if [[ -n "${PRYX_TEST_MAX_BODY_BYTES:-}" ]]; then
  vars+=(--var "MAX_BODY_BYTES:${PRYX_TEST_MAX_BODY_BYTES}")
fi

export WRANGLER_SEND_METRICS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false # no request to fetch a Request.cf sample
export WRANGLER_LOG_PATH="${state_dir}/logs"
export CI="${CI:-true}" # no interactive session, no update prompts
./node_modules/.bin/wrangler dev --local --ip 127.0.0.1 --port "$port" \
  --persist-to "$state_dir" --show-interactive-dev-session=false --log-level warn \
  "${vars[@]}" >&2 &
wrangler_pid=$!

stop() {
  kill "$wrangler_pid" 2>/dev/null || true
  wait "$wrangler_pid" 2>/dev/null || true
  if $cleanup_state; then rm -rf "$state_dir"; fi
}
trap stop EXIT
trap 'exit 143' TERM INT

url="http://127.0.0.1:${port}"
for _ in $(seq 1 300); do
  if curl -fsS "${url}/health" >/dev/null 2>&1; then
    echo "$url"
    wait "$wrangler_pid"
    exit $?
  fi
  if ! kill -0 "$wrangler_pid" 2>/dev/null; then
    echo "run-local.sh: wrangler dev exited before the Worker answered" >&2
    exit 1
  fi
  sleep 0.1
done
echo "run-local.sh: the Worker did not answer on ${url} within 30 s" >&2
exit 1
