# Helpers of scripts/bench.sh, sourced by it and by scripts/test-bench-lib.sh (which tests them
# in a few seconds, as part of scripts/test.sh). Pure functions of their arguments and of the
# `R` associative array (R[server.metric] = value) and `FOOTNOTES` array the caller declares.
# Nothing here starts a process, touches the network or writes a file.

# How each peer is started by default; `{port}` becomes a free port, `{run}` the run number.
# Kept in plain variables: written inline as `${BENCH_OPENCLAW_CMD:-… {port} …}` the `}` of
# `{port}` would end the expansion and leave a stray `}` on the last word.
BENCH_OPENCLAW_DEFAULT='openclaw gateway run --port {port} --bind loopback --allow-unconfigured'
BENCH_OPENCODE_DEFAULT='opencode serve --port {port} --hostname 127.0.0.1'

# peer_command_template NAME: the command template of peer NAME (openclaw, opencode): the user's
# BENCH_<NAME>_CMD when set and not empty, else the default.
peer_command_template() {
  case $1 in
    openclaw) printf '%s\n' "${BENCH_OPENCLAW_CMD:-$BENCH_OPENCLAW_DEFAULT}" ;;
    opencode) printf '%s\n' "${BENCH_OPENCODE_CMD:-$BENCH_OPENCODE_DEFAULT}" ;;
    *) return 1 ;;
  esac
}

# split_words OUT TEMPLATE: OUT (an array name) = TEMPLATE split on blanks, no glob expansion.
split_words() {
  local -n _out=$1
  read -r -a _out <<<"$2"
}

# expand_placeholders OUT PORT RUN WORD…: OUT = the words with `{port}` → PORT, `{run}` → RUN.
expand_placeholders() {
  local -n _dest=$1
  local port=$2 run=$3 w
  shift 3
  _dest=()
  for w in "$@"; do
    w=${w//\{port\}/$port}
    _dest+=("${w//\{run\}/$run}")
  done
}

# peer_bin_dir CACHE: where the npm-installed peers' commands (and Node 24) land in CACHE.
peer_bin_dir() { printf '%s/node_modules/.bin\n' "$1"; }

# peer_cache_manifest: the package.json written into the peers' cache: npm ≥ 11 runs no
# dependency install script unless allowed here, and `node` (which fetches the Node binary) and
# `opencode-ai` (which links its platform binary) need theirs.
peer_cache_manifest() {
  printf '%s\n' '{ "name": "pryx-bench-peers", "private": true, "allowScripts": { "node": true, "opencode-ai": true } }'
}

to_ms() { # 10s, 1m, 500ms → milliseconds
  case $1 in
    *ms) echo "${1%ms}" ;;
    *s) echo $((${1%s} * 1000)) ;;
    *m) echo $((${1%m} * 60000)) ;;
    *) echo $(($1 * 1000)) ;;
  esac
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

lat_ms() { # a wrk latency (us, ms, s) → milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000
    printf "%.2f\n", n }'
}

duration_us() { # a Rust Duration's Debug form (812ns, 46.1µs, 1.2ms, 3s) → microseconds
  awk -v v="$1" 'BEGIN { n = v + 0
    if (v ~ /ns$/) n /= 1000; else if (v ~ /(µs|us)$/) n = n; else if (v ~ /ms$/) n *= 1000; else if (v ~ /s$/) n *= 1e6
    printf "%.1f\n", n }'
}

num() { awk -v v="$1" 'BEGIN { s = sprintf("%d", v); out = ""
  while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
  print s out }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
mib_bytes() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b > 0) printf "%.2f×", a / b; else print "—" }'; }
met() { # met A OP B → "met" or "**missed**" (OP: <, <=, >=); an empty A is "not measured"
  [[ -n $1 ]] || { echo "not measured"; return; }
  if awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN { exit !((op == "<" && a < b) || (op == "<=" && a <= b) || (op == ">=" && a >= b)) }'; then echo "met"; else echo "**missed**"; fi
}

# met_both A1 OP1 B1 A2 OP2 B2 → "met" when both hold, "**missed**" when either does not, "not
# measured" when either figure is empty (a goal with two bounds, e.g. p50 and p99).
met_both() {
  local one two
  one=$(met "$1" "$2" "$3")
  two=$(met "$4" "$5" "$6")
  if [[ $one == "not measured" || $two == "not measured" ]]; then echo "not measured"
  elif [[ $one == met && $two == met ]]; then echo "met"
  else echo "**missed**"; fi
}

# fail_note NAME METRIC TEXT: NAME's METRIC could not be measured because of TEXT: its cell
# becomes a dash with a footnote mark, and TEXT is listed under the table (once per text).
fail_note() {
  local name=$1 metric=$2 text=$3 i n=0
  for i in "${!FOOTNOTES[@]}"; do
    [[ ${FOOTNOTES[$i]} == "$text" ]] && n=$((i + 1))
  done
  if ((n == 0)); then
    FOOTNOTES+=("$text")
    n=${#FOOTNOTES[@]}
  fi
  R[$name.$metric.fail]=$n
}

# failed_cell NAME METRIC…: prints "— [n]" and succeeds when any METRIC of NAME failed.
failed_cell() {
  local name=$1 m
  shift
  for m in "$@"; do
    if [[ -n ${R[$name.$m.fail]:-} ]]; then
      echo "— [${R[$name.$m.fail]}]"
      return 0
    fi
  done
  return 1
}

# footnotes: the list under the table, `[n] text` per line.
footnotes() {
  local i
  for i in "${!FOOTNOTES[@]}"; do printf -- '- [%d] %s\n' $((i + 1)) "${FOOTNOTES[$i]}"; done
}

# wrk_failure FILE: why a wrk run's output in FILE cannot be used (empty when it can): no
# request completed, or every one timed out or was refused.
wrk_failure() {
  local requests errors
  requests=$(awk '/requests in/ { print $1 }' "$1")
  if [[ -z $requests || $requests == 0 ]]; then
    errors=$(awk '/Socket errors:/ { sub(/.*Socket errors: /, ""); print }' "$1")
    echo "no request completed in the run${errors:+ (socket errors: $errors)}"
    return
  fi
  if awk '/Non-2xx or 3xx responses:/ { bad = $NF } /requests in/ { n = $1 } END { exit !(bad == n) }' "$1"; then
    echo "every response was an error status"
  fi
}

# ws_summary FILE MODE RATE FIELD: a figure from a bench's `summary` lines: ws_fanout's
# (`summary mode=batch rate=1000 delivered_ratio=1.0000 p50_ms=… p99_ms=… kb_per_conn=…`) or
# chat_path's (`summary mode=chat rate=1000 clients=10 received_ratio=… p50_ms=… p99_ms=…`);
# an empty RATE matches any rate.
ws_summary() {
  awk -v mode="$2" -v rate="$3" -v field="$4" '
    $1 == "summary" { ok = 0; v = ""
      for (i = 2; i <= NF; i++) { split($i, kv, "=")
        if (kv[1] == "mode" && kv[2] == mode) ok++
        if (kv[1] == "rate" && (kv[2] == rate || rate == "")) ok++
        if (kv[1] == field) v = kv[2] }
      if (ok == 2 && v != "") { print v; exit } }' "$1"
}

# ipc_summary FILE FIELD: p50_us, p99_us or calls_per_s from ipc_roundtrip's last lines
# (`sequential round trip (…): p50 46.1µs, p90 …, p99 129µs, max …`, `pipelined (…): N calls/s`).
ipc_summary() {
  local line
  case $2 in
    p50_us | p99_us)
      line=$({ grep '^sequential round trip' "$1" || true; } | tail -1)
      [[ -n $line ]] || return 0
      local key=${2%_us}
      duration_us "$(sed -n "s/.* $key \([^,]*\),.*/\1/p" <<<"$line")"
      ;;
    calls_per_s)
      { grep '^pipelined' "$1" || true; } | tail -1 | sed -n 's/.*: \([0-9]*\) calls\/s.*/\1/p'
      ;;
  esac
}

# splice_table DOC RESULTS: replaces the lines between `<!-- bench-table:begin -->` and
# `<!-- bench-table:end -->` in DOC by the content of RESULTS (the markers stay; RESULTS' own
# `## ` title and the blank line after it are left out: the doc has its headings). Fails,
# leaving DOC as it was, when DOC lacks either marker.
splice_table() {
  local doc=$1 results=$2 begin='<!-- bench-table:begin -->' end='<!-- bench-table:end -->'
  grep -qxF "$begin" "$doc" && grep -qxF "$end" "$doc" || return 1
  awk -v begin="$begin" -v end="$end" -v results="$results" '
    $0 == begin { print; n = 0
      while ((getline line < results) > 0) {
        n++
        if ((n == 1 && line ~ /^## /) || (n == 2 && line == "" && title)) { title = 1; continue }
        print line }
      skip = 1; next }
    $0 == end { skip = 0 }
    !skip { print }' "$doc" >"$doc.tmp" && mv "$doc.tmp" "$doc"
}
