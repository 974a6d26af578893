#!/usr/bin/env bash
# The desktop app (bins/pryx-desktop, Tauri 2): installs what it needs (WebKitGTK, the tray's
# appindicator, Xvfb, xdotool, ImageMagick, a D-Bus session for the single-instance check)
# when missing, lints, unit-tests and builds it, then drives the real window under Xvfb
# (scripts/desktop-window-test.sh). Called by scripts/test.sh; runnable alone.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> desktop: %s\n' "$*"; }
started=$(date +%s)

step "system packages"
packages=()
pkg-config --exists webkit2gtk-4.1 2>/dev/null || packages+=(libwebkit2gtk-4.1-dev)
pkg-config --exists ayatana-appindicator3-0.1 2>/dev/null || packages+=(libayatana-appindicator3-dev)
pkg-config --exists librsvg-2.0 2>/dev/null || packages+=(librsvg2-dev)
pkg-config --exists libxdo 2>/dev/null || [ -e /usr/include/xdo.h ] || packages+=(libxdo-dev)
command -v pkg-config >/dev/null || packages+=(pkg-config)
command -v Xvfb >/dev/null || packages+=(xvfb)
command -v xdotool >/dev/null || packages+=(xdotool)
command -v xwininfo >/dev/null || packages+=(x11-utils)
command -v import >/dev/null && import -version 2>/dev/null | grep -q ImageMagick || packages+=(imagemagick)
command -v dbus-run-session >/dev/null || packages+=(dbus-daemon)
command -v curl >/dev/null || packages+=(curl)
if [ ${#packages[@]} -gt 0 ]; then
    echo "installing: ${packages[*]}"
    as_root=()
    [ "$(id -u)" -eq 0 ] || as_root=(sudo)
    "${as_root[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends \
        "${packages[@]}" >/dev/null
else
    echo "all present"
fi

step "lint (clippy -D warnings)"
cargo clippy -p pryx-desktop --all-targets --locked -- -D warnings

step "unit tests (attach decision, problem page, tray status, token trust, updater key)"
cargo test -p pryx-desktop --locked

step "build (the app; the headless host, the CLI and the reference runtime the test uses)"
cargo build -p pryx-desktop -p pryx-core -p pryx -p pryx-runtime-ref --locked

step "real window under Xvfb"
dbus-run-session -- ./scripts/desktop-window-test.sh

echo
echo "desktop: all checks passed in $(( $(date +%s) - started )) s"
