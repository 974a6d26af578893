#!/usr/bin/env bash
# Runs interop/check.py against the Worker started by run-local.sh: the official
# opentelemetry-proto (PyPI, pinned) encodes, the Worker decodes, stores and reads back.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${PRYX_INTEROP_VENV:-.venv-interop}"
if [[ ! -x "${venv}/bin/python" ]]; then
  python3 -m venv "$venv"
fi
"${venv}/bin/pip" install --quiet --disable-pip-version-check "opentelemetry-proto==1.45.2"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
out="$(mktemp)"
./run-local.sh "$port" >"$out" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 1 600); do
  [[ -s "$out" ]] && break
  kill -0 "$pid" 2>/dev/null || { echo "interop: run-local.sh exited early" >&2; exit 1; }
  sleep 0.1
done
"${venv}/bin/python" interop/check.py "$(head -n1 "$out")"
