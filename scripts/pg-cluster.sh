#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, from Debian's `postgresql` package.
#
#   scripts/pg-cluster.sh start DIR   # prints its URL (also in DIR/url), nothing else on stdout
#   scripts/pg-cluster.sh stop DIR    # fine when it is already stopped
#
# The cluster lives in DIR (data in DIR/data, log in DIR/log, socket in DIR), listens on
# a free loopback port, trusts every local connection, and is tuned for speed over
# durability (no fsync): it holds nothing worth keeping. Its one role, `routeval`, is the
# superuser initdb creates, so tests can create a database each. The C collation sorts
# text bytewise, as SQLite does.
#
# PostgreSQL refuses to run as root: run as root, the cluster belongs to the `postgres`
# system user (created by the package), DIR included.
set -euo pipefail

ROLE=routeval

log() { echo "pg-cluster: $*" >&2; }
die() { log "$*"; exit 1; }

usage() {
  echo "usage: $0 start DIR | stop DIR" >&2
  exit 2
}

# Run a command as root (directly, or through sudo).
as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    die "not root and no sudo: cannot run $*"
  fi
}

# Run a command as the cluster's owner, $OWNER, when we are root (PostgreSQL will not run
# as root); else as ourselves.
OWNER=postgres
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    (cd / && runuser -u "$OWNER" -- "$@")
  else
    "$@"
  fi
}

# The bin directory of the highest installed PostgreSQL version that has initdb.
find_bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [[ -x $d/initdb ]]; then echo "$d"; fi
  done | sort -V | tail -n 1
}

# The bin directory, installing Debian's `postgresql` package when there is none.
bindir() {
  local dir
  dir=$(find_bindir)
  if [[ -z $dir ]]; then
    log "no initdb in /usr/lib/postgresql/*/bin: installing postgresql"
    # `env`, as sudo would drop an exported DEBIAN_FRONTEND. The package lists are
    # refreshed only when the install fails (stale or missing lists).
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2; then
      as_root apt-get update >&2
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2
    fi
    dir=$(find_bindir)
    [[ -n $dir ]] || die "postgresql installed, but still no initdb in /usr/lib/postgresql/*/bin"
  fi
  echo "$dir"
}

# A TCP port nothing listens on at 127.0.0.1 (the OS's pick when python3 is there).
free_port() {
  if command -v python3 >/dev/null; then
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
    return
  fi
  local port _
  for _ in $(seq 200); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  die "no free port found"
}

start() {
  local dir=$1 bin port url attempt seen
  bin=$(bindir)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd -P)
  [[ -e $dir/data ]] && die "$dir/data already exists"
  # The server's socket, $dir/.s.PGSQL.<port>, must fit a Unix socket path (107 bytes).
  (( ${#dir} <= 90 )) || die "$dir is too long a path for the server's socket; use a shorter one"

  if [[ $(id -u) -eq 0 ]]; then
    getent passwd postgres >/dev/null || die "no postgres user (it comes with the postgresql package)"
    chown postgres: "$dir"
    chmod 0755 "$dir"
    as_owner test -w "$dir" ||
      die "the postgres user cannot reach $dir (a parent directory is closed to it); use a directory under /tmp"
  fi

  log "initdb ($bin) into $dir/data"
  as_owner "$bin/initdb" -D "$dir/data" --auth=trust -U "$ROLE" -E UTF8 --locale=C --no-sync >&2

  # Another process may take the port between the pick and the bind: pick again then.
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    seen=0
    [[ -f $dir/log ]] && seen=$(wc -l < "$dir/log")
    log "starting on 127.0.0.1:$port (log: $dir/log)"
    if as_owner "$bin/pg_ctl" -D "$dir/data" \
      -o "-c listen_addresses=127.0.0.1 -p $port -k '$dir' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      -l "$dir/log" start -w >&2; then
      url="postgres://$ROLE@127.0.0.1:$port/postgres"
      echo "$url" > "$dir/url"
      echo "$url"
      return
    fi
    if ! tail -n "+$((seen + 1))" "$dir/log" 2>/dev/null | grep -iE 'could not bind|address already in use' >/dev/null; then
      tail -n 20 "$dir/log" >&2 2>/dev/null || true
      die "the server did not start (log: $dir/log)"
    fi
    log "port $port was taken (attempt $attempt); picking another"
  done
  die "the server did not start: no free port after 5 attempts (log: $dir/log)"
}

stop() {
  local dir=$1 bin version
  if [[ ! -f $dir/data/PG_VERSION ]]; then
    log "no cluster in $dir: nothing to stop"
    return
  fi
  # The binaries of the version that made the cluster, else the highest installed.
  version=$(cat "$dir/data/PG_VERSION")
  bin=/usr/lib/postgresql/$version/bin
  [[ -x $bin/pg_ctl ]] || bin=$(find_bindir)
  [[ -n $bin ]] || die "no pg_ctl in /usr/lib/postgresql/*/bin"
  # Whoever owns the cluster stops it (root runs pg_ctl as that user).
  OWNER=$(stat -c %U "$dir/data")
  if ! as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    log "the cluster in $dir is not running"
    return
  fi
  if ! as_owner "$bin/pg_ctl" -D "$dir/data" stop -m immediate -w >&2; then
    if as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      die "could not stop the cluster in $dir"
    fi
    log "the cluster in $dir had already stopped"
  fi
}

[[ $# -eq 2 ]] || usage
case $1 in
  start) start "$2" ;;
  stop) stop "$2" ;;
  *) usage ;;
esac
