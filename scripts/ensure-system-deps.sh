#!/usr/bin/env bash
# Makes sure the machine has what the test suite and the demo need beyond npm packages:
#   - Debian's PyTorch (the independent reference implementation in test/reference/)
#   - docker-compose (validates docker-compose.yml; there is no Docker engine to run it)
#   - Debian's chromium (the admin panel's browser tests drive it with playwright-core)
# Installs what is missing with apt-get (root), so a bare Debian machine works too.
# Usage: scripts/ensure-system-deps.sh [torch]...   (no argument = everything)
set -euo pipefail

want="${*:-torch compose chromium}"
PY=/usr/bin/python3
apt_updated=0

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "ensure-system-deps: missing $*; install with: sudo apt-get install -y $*" >&2
    exit 1
  fi
  if [ "$apt_updated" = 0 ]; then
    apt-get update -qq
    apt_updated=1
  fi
  # needrestart (when present) would ask questions or print Perl warnings; nothing runs here to restart.
  DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a NEEDRESTART_SUSPEND=1 \
    apt-get install -y -qq "$@" >/dev/null
}

for item in $want; do
  case "$item" in
    torch)
      if ! "$PY" -c 'import torch, numpy' >/dev/null 2>&1; then
        echo "ensure-system-deps: installing python3-torch (PyTorch reference)"
        apt_install python3 python3-torch python3-numpy libopenblas0-pthread
      fi
      ;;
    compose)
      if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null; then
        echo "ensure-system-deps: installing docker-compose (checks docker-compose.yml)"
        apt_install docker-compose
      fi
      ;;
    chromium)
      if [ ! -x /usr/bin/chromium ]; then
        echo "ensure-system-deps: installing chromium (admin panel browser tests)"
        apt_install chromium
      fi
      ;;
    *)
      echo "ensure-system-deps: unknown item $item" >&2
      exit 2
      ;;
  esac
done
