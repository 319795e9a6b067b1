#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster:
#   bash .ci/postgres.sh make test
# starts a new cluster on a free loopback port (data and socket in a temporary
# directory), creates the role `escribe` (CREATEDB, for pytest-django's
# test_escribe and the stack tests' own databases) and its database, runs the
# command with ESCRIBE_DATABASE_URL pointing there, then stops the cluster and
# deletes it, whatever the command did. Exits with the command's status.
# Needs the distribution's `postgresql` package (.ci/run installs it). As root
# the server runs as the `postgres` user: initdb refuses root.
set -euo pipefail

START_TIMEOUT=60  # seconds for the server to accept connections

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

# Debian's versioned directory (newest first), else wherever initdb is on PATH.
bindir=""
for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r) \
    "$(dirname "$(readlink -f "$(command -v initdb 2>/dev/null || echo /nonexistent)")")"; do
    if [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ] && [ -x "$candidate/psql" ]; then
        bindir=$candidate
        break
    fi
done
if [ -z "$bindir" ]; then
    echo "postgres.sh: no PostgreSQL server found; install the distribution's postgresql package." >&2
    exit 1
fi

as_server=()
if [ "$(id -u)" -eq 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
        echo "postgres.sh: running as root needs the postgres user (the postgresql package creates it)." >&2
        exit 1
    fi
    as_server=(runuser -u postgres --)
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/escribe-pg.XXXXXX")
server() {
    # From inside the cluster's directory: the server's user may not be
    # allowed into the caller's working directory.
    (cd "$dir" && "${as_server[@]}" "$@")
}
cleanup() {
    if [ -f "$dir/data/postmaster.pid" ]; then
        server "$bindir/pg_ctl" stop -D "$dir/data" -m fast -w -t 30 >/dev/null 2>&1 ||
            server "$bindir/pg_ctl" stop -D "$dir/data" -m immediate -w -t 10 >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ "${#as_server[@]}" -eq 0 ] || chown postgres: "$dir"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')

# Local (unix socket) logins only for the cluster's superuser, as itself;
# the application logs in over TCP with a password, as in production.
server "$bindir/initdb" -D "$dir/data" --auth-local=peer --auth-host=scram-sha-256 \
    --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 1
}
# Throwaway data: durability off for speed; enough connections for the
# stack tests' gunicorn threads (each keeps its own).
options="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir"
options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
if ! server "$bindir/pg_ctl" start -D "$dir/data" -l "$dir/server.log" -w -t "$START_TIMEOUT" -o "$options" >/dev/null; then
    echo "postgres.sh: the server did not start; its log:" >&2
    tail -n 40 "$dir/server.log" >&2 || true
    exit 1
fi
deadline=$((SECONDS + START_TIMEOUT))
until "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "postgres.sh: the server did not accept connections within $START_TIMEOUT s" >&2
        tail -n 40 "$dir/server.log" >&2 || true
        exit 1
    fi
    sleep 0.5
done

server "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -d postgres \
    -c "CREATE ROLE escribe LOGIN CREATEDB PASSWORD '$password'" \
    -c "CREATE DATABASE escribe OWNER escribe"

echo "postgres.sh: $("$bindir/postgres" --version), a throwaway cluster on 127.0.0.1:$port"
status=0
ESCRIBE_DATABASE_URL="postgres://escribe:$password@127.0.0.1:$port/escribe" "$@" || status=$?
exit "$status"
