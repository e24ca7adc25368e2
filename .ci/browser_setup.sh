#!/usr/bin/env bash
# Install what tests/test_browser.py needs: Debian's chromium and npm's playwright-core (into tests/browser/node_modules).
# Never fails: when an install does not work, the browser test skips and says what is missing.
set -u
cd "$(dirname "$0")/.." || exit 0
log() { echo "browser_setup: $*"; }
PKGS=""
[ -x /usr/bin/chromium ] || PKGS="chromium"
command -v npm >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"
if [ -n "$PKGS" ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo -n"
    log "installing Debian packages:$PKGS"
    { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $PKGS; } \
      >/tmp/browser_setup_apt.log 2>&1 || log "apt-get install$PKGS failed (see /tmp/browser_setup_apt.log)"
  else log "no apt-get: cannot install$PKGS"; fi
fi
[ -x /usr/bin/chromium ] && log "$(/usr/bin/chromium --version 2>/dev/null)"
if [ ! -f tests/browser/node_modules/playwright-core/package.json ]; then
  if command -v npm >/dev/null 2>&1; then
    NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
    log "installing npm playwright-core into tests/browser/node_modules (node $NODE_MAJOR)"
    if [ "$NODE_MAJOR" -ge 20 ]; then
      (cd tests/browser && npm install --no-audit --no-fund --loglevel=error) >/tmp/browser_setup_npm.log 2>&1 \
        || log "npm install failed (see /tmp/browser_setup_npm.log)"
    else  # Debian bookworm's own nodejs is 18: the pinned playwright-core needs 20, 1.60.0 still supports 18
      (cd tests/browser && npm install --no-save --no-audit --no-fund --loglevel=error playwright-core@1.60.0) >/tmp/browser_setup_npm.log 2>&1 \
        || log "npm install failed (see /tmp/browser_setup_npm.log)"
    fi
  else log "no npm: cannot install playwright-core"; fi
fi
[ -f tests/browser/node_modules/playwright-core/package.json ] && log "playwright-core $(node -p "require('./tests/browser/node_modules/playwright-core/package.json').version" 2>/dev/null)"
exit 0
