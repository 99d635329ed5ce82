#!/usr/bin/env bash
# Installs what *.loss.py files need for the tests: Debian's python3-torch (torch 1.13, CPU) and
# python3-numpy, for /usr/bin/python3 (Debian's interpreter: a pyenv/venv python3 first on PATH does
# not see them; the tests use /usr/bin/python3, or OD_TEST_PYTHON). Idempotent: when both packages are
# installed it returns at once. Waits for another apt/dpkg holding the lock (scripts/vscode/install.sh's
# apt_get, up to OD_APT_LOCK_TIMEOUT seconds, default 600). First install measured on this project's
# 2-core Debian 12 machine: several minutes (torch pulls ~150 Debian packages).
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
PACKAGES=(python3-torch python3-numpy)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "[python:install] up to date: $(dpkg-query -W -f='${Package} ${Version}  ' "${PACKAGES[@]}")"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "[python:install] no apt-get: install torch and numpy for your python3 yourself (the Python loss-file tests are skipped without them)" >&2
  exit 0
fi
# shellcheck source=../vscode/install.sh
source "$ROOT/scripts/vscode/install.sh"   # only its functions (apt_get waits for the dpkg lock)
T0=$(date +%s)
echo "[python:install] apt-get install ${missing[*]} (several minutes the first time)"
apt_get update -q >/dev/null
apt_get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
echo "[python:install] done in $(( $(date +%s) - T0 ))s: $(/usr/bin/python3 -c 'import torch; print("torch", torch.__version__)')"
