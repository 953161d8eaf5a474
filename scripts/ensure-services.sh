#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) answer, for `npm test`, the
# demo and CI: a service that is installed but stopped is started; one that is absent is installed
# with apt-get (root) and started. On a PostgreSQL installed here, local TCP connections from
# 127.0.0.1 get trust auth (a development/CI convenience; production sets DATABASE_URL with a
# password). Set RZERO_SKIP_SERVICES=1 to skip (services managed elsewhere).
set -euo pipefail
[ "${RZERO_SKIP_SERVICES:-}" = 1 ] && exit 0

up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_up() {
  for _ in $(seq 1 60); do up "$1" && return 0; sleep 0.5; done
  echo "ensure-services: $2 did not start on port $1" >&2
  exit 1
}
apt_updated=0
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "ensure-services: $* missing; install with: sudo apt-get install -y $*" >&2
    exit 1
  fi
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# PostgreSQL
if ! up 5432; then
  installed_here=0
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "ensure-services: installing PostgreSQL"
    apt_install postgresql
    installed_here=1
  fi
  ver=$(ls /usr/lib/postgresql | sort -V | tail -1)
  if [ "$installed_here" = 1 ]; then
    hba=$(ls /etc/postgresql/"$ver"/*/pg_hba.conf | head -1)
    sed -i -E 's/^(host\s+all\s+all\s+127\.0\.0\.1\/32\s+)\S+/\1trust/; s/^(host\s+all\s+all\s+::1\/128\s+)\S+/\1trust/' "$hba"
  fi
  echo "ensure-services: starting PostgreSQL $ver"
  if command -v pg_ctlcluster >/dev/null; then
    as_root pg_ctlcluster "$ver" main start || as_root service postgresql start
  else
    as_root service postgresql start
  fi
  wait_up 5432 PostgreSQL
fi

# Redis
if ! up 6379; then
  if ! command -v redis-server >/dev/null; then
    echo "ensure-services: installing Redis"
    apt_install redis-server
  fi
  echo "ensure-services: starting Redis"
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save '' --appendonly no >/dev/null
  wait_up 6379 Redis
fi
