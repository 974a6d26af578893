#!/usr/bin/env bash
# The real-window test of pryx-desktop, under Xvfb (run by scripts/test-desktop.sh inside its
# own D-Bus session). Every check is a real observation: the X server's window list and
# names (xdotool), the host's own answers on its port (curl), the page's DOM read back from
# the webview (the app's test-only PRYX_DESKTOP_PROBE=1 lines on stdout), process ids from
# /proc. Screenshots are kept in target/desktop-artifacts/ (they illustrate; they prove
# nothing on their own). Scenarios: embedded host (close hides, second instance, quit, no
# orphans); attaching to a running headless host; the problem page when the port is taken and
# when the data dir is unsafe. KEEP_WORK=1 keeps the temp dir with every log.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${CARGO_TARGET_DIR:-target}
bin="$target/debug"
art="$target/desktop-artifacts"
rm -rf "$art"
mkdir -p "$art"
work=$(mktemp -d)
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    [ -n "${KEEP_WORK:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    for f in "$work"/*.out "$work"/*.err; do
        [ -s "$f" ] && { echo "--- $f" >&2; tail -n 40 "$f" >&2; }
    done
    exit 1
}
pass() { echo "ok: $*"; passed=$((passed + 1)); }
passed=0

# waits up to $1 seconds for the command in "${@:2}" to succeed
wait_for() {
    local limit=$1
    shift
    local deadline=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.2
    done
}
# the first probe line of kind $2 in file $1 (and matching the jq-free grep $3, if given)
probe_line() { grep "\"probe\":\"$2\"" "$1" | grep -m1 -e "${3:-}"; }
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
alive() { [ -d "/proc/$1" ] && ! grep -q '^State:.*[ZX]' "/proc/$1/status" 2>/dev/null; }
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
window_named() { xdotool search --onlyvisible --name "^$1\$" >/dev/null; }
window_hidden() { ! xdotool search --onlyvisible --name "^$1\$" >/dev/null; }
screenshot() { import -window root "$art/$1.png"; echo "screenshot: $art/$1.png"; }
home() { mkdir -m 700 "$work/$1"; echo "$work/$1"; }

# --- the display
mkfifo "$work/displayfd"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$work/displayfd" 2>"$work/xvfb.err" &
pids+=($!)
read -r -t 10 display <"$work/displayfd" || fail "Xvfb did not start"
export DISPLAY=":$display"
echo "Xvfb on $DISPLAY"
# No GPU here; WebKit renders in software.
export WEBKIT_DISABLE_COMPOSITING_MODE=1 LIBGL_ALWAYS_SOFTWARE=1 PRYX_DESKTOP_PROBE=1
export NO_AT_BRIDGE=1

start_desktop() { # name, data dir, extra args...; sets $app (a child of this shell)
    local name=$1 dir=$2
    shift 2
    "$bin/pryx-desktop" --data-dir "$dir" "$@" >"$work/$name.out" 2>"$work/$name.err" &
    app=$!
    pids+=("$app")
}

# --- 1. embedded host, a second instance, quit
h1=$(home embedded)
t0=$SECONDS
start_desktop embedded "$h1" --port 0 --runtime "$bin/pryx-runtime-ref"
wait_for 30 probe_line "$work/embedded.out" host '"mode":"embedded"' || fail "no embedded host reported"
addr=$(field "$(probe_line "$work/embedded.out" host)" addr)
port=${addr##*:}
pass "embedded host listening on $addr after $((SECONDS - t0)) s"
wait_for 30 window_named "Dashboard · Pryx" || fail "no window named 'Dashboard · Pryx' (windows: $(xdotool search --name . getwindowname %@ 2>/dev/null | tr '\n' '|'))"
pass "the X server shows a window named 'Dashboard · Pryx'"
wait_for 30 probe_line "$work/embedded.out" dom '"runtime_card":"Agent runtime ready' \
    || fail "the dashboard's DOM never showed a logged-in page with the runtime ready"
dom=$(probe_line "$work/embedded.out" dom '"runtime_card":"Agent runtime ready')
echo "$dom" | grep -q '"logged_in":true' || fail "dashboard DOM without the logged-in frame: $dom"
echo "$dom" | grep -q '"path":"/"' || fail "dashboard DOM not at /: $dom"
pass "the webview shows the logged-in dashboard: $dom"
grep -q '#login=' "$work/embedded.out" && fail "a login code was printed"
token=$(cat "$h1/admin.token")
grep -rq -- "$token" "$work/embedded.out" "$work/embedded.err" && fail "the admin token was printed"
health=$(curl -fsS -H "Authorization: Bearer $token" "http://$addr/api/v1/health") || fail "no health on $addr"
runtime_pid=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["ports"]["runtime"]["pid"])' "$health")
[ "$(readlink "/proc/$runtime_pid/exe")" = "$(readlink -f "$bin/pryx-runtime-ref")" ] \
    || fail "runtime pid $runtime_pid is not the reference runtime"
grep -q "^PPid:[[:space:]]*$app\$" "/proc/$runtime_pid/status" || fail "runtime $runtime_pid is not a child of the app $app"
pass "the embedded host answers on $port (health ok) and supervises runtime pid $runtime_pid (a child of the app)"
status=$("$bin/pryx" --data-dir "$h1" --json status) || fail "pryx status did not find the desktop's host"
[ "$(field "$status" pid)" = "$app" ] || fail "pryx status names another pid: $status"
pass "the CLI (pryx status) finds the desktop's embedded host (pid $app)"
wait_for 10 probe_line "$work/embedded.out" status "Runtime: ready (pid $runtime_pid)" \
    || fail "the tray never said the runtime is ready"
pass "tray status: $(probe_line "$work/embedded.out" status 'Runtime: ready')"
# The tray follows the host's own view: kill the runtime, and the tray shows the restart.
kill -KILL "$runtime_pid"
wait_for 15 probe_line "$work/embedded.out" status 'Runtime: ready (pid [0-9]*, 1 restart)' \
    || fail "the tray did not follow the runtime's restart: $(grep '"status"' "$work/embedded.out" | tail -n 3)"
runtime_pid=$(probe_line "$work/embedded.out" status '1 restart' | grep -o 'pid [0-9]*' | cut -d' ' -f2)
alive "$runtime_pid" || fail "the restarted runtime $runtime_pid is not running"
pass "after the runtime was killed the tray says: $(probe_line "$work/embedded.out" status '1 restart')"
screenshot embedded-dashboard

window=$(xdotool search --onlyvisible --name "^Dashboard · Pryx\$" | head -n1)
./scripts/x11-close-window.py "$window"
wait_for 10 probe_line "$work/embedded.out" hidden || fail "closing the window did not hide it"
wait_for 5 window_hidden "Dashboard · Pryx" || fail "the window is still mapped after closing it"
alive "$app" || fail "closing the window ended the app"
curl -fsS "http://$addr/api/v1/health" >/dev/null || fail "closing the window stopped the host"
pass "closing the window (WM_DELETE_WINDOW) hides it; app and host keep running"

t1=$SECONDS
timeout 20 "$bin/pryx-desktop" --data-dir "$h1" --port 0 >"$work/second.out" 2>"$work/second.err" \
    || fail "the second instance did not exit 0 within 20 s (rc $?)"
pass "a second launch exited (0) after $((SECONDS - t1)) s"
wait_for 5 probe_line "$work/embedded.out" second-instance || fail "the first instance was not told of the second"
grep -q '"probe":"host"' "$work/second.out" && fail "the second instance started a host"
alive "$app" || fail "the first instance died"
curl -fsS "http://$addr/api/v1/health" >/dev/null || fail "the host stopped answering after the second launch"
wait_for 10 window_named "Dashboard · Pryx" || fail "the second launch did not bring the hidden window back"
pass "the first instance showed its window again and keeps serving"

t2=$SECONDS
kill -TERM "$app"
wait_for 15 bash -c "! [ -d /proc/$app ] || grep -q '^State:.*Z' /proc/$app/status" || fail "the app did not exit within 15 s of SIGTERM"
wait "$app" && rc=0 || rc=$?
[ "$rc" -eq 0 ] || fail "the app exited $rc"
probe_line "$work/embedded.out" quit '"host_stopped_cleanly":true' >/dev/null || fail "quit did not stop the host cleanly"
alive "$runtime_pid" && fail "runtime $runtime_pid outlived the app"
port_free "$port" || fail "port $port still answers"
pgrep -f -- "$h1" >/dev/null && fail "a process still names $h1: $(pgrep -af -- "$h1")"
pass "quit (SIGTERM, the tray's Quit path) stopped host and runtime in $((SECONDS - t2)) s: no process left, port $port free"

# --- 2. attach to a running headless host
h2=$(home attach)
"$bin/pryx-core" --data-dir "$h2" --port 0 >"$work/headless.out" 2>"$work/headless.err" &
headless=$!
pids+=($headless)
wait_for 15 grep -q '"event":"listening"' "$work/headless.out" || fail "headless host did not start"
haddr=$(field "$(grep -m1 '"event":"listening"' "$work/headless.out")" addr)
start_desktop attach "$h2" --port 0
wait_for 30 probe_line "$work/attach.out" host '"mode":"attached"' || fail "the desktop did not attach"
[ "$(field "$(probe_line "$work/attach.out" host)" addr)" = "$haddr" ] || fail "attached to the wrong address"
pass "the desktop attached to the headless host at $haddr (no second host)"
wait_for 30 probe_line "$work/attach.out" dom '"logged_in":true' || fail "attached window not logged in"
wait_for 30 window_named "Dashboard · Pryx" || fail "attached window not on the dashboard"
pass "the attached window shows the logged-in dashboard"
screenshot attached-dashboard
kill -TERM "$app"
wait_for 15 bash -c "! [ -d /proc/$app ]" || fail "attached app did not exit"
curl -fsS "http://$haddr/api/v1/health" >/dev/null || fail "quitting the attached app stopped the headless host"
pass "quitting the attached window leaves the headless host running"
kill -TERM "$headless"
wait_for 10 bash -c "! [ -d /proc/$headless ]" || fail "headless host did not stop"

# --- 3. the host cannot start: the window says why, quickly
h3=$(home problem)
python3 -c 'import socket,time,sys; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(120)' >"$work/busy.port" &
listener=$!
pids+=("$listener")
wait_for 5 test -s "$work/busy.port" || fail "no busy port"
busy=$(cat "$work/busy.port")
t3=$SECONDS
start_desktop problem "$h3" --port "$busy"
wait_for 10 window_named "Pryx: host not available" || fail "no problem page window within 10 s"
took=$((SECONDS - t3))
problem=$(probe_line "$work/problem.out" problem) || fail "no problem reported"
echo "$problem" | grep -q "The port is taken by another program" || fail "wrong problem: $problem"
echo "$problem" | grep -q "127.0.0.1:$busy is already in use" || fail "the problem does not name the port: $problem"
pass "port $busy taken: the window shows 'The port is taken by another program' after ${took} s"
screenshot problem-page
kill -TERM "$app"
wait_for 15 bash -c "! [ -d /proc/$app ]" || fail "app with the problem page did not exit"
pass "quit from the problem page"
kill "$listener"
wait "$listener" 2>/dev/null || true

# --- 4. a data dir the trust checks refuse: the window names the fix
h4=$(home unsafe)
chmod 777 "$h4"
t4=$SECONDS
start_desktop unsafe "$h4" --port 0
wait_for 10 window_named "Pryx: host not available" || fail "no problem page for an unsafe data dir within 10 s"
problem=$(probe_line "$work/unsafe.out" problem) || fail "no problem reported"
echo "$problem" | grep -q "The data directory is not safe to use" || fail "wrong problem: $problem"
echo "$problem" | grep -q "chmod" || fail "the problem does not name the fix: $problem"
pass "unsafe data dir: the window says so, with the fix, after $((SECONDS - t4)) s"
screenshot problem-unsafe-data-dir
kill -TERM "$app"
wait_for 15 bash -c "! [ -d /proc/$app ]" || fail "app with the unsafe-dir page did not exit"

echo
echo "$passed passed, 0 failed"
