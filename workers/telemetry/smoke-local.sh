#!/usr/bin/env bash
# Smoke test of run-local.sh, as the host's end-to-end test will use it: starts the Worker on a
# free loopback port, sends a gzip OTLP/JSON log batch with the test ingest key, reads it back
# with the test read key, and stops the Worker. Bounded: gives up after 60 s.
set -euo pipefail
cd "$(dirname "$0")"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
out="$(mktemp)"
./run-local.sh "$port" >"$out" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$out"' EXIT

for _ in $(seq 1 600); do
  [[ -s "$out" ]] && break
  kill -0 "$pid" 2>/dev/null || { echo "smoke: run-local.sh exited early" >&2; exit 1; }
  sleep 0.1
done
url="$(head -n1 "$out")"
[[ "$url" == "http://127.0.0.1:${port}" ]] || { echo "smoke: run-local.sh printed '${url}'" >&2; exit 1; }

marker="smoke-$$-${RANDOM}"
body="{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"${marker}\"}}]},\"scopeLogs\":[{\"logRecords\":[{\"severityNumber\":17,\"body\":{\"stringValue\":\"failed in /home/alice/x\"}}]}]}]}"
status="$(printf '%s' "$body" | gzip -c | curl -sS --max-time 10 -o /dev/null -w '%{http_code}' \
  -X POST "${url}/v1/logs" -H 'content-type: application/json' -H 'content-encoding: gzip' \
  -H "authorization: Bearer ${PRYX_TEST_INGEST_KEY:-test-ingest-key-0123456789}" --data-binary @-)"
[[ "$status" == 200 ]] || { echo "smoke: export answered ${status}" >&2; exit 1; }

readback="$(curl -sS --max-time 10 "${url}/v1/batches?signal=logs&limit=5" \
  -H "authorization: Bearer ${PRYX_TEST_READ_KEY:-test-read-key-0123456789}")"
grep -q "$marker" <<<"$readback" || { echo "smoke: batch not read back: ${readback}" >&2; exit 1; }
grep -q 'failed in ~/x' <<<"$readback" || { echo "smoke: home path not redacted: ${readback}" >&2; exit 1; }
echo "smoke: run-local.sh served ${url}; export and read-back passed"
