#!/usr/bin/env bash
# Tests the helpers of scripts/bench.sh (scripts/bench-lib.sh) in about a second: peer command
# templates, placeholder expansion, failed-cell footnotes, and the parsers of wrk, ws_fanout and
# ipc_roundtrip output. Run by scripts/test.sh; the benchmark itself is not.
set -euo pipefail
cd "$(dirname "$0")/.."
LIB=${BENCH_LIB:-scripts/bench-lib.sh}
# shellcheck source=scripts/bench-lib.sh
source "$LIB"

FAILED=0
PASSED=0
check() { # check NAME EXPECTED ACTUAL
  if [[ $2 == "$3" ]]; then
    PASSED=$((PASSED + 1))
  else
    FAILED=$((FAILED + 1))
    printf 'FAIL %s\n  expected: %q\n  actual:   %q\n' "$1" "$2" "$3" >&2
  fi
}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# --- peer commands: the default's last word must not carry the `}` of `{port}`
unset BENCH_OPENCLAW_CMD BENCH_OPENCODE_CMD
split_words words "$(peer_command_template openclaw)"
check "openclaw default, last word" "--allow-unconfigured" "${words[-1]}"
check "openclaw default, whole" "openclaw gateway run --port {port} --bind loopback --allow-unconfigured" "${words[*]}"
split_words words "$(peer_command_template opencode)"
check "opencode default, last word" "127.0.0.1" "${words[-1]}"
check "opencode default, port word" "{port}" "${words[3]}"

BENCH_OPENCLAW_CMD='node /x/openclaw.mjs gateway run --port {port}'
check "openclaw override is taken as is" "$BENCH_OPENCLAW_CMD" "$(peer_command_template openclaw)"
BENCH_OPENCODE_CMD='/opt/opencode serve --port {port}'
check "opencode override is taken as is" "$BENCH_OPENCODE_CMD" "$(peer_command_template opencode)"
BENCH_OPENCLAW_CMD=''
check "an empty override means the default" "$BENCH_OPENCLAW_DEFAULT" "$(peer_command_template openclaw)"
unset BENCH_OPENCLAW_CMD BENCH_OPENCODE_CMD
check "an unknown peer is refused" "refused" "$(peer_command_template nope >/dev/null && echo accepted || echo refused)"

split_words words "$(peer_command_template openclaw)"
expand_placeholders cmd 4242 3 "${words[@]}" "--data=/tmp/run-{run}" '*'
check "placeholders, port" "--port 4242" "${cmd[3]} ${cmd[4]}"
check "placeholders, run and no glob" "--data=/tmp/run-3 *" "${cmd[-2]} ${cmd[-1]}"
check "placeholders, word count" "10" "${#cmd[@]}"
check "placeholders, no brace left" "" "$(printf '%s\n' "${cmd[@]}" | grep '[{}]' || true)"

check "peer bin dir" "/c/node_modules/.bin" "$(peer_bin_dir /c)"
check "cache manifest allows the two install scripts" "true true" \
  "$(peer_cache_manifest | sed -n 's/.*"node": \(true\).*"opencode-ai": \(true\).*/\1 \2/p')"

# --- failed cells and footnotes
declare -A R=()
FOOTNOTES=()
fail_note opencode ui "GET / answered nothing"
fail_note opencode ui.lat "GET / answered nothing"
fail_note openclaw startup "did not start"
check "footnote numbers are shared by one text" "1 1 2" "${R[opencode.ui.fail]} ${R[opencode.ui.lat.fail]} ${R[openclaw.startup.fail]}"
check "failed cell" "— [1]" "$(failed_cell opencode ui.rps ui)"
check "a measured cell is not failed" "measured" "$(failed_cell opencode health || echo measured)"
check "footnotes" $'- [1] GET / answered nothing\n- [2] did not start' "$(footnotes)"

# --- number helpers
check "to_ms" "10000 500 60000" "$(to_ms 10s) $(to_ms 500ms) $(to_ms 1m)"
check "median odd" "3" "$(printf '%s\n' 5 1 3 | median)"
check "median even" "2.50" "$(printf '%s\n' 4 1 2 3 | median)"
check "lat_ms" "0.81 1.20 2000.00" "$(lat_ms 812.00us) $(lat_ms 1.20ms) $(lat_ms 2.00s)"
check "duration_us" "0.8 46.1 1200.0 3000000.0" "$(duration_us 812ns) $(duration_us 46.1µs) $(duration_us 1.2ms) $(duration_us 3s)"
check "ratio" "1.50× —" "$(ratio 3 2) $(ratio '' 2)"
check "num" "1,234,567" "$(num 1234567)"
check "met" "met **missed** met not measured" "$(met 1 '<' 2) $(met 3 '<' 2) $(met 16 '<=' 16) $(met '' '<' 2)"

# --- wrk output
cat >"$TMP/ok.txt" <<'EOF'
  2 threads and 64 connections
  28000 requests in 10.00s, 4.00MB read
Requests/sec:   2800.00
EOF
cat >"$TMP/none.txt" <<'EOF'
  2 threads and 64 connections
  0 requests in 10.00s, 0.00B read
  Socket errors: connect 0, read 0, write 0, timeout 64
Requests/sec:      0.00
EOF
cat >"$TMP/bad.txt" <<'EOF'
  120 requests in 10.00s, 4.00KB read
  Non-2xx or 3xx responses: 120
EOF
check "wrk ok" "" "$(wrk_failure "$TMP/ok.txt")"
check "wrk none" "no request completed in the run (socket errors: connect 0, read 0, write 0, timeout 64)" "$(wrk_failure "$TMP/none.txt")"
check "wrk errors only" "every response was an error status" "$(wrk_failure "$TMP/bad.txt")"

# --- ws_fanout and ipc_roundtrip output
cat >"$TMP/ws.txt" <<'EOF'
| 1000 | 999667 | 1.0000 | 10.90 | 37.90 | 76.9 | 0 | 65 % | 52 % | 1.09 |
summary mode=frame rate=1000 delivered_ratio=0.9990 p50_ms=22.70 p99_ms=173.00 kb_per_conn=18.7
summary mode=batch rate=1000 delivered_ratio=1.0000 p50_ms=10.90 p99_ms=37.90 kb_per_conn=18.5
EOF
check "ws batch p99" "37.90" "$(ws_summary "$TMP/ws.txt" batch 1000 p99_ms)"
check "ws frame ratio" "0.9990" "$(ws_summary "$TMP/ws.txt" frame 1000 delivered_ratio)"
check "ws any rate" "18.5" "$(ws_summary "$TMP/ws.txt" batch '' kb_per_conn)"
check "ws missing" "" "$(ws_summary "$TMP/ws.txt" batch 5000 p99_ms)"
cat >"$TMP/ipc.txt" <<'EOF'
ipc/round_trip          time:   [41.2 µs 47.0 µs 53.1 µs]
sequential round trip (20,000 calls): p50 46.312µs, p90 59.1µs, p99 1.29ms, max 13.2ms
pipelined (64 in flight, 200000 calls): 123456 calls/s
EOF
check "ipc p50" "46.3" "$(ipc_summary "$TMP/ipc.txt" p50_us)"
check "ipc p99" "1290.0" "$(ipc_summary "$TMP/ipc.txt" p99_us)"
check "ipc calls/s" "123456" "$(ipc_summary "$TMP/ipc.txt" calls_per_s)"
cat >"$TMP/chat.txt" <<'EOF'
chat path: 10 clients, 1000 tokens/s, 5 s measured; load average: 0.5 0.4 0.3 1/100 1
summary mode=chat rate=1000 clients=10 received_ratio=1.0000 p50_ms=0.081 p99_ms=0.412 max_ms=3.100
EOF
check "chat p50" "0.081" "$(ws_summary "$TMP/chat.txt" chat '' p50_ms)"
check "chat p99" "0.412" "$(ws_summary "$TMP/chat.txt" chat 1000 p99_ms)"
check "chat clients" "10" "$(ws_summary "$TMP/chat.txt" chat '' clients)"
check "chat not in the ws file" "" "$(ws_summary "$TMP/ws.txt" chat '' p50_ms)"
check "met_both met" "met" "$(met_both 0.08 '<' 0.5 0.41 '<' 2)"
check "met_both one missed" "**missed**" "$(met_both 0.08 '<' 0.5 2.5 '<' 2)"
check "met_both the other missed" "**missed**" "$(met_both 0.6 '<' 0.5 0.41 '<' 2)"
check "met_both not measured" "not measured" "$(met_both "" '<' 0.5 0.41 '<' 2)"
# Assigned as bench.sh does, under `set -e`: a figure that is missing is empty, not an exit.
missing=$(ipc_summary "$TMP/ok.txt" calls_per_s)
check "ipc missing calls/s" "" "$missing"
missing=$(ipc_summary "$TMP/ok.txt" p99_us)
check "ipc missing p99" "" "$missing"
missing=$(ws_summary "$TMP/ok.txt" batch 1000 p99_ms)
check "ws missing in another file" "" "$missing"

printf 'prose before\n<!-- bench-table:begin -->\nold table\nold note\n<!-- bench-table:end -->\nprose after\n' >"$TMP/doc.md"
printf '## Pryx host benchmark\n\n| new | table |\n- new note\n' >"$TMP/results.md"
splice_table "$TMP/doc.md" "$TMP/results.md"
check "splice keeps the prose and the markers, replaces the table" \
  "prose before|<!-- bench-table:begin -->|| new | table ||- new note|<!-- bench-table:end -->|prose after" \
  "$(paste -sd'|' "$TMP/doc.md")"
printf 'no markers\n' >"$TMP/plain.md"
if splice_table "$TMP/plain.md" "$TMP/results.md"; then spliced=yes; else spliced=no; fi
check "splice refuses a doc without markers" "no" "$spliced"
printf '| only | table |\n\n- note\n' >"$TMP/untitled.md"
printf 'a\n<!-- bench-table:begin -->\n<!-- bench-table:end -->\n' >"$TMP/doc2.md"
splice_table "$TMP/doc2.md" "$TMP/untitled.md"
check "splice keeps a results file without a title whole" \
  "a|<!-- bench-table:begin -->|| only | table |||- note|<!-- bench-table:end -->" "$(paste -sd'|' "$TMP/doc2.md")"
check "splice leaves that doc alone" "no markers" "$(cat "$TMP/plain.md")"

echo "bench helpers: $PASSED passed, $FAILED failed"
((FAILED == 0))
