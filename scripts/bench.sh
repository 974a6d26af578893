#!/usr/bin/env bash
# Benchmarks Pryx host against the physical limit of its stack (a bare axum hello-world built in
# the same run) and, with BENCH_PEERS=1, against the peers (OpenClaw's gateway and `opencode
# serve`), plus the host's /ws fan-out, chat path and IPC round trip, all in one table.
#
#   ./scripts/bench.sh                # about 4 minutes after the release build
#   BENCH_PEERS=1 ./scripts/bench.sh  # also installs and measures the peers (a few minutes more)
#
# BENCH_PEERS=1 installs Node 24 (npm package `node`), `openclaw` and `opencode-ai` from the npm
# registry into BENCH_PEERS_DIR (default ~/.cache/pryx-bench/peers; reused on later runs,
# BENCH_PEERS_UPDATE=1 reinstalls), puts its node_modules/.bin first on PATH, and starts each
# peer like the host. A peer that does not install, start or answer a route gets a dash and a
# footnote in its cells; the run goes on.
#
# On 127.0.0.1, for each server: startup to the first 200 on health (median of
# BENCH_STARTUP_RUNS spawns, polled every millisecond), idle RSS (VmRSS of the process tree,
# started and settled), health and UI index throughput with p50/p99 latency
# (`wrk -t2 -c64 -d10s --latency`), the server's CPU time per request, the largest RSS seen
# under that load, and the release binary size. The load runs are interleaved (axum, host,
# axum, host, ...) for BENCH_ROUNDS rounds; a server's figures are those of its median round,
# and its throughput and CPU ratios to axum are the median of the per-round ratios, so a burst
# of noise from elsewhere on the machine moves both sides of a ratio alike. Every host figure
# is also given as a ratio to bare axum: absolute numbers move with the machine, ratios from
# one run much less.
#
# Writes the table to $CARGO_TARGET_DIR/bench/results.md (default target/bench/results.md).
# Not part of scripts/test.sh: it needs quiet cores to mean anything.
#
# Environment: BENCH_DURATION (10s), BENCH_CONNECTIONS (64), BENCH_WRK_THREADS (2),
# BENCH_ROUNDS (3), BENCH_STARTUP_RUNS (5), BENCH_SETTLE_MS (1000), BENCH_SKIP_BUILD=1 (reuse
# the built binaries), BENCH_COMPARE=/path/to/another/pryx-core (measured too, as "pryx-core
# (compare)": before/after a change in one run), BENCH_OPENCLAW_CMD / BENCH_OPENCODE_CMD (how
# a peer is started; `{port}` becomes a free port), BENCH_EXPORT=0 (skip the "export on" host),
# BENCH_PEER_STARTUP_RUNS (3),
# BENCH_PEER_TIMEOUT_S (120: how long a peer may take to its first 200),
# BENCH_WS=0 (skip the /ws fan-out), BENCH_IPC=0 (skip the IPC round trip), BENCH_CHAT=0 (skip
# the chat path), WS_BENCH_* (passed to the fan-out bench, see
# crates/pryx-server/benches/ws_fanout.rs), CHAT_BENCH_* (to the chat-path bench, see
# bins/pryx-runtime-ref/benches/chat_path.rs), BENCH_DOC=docs/PERFORMANCE.md (also put the table
# between that doc's bench-table markers). The request-path goals are judged on the host
# with export on (the "export on" column) when it is measured.
# The helpers (and their tests, scripts/test-bench-lib.sh) are in scripts/bench-lib.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=scripts/bench-lib.sh
source "$ROOT/scripts/bench-lib.sh"

DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
ROUNDS=${BENCH_ROUNDS:-3}
RUNS=${BENCH_STARTUP_RUNS:-5}
PEER_RUNS=${BENCH_PEER_STARTUP_RUNS:-3}
PEER_TIMEOUT_S=${BENCH_PEER_TIMEOUT_S:-120}
PEERS_DIR=${BENCH_PEERS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pryx-bench/peers}
SETTLE_MS=${BENCH_SETTLE_MS:-1000}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
case $TARGET in /*) ;; *) TARGET=$ROOT/$TARGET ;; esac
OUT_DIR=$TARGET/bench
RELEASE=$TARGET/release
PROBE=$RELEASE/bench-probe
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)

step() { printf '\n==> %s\n' "$*" >&2; }
note() { printf '    %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pryx-bench.XXXXXX")
STARTED=() # process groups of every server started (each server leads its own group)

process_alive() { # alive and not a zombie (an orphan may wait a moment to be reaped)
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  [[ ${stat##*) } != Z* ]]
}

stop_group() { # TERM, up to 5 s to go, then KILL
  local pg=$1 i
  kill -TERM -- "-$pg" 2>/dev/null || return 0
  for i in $(seq 50); do
    process_alive "$pg" || return 0
    sleep 0.1
  done
  kill -KILL -- "-$pg" 2>/dev/null || true
}

cleanup() {
  local pg
  for pg in "${STARTED[@]}"; do stop_group "$pg"; done
  jobs -p | xargs -r kill 2>/dev/null || true # a wrk or RSS sampler still running
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

DURATION_MS=$(to_ms "$DURATION")

# ---------------------------------------------------------------------------------------------
step "tools"
if ! command -v wrk >/dev/null; then
  note "wrk not found: installing it from Debian"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get install -y wrk >/dev/null 2>&1 ||
    { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y wrk >/dev/null; } ||
    die "cannot install wrk (apt-get install wrk); install it and run again"
fi
note "$(wrk -v 2>&1 | head -1)"
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)

# Every bench is built and run with the same package selection: cargo unifies features over
# the selected packages, so `-p pryx-runtime-ref` alone would rebuild what `-p pryx-server -p
# pryx-runtime-ref` built (a few minutes of LTO) right before the measurement.
BENCH_PKGS=(-p pryx-server -p pryx-runtime-ref)
BENCHES=()
[[ ${BENCH_WS:-1} == 0 ]] || BENCHES+=(--bench ws_fanout)
[[ ${BENCH_IPC:-1} == 0 ]] || BENCHES+=(--bench ipc_roundtrip)
[[ ${BENCH_CHAT:-1} == 0 ]] || BENCHES+=(--bench chat_path)
if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
  step "release build (pryx-core, axum-hello, bench-probe, the ws, IPC and chat-path benches)"
  cargo build --release --locked -p pryx-core -p axum-hello -p bench-probe
  ((${#BENCHES[@]} == 0)) || cargo bench --locked --no-run "${BENCH_PKGS[@]}" "${BENCHES[@]}"
fi
for bin in pryx-core axum-hello bench-probe; do
  [[ -x $RELEASE/$bin ]] || die "$RELEASE/$bin is missing: run without BENCH_SKIP_BUILD"
done

# ---------------------------------------------------------------------------------------------
declare -A R # R[server.metric] = value
FOOTNOTES=()  # why a cell is a dash (see fail_note)

is_peer() { [[ " ${PEERS[*]} " == *" $1 "* ]]; }

# start NAME HEALTH PORT_MODE CMD…: starts the server START_RUNS (default BENCH_STARTUP_RUNS)
# times, timing spawn → first 200 on HEALTH, and leaves the last one running. PORT_MODE
# "stdout": the server prints its address ("addr":"HOST:PORT"); "fixed": `{port}` in CMD becomes
# a free port. `{run}` becomes the run number. When the server does not come up: exits the
# bench for our servers; for a peer, notes why (its cells become dashes) and returns 1.
start() {
  local name=$1 health=$2 port_mode=$3
  shift 3
  step "$name: startup"
  local times=() run ms pid addr port="" args port_args runs=${START_RUNS:-$RUNS} limit=60
  is_peer "$name" && limit=$PEER_TIMEOUT_S
  for run in $(seq "$runs"); do
    port_args=()
    if [[ $port_mode == fixed ]]; then
      port=$("$PROBE" free-port)
      port_args=(--port "$port")
    fi
    expand_placeholders args "$port" "$run" "$@"
    mkdir -p "$WORK/$name-$run"
    # The probe stays the server's parent (and reaps it) until the server is stopped.
    : >"$WORK/$name-$run.line"
    (cd "$WORK/$name-$run" &&
      exec "$PROBE" startup --path "$health" --stdout "$WORK/$name-$run.out" "${port_args[@]}" \
        --timeout-s "$limit" -- "${args[@]}") >"$WORK/$name-$run.line" 2>"$WORK/$name-$run.err" &
    local probe=$!
    # `read` succeeds only on a whole line: the probe writes it once the first 200 came.
    until read -r ms pid addr <"$WORK/$name-$run.line"; do
      if ! kill -0 "$probe" 2>/dev/null; then
        local why
        why="$name did not answer 200 on $health (run $run of $runs): $(tail -3 "$WORK/$name-$run.err" | tr '\n' ' ')"
        is_peer "$name" || die "$why
$(tail -20 "$WORK/$name-$run.err")"
        note "WARNING: $why"
        fail_note "$name" all "did not start: \`${args[*]}\` gave no 200 on $health within $limit s ($(tail -1 "$WORK/$name-$run.err" | cut -c1-160))"
        return 1
      fi
      sleep 0.01
    done
    STARTED+=("$pid")
    times+=("$ms")
    if ((run < runs)); then stop_group "$pid"; fi
  done
  R[$name.startup]=$(printf '%s\n' "${times[@]}" | median)
  R[$name.startup_min]=$(printf '%s\n' "${times[@]}" | sort -n | head -1)
  R[$name.pid]=$pid
  R[$name.addr]=$addr
  note "startup to 200 (ms): ${times[*]} → median ${R[$name.startup]}"
}

# idle NAME HEALTH UI: idle RSS once settled; response sizes.
# A route of a peer that does not answer 200 is noted (its cells become dashes) and not loaded.
idle() {
  local name=$1 health=$2 ui=$3 status bytes key path answer
  R[$name.rss_idle]=$("$PROBE" rss "${R[$name.pid]}")
  note "$name idle RSS: ${R[$name.rss_idle]} KiB"
  for key in health ui; do
    path=$health
    [[ $key == ui ]] && path=$ui
    R[$name.$key.path]=$path
    answer=$("$PROBE" get "${R[$name.addr]}" "$path" 2>&1) || true
    read -r status bytes <<<"$answer"
    if [[ $status == 200 ]]; then
      R[$name.$key.bytes]=$bytes
      continue
    fi
    is_peer "$name" || die "$name: GET $path answered: $answer"
    note "WARNING: $name: GET $path answered: $answer"
    fail_note "$name" "$key" "GET $path did not answer 200 within 5 s (${answer:0:120})"
  done
}

# load NAME KEY ROUND: one wrk run on the server's KEY (health or ui) path.
load() {
  local name=$1 key=$2 round=$3 pid=${R[$1.pid]} out rss cpu0 cpu1 sampler
  local url="http://${R[$name.addr]}${R[$name.$key.path]}"
  out=$WORK/wrk-$name-$key-$round.txt
  "$PROBE" rss-max "$pid" "$DURATION_MS" >"$WORK/rss-$name-$key" &
  sampler=$!
  cpu0=$("$PROBE" cpu "$pid")
  local failure=""
  timeout $((DURATION_MS / 1000 + 30)) \
    wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url" >"$out" 2>&1 ||
    failure="wrk failed: $(tail -1 "$out")"
  cpu1=$("$PROBE" cpu "$pid")
  wait "$sampler" || true
  rss=$(cat "$WORK/rss-$name-$key")
  [[ -n $failure ]] || failure=$(wrk_failure "$out")
  if [[ -n $failure ]]; then
    is_peer "$name" || die "$name $key: $failure: $(cat "$out")"
    note "WARNING: $name $key: $failure"
    fail_note "$name" "$key" "GET ${R[$name.$key.path]} under load: $failure"
    return 0
  fi
  local rps p50 p99 requests cpu_us bad errors
  rps=$(awk '/^Requests\/sec:/ { printf "%.0f\n", $2 }' "$out")
  p50=$(lat_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
  p99=$(lat_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
  requests=$(awk '/requests in/ { print $1 }' "$out")
  cpu_us=$(awk -v t=$((cpu1 - cpu0)) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN { printf "%.1f\n", (n > 0) ? t * 1e6 / hz / n : 0 }')
  bad=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")
  errors=$(awk '/Socket errors:/ { sub(/.*Socket errors: /, ""); print }' "$out")
  [[ -z $bad ]] || note "WARNING: $name $key: $bad responses were not 2xx/3xx"
  [[ -z $errors ]] || note "WARNING: $name $key: socket errors: $errors"
  note "$name $key: $rps req/s, p50 $p50 ms, p99 $p99 ms, $cpu_us µs CPU/request, max RSS $rss KiB"
  R[$name.$key.rounds]+="$rps $p50 $p99 $cpu_us"$'\n'
  local prev=${R[$name.rss_load]:-0}
  R[$name.rss_load]=$((rss > prev ? rss : prev))
}

# summarize NAME KEY: the round with the median throughput gives req/s, p50 and p99; CPU per
# request is the median over rounds.
summarize() {
  local name=$1 key=$2 line
  line=$(printf '%s' "${R[$name.$key.rounds]}" | sort -n -k1,1 | awk '{ l[NR] = $0 } END { print l[int((NR + 1) / 2)] }')
  read -r "R[$name.$key.rps]" "R[$name.$key.p50]" "R[$name.$key.p99]" _ <<<"$line"
  R[$name.$key.cpu]=$(printf '%s' "${R[$name.$key.rounds]}" | awk '{ print $4 }' | median)
}

# paired NAME KEY FIELD: the median over rounds of NAME's figure divided by axum's in the same
# round (field 1: req/s, 4: CPU per request): the ratio least moved by noise between rounds.
paired() {
  paste <(printf '%s' "${R[$1.$2.rounds]}") <(printf '%s' "${R[axum.$2.rounds]}") |
    awk -v f="$3" '{ if ($(f + 4) > 0) printf "%.4f\n", $f / $(f + 4) }' | median
}

install_size() { # a peer's install: the npm package its command resolves into, or the binary
  local path dir
  path=$(readlink -f "$(command -v "$1")")
  dir=$(dirname "$path")
  while [[ $dir != / && ! -f $dir/package.json ]]; do dir=$(dirname "$dir"); done
  if [[ $dir == / ]]; then stat -c %s "$path"; else du -sb "$dir" | cut -f1; fi
}

# ---------------------------------------------------------------------------------------------
SERVERS=(axum pryx)
PEERS=()
SKIPPED=()
R[axum.label]="bare axum"
R[pryx.label]="pryx-core"
R[axum.size]=$(stat -c %s "$RELEASE/axum-hello")
R[pryx.size]=$(stat -c %s "$RELEASE/pryx-core")

start axum /health stdout "$RELEASE/axum-hello" --port 0
start pryx /api/v1/health stdout "$RELEASE/pryx-core" --port 0 --data-dir "$WORK/pryx-data"
if [[ -n ${BENCH_COMPARE:-} ]]; then
  [[ -x $BENCH_COMPARE ]] || die "BENCH_COMPARE=$BENCH_COMPARE is not an executable"
  R[compare.label]="pryx-core (compare)"
  R[compare.size]=$(stat -c %s "$BENCH_COMPARE")
  start compare /api/v1/health stdout "$BENCH_COMPARE" --port 0 --data-dir "$WORK/compare-data"
  SERVERS+=(compare)
fi

# The same host exporting telemetry (spans, metrics) to a local OTLP/HTTP sink that answers 200
# to everything: the cost of export on the request path (goal: within 5 % of export off).
# BENCH_EXPORT=0 skips it.
if [[ ${BENCH_EXPORT:-1} != 0 ]]; then
  SINK_PORT=$("$PROBE" free-port)
  python3 - "$SINK_PORT" <<'PY' >"$WORK/otlp-sink.log" 2>&1 &
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Sink(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
PY
  R[export.label]="pryx-core (export on)"
  R[export.size]=${R[pryx.size]}
  start export /api/v1/health stdout env -u DO_NOT_TRACK -u PRYX_TELEMETRY_DISABLED \
    PRYX_TELEMETRY_ENDPOINT="http://127.0.0.1:$SINK_PORT" "$RELEASE/pryx-core" --port 0 \
    --data-dir "$WORK/export-data"
  SERVERS+=(export)
fi

# install_peers: Node 24, `openclaw` and `opencode-ai` from the npm registry into PEERS_DIR
# (kept for later runs), its node_modules/.bin first on PATH. Returns 1 (with PEERS_WHY) when npm
# is missing or an install fails.
install_peers() {
  PEERS_WHY=""
  command -v npm >/dev/null || { PEERS_WHY="npm is not on PATH"; return 1; }
  mkdir -p "$PEERS_DIR"
  [[ -f $PEERS_DIR/package.json ]] || peer_cache_manifest >"$PEERS_DIR/package.json"
  local bin
  bin=$(peer_bin_dir "$PEERS_DIR")
  if [[ ${BENCH_PEERS_UPDATE:-0} == 1 || ! -x $bin/node ]]; then
    step "peers: installing Node 24 (npm package \`node\`) into $PEERS_DIR"
    npm install --prefix "$PEERS_DIR" --no-audit --no-fund node@24 >"$WORK/npm-node.log" 2>&1 ||
      { PEERS_WHY="npm install node@24 failed: $(tail -1 "$WORK/npm-node.log")"; return 1; }
  fi
  export PATH="$bin:$PATH" # npm itself now runs on Node 24 too, which OpenClaw's engines need
  if [[ ${BENCH_PEERS_UPDATE:-0} == 1 || ! -x $bin/openclaw || ! -x $bin/opencode ]]; then
    step "peers: installing openclaw and opencode-ai into $PEERS_DIR"
    npm install --prefix "$PEERS_DIR" --no-audit --no-fund openclaw@latest opencode-ai@latest \
      >"$WORK/npm-peers.log" 2>&1 ||
      { PEERS_WHY="npm install openclaw opencode-ai failed: $(tail -1 "$WORK/npm-peers.log")"; return 1; }
  fi
  note "node $(node -v), $(openclaw --version 2>/dev/null | head -1 || echo 'openclaw ?'), opencode $(opencode --version 2>/dev/null | head -1 || echo '?')"
}

# add_peer NAME LABEL BIN HEALTH UI: starts peer NAME (its command: peer_command_template) in a
# home directory of its own (the user's is neither read nor changed).
add_peer() {
  local name=$1 label=$2 bin=$3 health=$4 ui=$5 words=()
  PEERS+=("$name")
  R[$name.label]=$label
  R[$name.health_route]=$health
  R[$name.ui_route]=$ui
  if ! command -v "$bin" >/dev/null; then
    fail_note "$name" all "\`$bin\` is not on PATH"
    return 0
  fi
  R[$name.size]=$(install_size "$bin")
  split_words words "$(peer_command_template "$name")"
  mkdir -p "$WORK/$name-home"
  HOME=$WORK/$name-home START_RUNS=$PEER_RUNS start "$name" "$health" fixed "${words[@]}" || true
}

if [[ ${BENCH_PEERS:-0} == 1 ]]; then
  if install_peers; then
    add_peer openclaw "OpenClaw gateway" openclaw /health /
    add_peer opencode "opencode serve" opencode /global/health /
  else
    note "WARNING: peers not installed: $PEERS_WHY"
    SKIPPED+=("the peers: $PEERS_WHY")
  fi
else
  SKIPPED+=("the peers (OpenClaw's gateway, \`opencode serve\`): \`BENCH_PEERS=1 ./scripts/bench.sh\` installs them with Node 24 from the npm registry into $PEERS_DIR and measures them in the same run")
fi
LIVE_PEERS=()
for p in "${PEERS[@]}"; do
  if [[ -n ${R[$p.pid]:-} ]]; then LIVE_PEERS+=("$p"); fi
done

step "idle (settling ${SETTLE_MS} ms)"
sleep "$(awk -v ms="$SETTLE_MS" 'BEGIN { print ms / 1000 }')"
idle axum /health /
idle pryx /api/v1/health /
[[ -z ${BENCH_COMPARE:-} ]] || idle compare /api/v1/health /
[[ ${BENCH_EXPORT:-1} == 0 ]] || idle export /api/v1/health /
for p in "${LIVE_PEERS[@]}"; do idle "$p" "${R[$p.health_route]}" "${R[$p.ui_route]}"; done

for round in $(seq "$ROUNDS"); do
  step "load, round $round of $ROUNDS"
  for s in "${SERVERS[@]}"; do load "$s" health "$round"; done
  for s in "${SERVERS[@]}"; do load "$s" ui "$round"; done
done
if ((${#LIVE_PEERS[@]})); then
  step "load, peers (one round: they are far enough off that one is plenty)"
  for p in "${LIVE_PEERS[@]}"; do
    for key in health ui; do
      if [[ -z ${R[$p.$key.fail]:-} ]]; then load "$p" "$key" 1; fi
    done
  done
fi
for s in "${SERVERS[@]}" "${LIVE_PEERS[@]}"; do
  stop_group "${R[$s.pid]}"
  for key in health ui; do
    if [[ -n ${R[$s.$key.rounds]:-} ]]; then summarize "$s" "$key"; fi
  done
done
SERVERS+=("${PEERS[@]}")

# ---------------------------------------------------------------------------------------------
# The host's /ws fan-out and IPC round trip (pryx-core only: the peers speak other protocols).
WS_OUT=$WORK/ws_fanout.txt
IPC_OUT=$WORK/ipc_roundtrip.txt
if [[ ${BENCH_WS:-1} != 0 ]]; then
  step "/ws fan-out: ${WS_BENCH_CLIENTS:-1000} clients at ${WS_BENCH_RATES:-1000} events/s (cargo bench --bench ws_fanout)"
  WS_BENCH_RATES=${WS_BENCH_RATES:-1000} WS_BENCH_SECS=${WS_BENCH_SECS:-5} \
    cargo bench --locked -q "${BENCH_PKGS[@]}" --bench ws_fanout >"$WS_OUT" 2>"$WORK/ws_fanout.err" ||
    note "WARNING: the ws fan-out bench failed: $(tail -3 "$WORK/ws_fanout.err")"
  grep -v '^summary' "$WS_OUT" | sed 's/^/    /' >&2 || true
else
  : >"$WS_OUT"
fi
if [[ ${BENCH_IPC:-1} != 0 ]]; then
  step "IPC round trip (cargo bench --bench ipc_roundtrip)"
  cargo bench --locked -q "${BENCH_PKGS[@]}" --bench ipc_roundtrip >"$IPC_OUT" 2>"$WORK/ipc.err" ||
    note "WARNING: the IPC bench failed: $(tail -3 "$WORK/ipc.err")"
  tail -2 "$IPC_OUT" | sed 's/^/    /' >&2 || true
else
  : >"$IPC_OUT"
fi
CHAT_OUT=$WORK/chat_path.txt
if [[ ${BENCH_CHAT:-1} != 0 ]]; then
  step "chat path: ${CHAT_BENCH_CLIENTS:-10} /ws clients, ${CHAT_BENCH_RATE:-1000} tokens/s from pryx-runtime-ref (cargo bench --bench chat_path)"
  cargo bench --locked -q "${BENCH_PKGS[@]}" --bench chat_path >"$CHAT_OUT" 2>"$WORK/chat.err" ||
    note "WARNING: the chat-path bench failed: $(tail -3 "$WORK/chat.err")"
  grep -v '^summary' "$CHAT_OUT" | sed 's/^/    /' >&2 || true
else
  : >"$CHAT_OUT"
fi
WS_RATE=${WS_BENCH_RATES:-1000}
WS_RATE=${WS_RATE%%,*}
for mode in batch frame batch_stalled; do
  for f in delivered_ratio p50_ms p99_ms kb_per_conn clients; do
    R[ws.$mode.$f]=$(ws_summary "$WS_OUT" "$mode" "$WS_RATE" "$f")
  done
done
for f in p50_us p99_us calls_per_s; do R[ipc.$f]=$(ipc_summary "$IPC_OUT" "$f"); done
for f in p50_ms p99_ms received_ratio clients rate; do R[chat.$f]=$(ws_summary "$CHAT_OUT" chat "" "$f"); done
WS_WHY="not measured: BENCH_WS=0 or the ws fan-out bench failed (see its output above)"
IPC_WHY="not measured: BENCH_IPC=0 or the IPC bench failed (see its output above)"
[[ -n ${R[ws.batch.p99_ms]} ]] || fail_note pryx ws.batch "$WS_WHY"
[[ -n ${R[ws.frame.p99_ms]} ]] || fail_note pryx ws.frame "$WS_WHY"
[[ -n ${R[ws.batch_stalled.p99_ms]} ]] || fail_note pryx ws.stalled "not measured: WS_BENCH_STALLED=0, BENCH_WS=0 or the bench failed"
[[ -n ${R[ws.batch.kb_per_conn]} ]] || fail_note pryx ws.mem "$WS_WHY"
[[ -n ${R[ipc.p50_us]} ]] || fail_note pryx ipc.rt "$IPC_WHY"
[[ -n ${R[ipc.calls_per_s]} ]] || fail_note pryx ipc.pipe "$IPC_WHY"
[[ -n ${R[chat.p99_ms]} ]] || fail_note pryx chat "not measured: BENCH_CHAT=0 or the chat-path bench failed (see its output above)"
R[ws.stalled_ratio]=$(awk -v a="${R[ws.batch_stalled.p99_ms]}" -v b="${R[ws.batch.p99_ms]}" 'BEGIN { if (a != "" && b > 0) printf "%.2f", a / b }')
R[ws.kb_per_conn_si]=$(awk -v k="${R[ws.batch.kb_per_conn]}" 'BEGIN { if (k != "") printf "%.1f", k * 1.024 }')

# ---------------------------------------------------------------------------------------------
cell() { # cell SERVER METRIC: the value, and its ratio to bare axum (a peer: to pryx-core)
  local s=$1 m=$2 v r="" base=axum
  failed_cell "$s" all "$m" "${m%.*}" && return 0
  is_peer "$s" && base=pryx
  case $m in
    startup) v="$(num "${R[$s.startup]}") ms"
      [[ ${R[$s.startup]%.*} -ge 1000 ]] || v="${R[$s.startup]} ms" ;;
    rss_idle | rss_load | size)
      [[ -n ${R[$s.$m]:-} ]] || { echo "—"; return; }
      if [[ $m == size ]]; then v=$(mib_bytes "${R[$s.size]}"); else v=$(mib "${R[$s.$m]}"); fi ;;
    *.rps) v=$(num "${R[$s.$m]}") ;;
    *.cpu) v="${R[$s.$m]} µs" ;;
    *.lat) local k=${m%.lat}
      v="${R[$s.$k.p50]} / ${R[$s.$k.p99]} ms"
      [[ $s == axum ]] || r=" ($(ratio "${R[$s.$k.p50]}" "${R[$base.$k.p50]}") / $(ratio "${R[$s.$k.p99]}" "${R[$base.$k.p99]}"))"
      echo "$v$r"
      return ;;
  esac
  if [[ $s != axum ]]; then
    case $m in
      *.rps | *.cpu)
        if is_peer "$s"; then
          r=" ($(ratio "${R[$s.$m]}" "${R[$base.$m]}"))"
        else
          local k=${m%.*} f=1
          [[ $m == *.cpu ]] && f=4
          r=" ($(awk -v x="$(paired "$s" "$k" "$f")" 'BEGIN { printf "%.2f×", x }'))"
        fi ;;
      *) r=" ($(ratio "${R[$s.$m]}" "${R[$base.$m]}"))" ;;
    esac
  fi
  echo "$v$r"
}

host_cell() { # host_cell SERVER METRIC: a row measured on pryx-core only
  local s=$1 m=$2
  [[ $s == pryx ]] || { echo "n/a"; return; }
  failed_cell pryx "$m" && return 0
  case $m in
    ws.batch) echo "${R[ws.batch.delivered_ratio]} delivered; ${R[ws.batch.p50_ms]} / **${R[ws.batch.p99_ms]}** ms" ;;
    ws.frame) echo "${R[ws.frame.delivered_ratio]} delivered; ${R[ws.frame.p50_ms]} / ${R[ws.frame.p99_ms]} ms" ;;
    ws.stalled) echo "others' p99 ${R[ws.batch_stalled.p99_ms]} ms (**${R[ws.stalled_ratio]}×** the run without it)" ;;
    ws.mem) echo "${R[ws.batch.kb_per_conn]} KiB (${R[ws.kb_per_conn_si]} KB)" ;;
    ipc.rt) echo "${R[ipc.p50_us]} / ${R[ipc.p99_us]} µs" ;;
    chat) echo "${R[chat.p50_ms]} / **${R[chat.p99_ms]}** ms (${R[chat.received_ratio]} received)" ;;
    ipc.pipe) echo "$(num "${R[ipc.calls_per_s]}") calls/s" ;;
  esac
}

row() { # row LABEL METRIC GOAL VERDICT
  local line="| $1 |" s
  for s in "${SERVERS[@]}"; do line+=" $(cell "$s" "$2") |"; done
  echo "$line $3 | $4 |"
}

host_row() { # host_row LABEL METRIC GOAL VERDICT
  local line="| $1 |" s
  for s in "${SERVERS[@]}"; do line+=" $(host_cell "$s" "$2") |"; done
  echo "$line $3 | $4 |"
}

table() {
  # The request-path goals hold for the host with everything on: judged on the export column
  # when it was measured.
  local GOAL=pryx ON=""
  [[ " ${SERVERS[*]} " == *" export "* ]] && { GOAL=export; ON=" (export on)"; }
  local head="| |" sep="|---|" s clients=${R[ws.batch.clients]:-${WS_BENCH_CLIENTS:-1000}}
  for s in "${SERVERS[@]}"; do head+=" ${R[$s.label]} |"; sep+="---|"; done
  echo "$head pryx-core goal | met? |"
  echo "$sep---|---|"
  row "startup to first 200 (median of $RUNS; peers $PEER_RUNS)" startup "< 10 ms" "$(met "${R[pryx.startup]}" '<' 10)"
  row "idle RSS" rss_idle "< 10 MiB" "$(met "${R[pryx.rss_idle]}" '<' 10240)"
  row "health req/s" health.rps "≥ 0.90× axum$ON" "$(met "$(paired "$GOAL" health 1)" '>=' 0.9)"
  row "health p50 / p99" health.lat "" ""
  row "server CPU per health request" health.cpu "≤ 1.2× axum$ON" "$(met "$(paired "$GOAL" health 4)" '<=' 1.2)"
  row "UI index req/s" ui.rps "≥ 0.85× axum$ON" "$(met "$(paired "$GOAL" ui 1)" '>=' 0.85)"
  row "UI index p50 / p99" ui.lat "" ""
  row "server CPU per UI request" ui.cpu "" ""
  row "RSS under load (max)" rss_load "" ""
  row "release binary (peers: their npm package, without dependencies)" size "< 10 MiB" "$(met "${R[pryx.size]}" '<' 10485760)"
  host_row "/ws fan-out, $clients clients × $WS_RATE events/s, \`?batch=1\`: share delivered; p50 / p99" ws.batch \
    "all delivered, p99 < 25 ms" "$(met "$(awk -v d="${R[ws.batch.delivered_ratio]}" -v p="${R[ws.batch.p99_ms]}" 'BEGIN { if (p != "") print (d >= 0.9999 ? p : 1e9) }')" '<' 25)"
  host_row "/ws fan-out, same, one frame per event" ws.frame "" ""
  host_row "/ws fan-out, batched, plus one client that never reads" ws.stalled "≤ 1.10×" "$(met "${R[ws.stalled_ratio]}" '<=' 1.10)"
  host_row "/ws memory per idle connection" ws.mem "≤ 16 KB" "$(met "${R[ws.kb_per_conn_si]}" '<=' 16)"
  host_row "chat path added by the host (runtime stdout → IPC → hub → /ws client parsed), ${R[chat.clients]:-10} clients × $(num "${R[chat.rate]:-1000}") events/s, p50 / p99" chat \
    "< 0.5 / < 2 ms" "$(met_both "${R[chat.p50_ms]}" '<' 0.5 "${R[chat.p99_ms]}" '<' 2)"
  host_row "IPC round trip (\`debug.echo\`, sequential), p50 / p99" ipc.rt "p50 < 100 µs" "$(met "${R[ipc.p50_us]}" '<' 100)"
  host_row "IPC pipelined (64 in flight)" ipc.pipe "≥ 50,000 calls/s" "$(met "${R[ipc.calls_per_s]}" '>=' 50000)"
}

machine() {
  local cpu
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  printf -- '- machine: %s cores (`nproc`), %s, Linux %s, %s MiB RAM; load average before the run: %s\n' \
    "$(nproc)" "${cpu:-unknown CPU}" "$(uname -r)" "$(awk '/MemTotal/ { printf "%d", $2 / 1024 }' /proc/meminfo)" "$LOADAVG"
  printf -- '- load: `wrk -t%s -c%s -d%s --latency` on 127.0.0.1, wrk sharing the cores with the server; median of %s interleaved rounds (ratios: median of the per-round ratios; peers: one round, ratio of that round); %s\n' \
    "$WRK_THREADS" "$CONNECTIONS" "$DURATION" "$ROUNDS" "$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
  printf -- '- ratios in brackets: pryx-core (and a compared build) to bare axum; a peer to pryx-core (a peer at 0.10× req/s serves a tenth of what pryx-core does; at 100× RSS it uses a hundred times the memory)\n'
  printf -- '- UI index body: bare axum %s B, pryx-core %s B; health body: bare axum %s B, pryx-core %s B\n' \
    "${R[axum.ui.bytes]}" "${R[pryx.ui.bytes]}" "${R[axum.health.bytes]}" "${R[pryx.health.bytes]}"
  printf -- '- /ws: `cargo bench --bench ws_fanout` (host and clients in two processes on the same cores, %s s per rate, latency publish → client parsed); IPC: `cargo bench --bench ipc_roundtrip` (host ↔ pryx-runtime-ref over pipes); chat path: `cargo bench --bench chat_path` (pryx-runtime-ref stamps each token with CLOCK_MONOTONIC as it writes it, each /ws client as it has parsed it; one host process, the runtime its child)\n' \
    "${WS_BENCH_SECS:-5}"
  printf -- '- commit %s, %s, %s\n' "$(git rev-parse --short HEAD 2>/dev/null || echo '?')" \
    "$(rustc --version 2>/dev/null | cut -d' ' -f1-2)" "$(date -u +%Y-%m-%dT%H:%MZ)"
}

mkdir -p "$OUT_DIR"
{
  echo "## Pryx host benchmark"
  echo
  table
  echo
  footnotes
  machine
  for s in "${SKIPPED[@]}"; do echo "- skipped $s"; done
} | tee "$OUT_DIR/results.md"
note "written to $OUT_DIR/results.md"
# BENCH_DOC=docs/PERFORMANCE.md: the table also replaces the one between the doc's
# `<!-- bench-table:begin -->` and `<!-- bench-table:end -->` markers (the prose stays).
if [[ -n ${BENCH_DOC:-} ]]; then
  splice_table "$BENCH_DOC" "$OUT_DIR/results.md" && note "table updated in $BENCH_DOC" ||
    note "WARNING: $BENCH_DOC has no bench-table markers; not updated"
fi
