#!/usr/bin/env bash
# Benchmarks Pryx host against the physical limit of its stack (a bare axum hello-world built in
# the same run) and, when they are installed, against the peers (OpenClaw's gateway and
# `opencode serve`).
#
#   ./scripts/bench.sh      # about 2.5 minutes after the release build; prints a markdown table
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
# a peer is started; `{port}` becomes a free port), BENCH_EXPORT=0 (skip the "export on" host).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
ROUNDS=${BENCH_ROUNDS:-3}
RUNS=${BENCH_STARTUP_RUNS:-5}
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

to_ms() { # 10s, 1m, 500ms → milliseconds
  case $1 in
    *ms) echo "${1%ms}" ;;
    *s) echo $((${1%s} * 1000)) ;;
    *m) echo $((${1%m} * 60000)) ;;
    *) echo $(($1 * 1000)) ;;
  esac
}
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

if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
  step "release build (pryx-core, axum-hello, bench-probe)"
  cargo build --release --locked -p pryx-core -p axum-hello -p bench-probe
fi
for bin in pryx-core axum-hello bench-probe; do
  [[ -x $RELEASE/$bin ]] || die "$RELEASE/$bin is missing: run without BENCH_SKIP_BUILD"
done

# ---------------------------------------------------------------------------------------------
declare -A R # R[server.metric] = value

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

lat_ms() { # a wrk latency (us, ms, s) → milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000
    printf "%.2f\n", n }'
}

# start NAME HEALTH PORT_MODE CMD…: starts the server BENCH_STARTUP_RUNS times, timing spawn →
# first 200 on HEALTH, and leaves the last one running. PORT_MODE "stdout": the server prints
# its address ("addr":"HOST:PORT"); "fixed": `{port}` in CMD becomes a free port. `{run}`
# becomes the run number.
start() {
  local name=$1 health=$2 port_mode=$3
  shift 3
  step "$name: startup"
  local times=() run line ms pid addr port="" a args port_args
  for run in $(seq "$RUNS"); do
    port_args=()
    if [[ $port_mode == fixed ]]; then
      port=$("$PROBE" free-port)
      port_args=(--port "$port")
    fi
    args=()
    for a in "$@"; do
      a=${a//\{port\}/$port}
      args+=("${a//\{run\}/$run}")
    done
    mkdir -p "$WORK/$name-$run"
    # The probe stays the server's parent (and reaps it) until the server is stopped.
    : >"$WORK/$name-$run.line"
    (cd "$WORK/$name-$run" &&
      exec "$PROBE" startup --path "$health" --stdout "$WORK/$name-$run.out" "${port_args[@]}" \
        --timeout-s 60 -- "${args[@]}") >"$WORK/$name-$run.line" 2>"$WORK/$name-$run.err" &
    local probe=$!
    # `read` succeeds only on a whole line: the probe writes it once the first 200 came.
    until read -r ms pid addr <"$WORK/$name-$run.line"; do
      kill -0 "$probe" 2>/dev/null ||
        die "$name did not answer 200 on $health (run $run); its stderr and the probe's:
$(tail -20 "$WORK/$name-$run.err")"
      sleep 0.01
    done
    STARTED+=("$pid")
    times+=("$ms")
    if ((run < RUNS)); then stop_group "$pid"; fi
  done
  R[$name.startup]=$(printf '%s\n' "${times[@]}" | median)
  R[$name.startup_min]=$(printf '%s\n' "${times[@]}" | sort -n | head -1)
  R[$name.pid]=$pid
  R[$name.addr]=$addr
  note "startup to 200 (ms): ${times[*]} → median ${R[$name.startup]}"
}

# idle NAME HEALTH UI: idle RSS once settled; response sizes.
idle() {
  local name=$1 health=$2 ui=$3 status bytes
  R[$name.rss_idle]=$("$PROBE" rss "${R[$name.pid]}")
  note "$name idle RSS: ${R[$name.rss_idle]} KiB"
  read -r status bytes <<<"$("$PROBE" get "${R[$name.addr]}" "$health")"
  [[ $status == 200 ]] || die "$name: GET $health answered $status"
  R[$name.health.bytes]=$bytes
  read -r status bytes <<<"$("$PROBE" get "${R[$name.addr]}" "$ui")"
  [[ $status == 200 ]] || die "$name: GET $ui answered $status"
  R[$name.ui.bytes]=$bytes
  R[$name.health.path]=$health
  R[$name.ui.path]=$ui
}

# load NAME KEY ROUND: one wrk run on the server's KEY (health or ui) path.
load() {
  local name=$1 key=$2 round=$3 pid=${R[$1.pid]} out rss cpu0 cpu1 sampler
  local url="http://${R[$name.addr]}${R[$name.$key.path]}"
  out=$WORK/wrk-$name-$key-$round.txt
  "$PROBE" rss-max "$pid" "$DURATION_MS" >"$WORK/rss-$name-$key" &
  sampler=$!
  cpu0=$("$PROBE" cpu "$pid")
  timeout $((DURATION_MS / 1000 + 30)) \
    wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url" >"$out" 2>&1 ||
    die "wrk failed against $url: $(cat "$out")"
  cpu1=$("$PROBE" cpu "$pid")
  wait "$sampler" || true
  rss=$(cat "$WORK/rss-$name-$key")
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

if command -v openclaw >/dev/null; then
  read -r -a cmd <<<"${BENCH_OPENCLAW_CMD:-openclaw gateway run --port {port} --bind loopback --allow-unconfigured}"
  mkdir -p "$WORK/openclaw-home" # its own state directory: the user's is neither read nor changed
  HOME=$WORK/openclaw-home start openclaw /health fixed "${cmd[@]}"
  R[openclaw.label]="OpenClaw gateway"
  R[openclaw.size]=$(install_size openclaw)
  PEERS+=(openclaw)
else
  SKIPPED+=("OpenClaw gateway: \`openclaw\` is not on PATH (\`npm i -g openclaw\` to include it)")
fi
if command -v opencode >/dev/null; then
  read -r -a cmd <<<"${BENCH_OPENCODE_CMD:-opencode serve --port {port} --hostname 127.0.0.1}"
  mkdir -p "$WORK/opencode-home"
  HOME=$WORK/opencode-home start opencode /global/health fixed "${cmd[@]}"
  R[opencode.label]="opencode serve"
  R[opencode.size]=$(install_size opencode)
  PEERS+=(opencode)
else
  SKIPPED+=("opencode serve: \`opencode\` is not on PATH (\`npm i -g opencode-ai\` to include it)")
fi

step "idle (settling ${SETTLE_MS} ms)"
sleep "$(awk -v ms="$SETTLE_MS" 'BEGIN { print ms / 1000 }')"
idle axum /health /
idle pryx /api/v1/health /
[[ -z ${BENCH_COMPARE:-} ]] || idle compare /api/v1/health /
[[ ${BENCH_EXPORT:-1} == 0 ]] || idle export /api/v1/health /
for p in "${PEERS[@]}"; do
  case $p in
    openclaw) idle openclaw /health / ;;
    opencode) idle opencode /global/health / ;;
  esac
done

for round in $(seq "$ROUNDS"); do
  step "load, round $round of $ROUNDS"
  for s in "${SERVERS[@]}"; do load "$s" health "$round"; done
  for s in "${SERVERS[@]}"; do load "$s" ui "$round"; done
done
if ((${#PEERS[@]})); then
  step "load, peers (one round: they are far enough off that one is plenty)"
  for p in "${PEERS[@]}"; do load "$p" health 1; load "$p" ui 1; done
fi
SERVERS+=("${PEERS[@]}")
for s in "${SERVERS[@]}"; do
  stop_group "${R[$s.pid]}"
  summarize "$s" health
  summarize "$s" ui
done

# ---------------------------------------------------------------------------------------------
num() { awk -v v="$1" 'BEGIN { s = sprintf("%d", v); out = ""
  while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
  print s out }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
mib_bytes() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "—" }'; }
met() { if awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN { exit !((op == "<" && a < b) || (op == ">=" && a >= b)) }'; then echo "met"; else echo "**missed**"; fi; }

cell() { # cell SERVER METRIC: the value, and for every server but axum its ratio to axum
  local s=$1 m=$2 v r=""
  case $m in
    startup) v="${R[$s.startup]} ms" ;;
    rss_idle | rss_load) v=$(mib "${R[$s.$m]}") ;;
    size) v=$(mib_bytes "${R[$s.size]}") ;;
    *.rps) v=$(num "${R[$s.$m]}") ;;
    *.cpu) v="${R[$s.$m]} µs" ;;
    *.lat) local k=${m%.lat}
      v="${R[$s.$k.p50]} / ${R[$s.$k.p99]} ms"
      [[ $s == axum ]] || r=" ($(ratio "${R[$s.$k.p50]}" "${R[axum.$k.p50]}") / $(ratio "${R[$s.$k.p99]}" "${R[axum.$k.p99]}"))"
      echo "$v$r"
      return ;;
  esac
  if [[ $s != axum ]]; then
    case $m in
      *.rps | *.cpu)
        if [[ " ${PEERS[*]} " == *" $s "* ]]; then
          r=" ($(ratio "${R[$s.$m]}" "${R[axum.$m]}"))"
        else
          local k=${m%.*} f=1
          [[ $m == *.cpu ]] && f=4
          r=" ($(awk -v x="$(paired "$s" "$k" "$f")" 'BEGIN { printf "%.2f×", x }'))"
        fi ;;
      *) r=" ($(ratio "${R[$s.$m]}" "${R[axum.$m]}"))" ;;
    esac
  fi
  echo "$v$r"
}

row() { # row LABEL METRIC GOAL VERDICT
  local line="| $1 |" s
  for s in "${SERVERS[@]}"; do line+=" $(cell "$s" "$2") |"; done
  echo "$line $3 | $4 |"
}

table() {
  local head="| |" sep="|---|" s
  for s in "${SERVERS[@]}"; do head+=" ${R[$s.label]} |"; sep+="---|"; done
  echo "$head pryx-core goal | met? |"
  echo "$sep---|---|"
  row "startup to first 200 (median of $RUNS)" startup "< 50 ms" "$(met "${R[pryx.startup]}" '<' 50)"
  row "idle RSS" rss_idle "< 15 MB" "$(met "${R[pryx.rss_idle]}" '<' $((15 * 1000 * 1000 / 1024)))"
  row "health req/s" health.rps "≥ 0.80× axum" "$(met "$(paired pryx health 1)" '>=' 0.8)"
  row "health p50 / p99" health.lat "" ""
  row "server CPU per health request" health.cpu "" ""
  row "UI index req/s" ui.rps "" ""
  row "UI index p50 / p99" ui.lat "" ""
  row "server CPU per UI request" ui.cpu "" ""
  row "RSS under load (max)" rss_load "" ""
  row "release binary" size "< 20 MB" "$(met "${R[pryx.size]}" '<' 20000000)"
}

machine() {
  local cpu
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  printf -- '- machine: %s cores (`nproc`), %s, Linux %s, %s MiB RAM; load average before the run: %s\n' \
    "$(nproc)" "${cpu:-unknown CPU}" "$(uname -r)" "$(awk '/MemTotal/ { printf "%d", $2 / 1024 }' /proc/meminfo)" "$LOADAVG"
  printf -- '- load: `wrk -t%s -c%s -d%s --latency` on 127.0.0.1, wrk sharing the cores with the server; median of %s interleaved rounds (ratios: median of the per-round ratios); %s\n' \
    "$WRK_THREADS" "$CONNECTIONS" "$DURATION" "$ROUNDS" "$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
  printf -- '- UI index body: bare axum %s B, pryx-core %s B; health body: bare axum %s B, pryx-core %s B\n' \
    "${R[axum.ui.bytes]}" "${R[pryx.ui.bytes]}" "${R[axum.health.bytes]}" "${R[pryx.health.bytes]}"
  printf -- '- commit %s, %s, %s\n' "$(git rev-parse --short HEAD 2>/dev/null || echo '?')" \
    "$(rustc --version 2>/dev/null | cut -d' ' -f1-2)" "$(date -u +%Y-%m-%dT%H:%MZ)"
}

mkdir -p "$OUT_DIR"
{
  echo "## Pryx host benchmark"
  echo
  table
  echo
  machine
  for s in "${SKIPPED[@]}"; do echo "- skipped $s"; done
  echo "- not measured yet: WebSocket fan-out (lands with /ws) and IPC round trip (lands with the JSON-RPC bridge); each will have its own bench"
} | tee "$OUT_DIR/results.md"
note "written to $OUT_DIR/results.md"
