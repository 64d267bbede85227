#!/bin/sh
# The part of the official image's entrypoint that tests use. The cluster was initialised at build time with the
# superuser `postgres` (scram over TCP, trust on the container's own Unix socket); on first start this adds
# POSTGRES_USER (a superuser) with POSTGRES_PASSWORD and creates POSTGRES_DB, in single-user mode, then runs the server
# as the postgres OS user. No temporary server and no init scripts: the first time PostgreSQL listens on TCP, it is
# ready. A data directory mounted empty is initialised here instead.
set -eu
if [ "${1#-}" != "$1" ]; then set -- postgres "$@"; fi
if [ "$1" != postgres ]; then exec "$@"; fi
shift

user="${POSTGRES_USER:-postgres}"
database="${POSTGRES_DB:-$user}"
if [ -z "${POSTGRES_PASSWORD:-}" ]; then
  echo "POSTGRES_PASSWORD is required (this image, like the official one, refuses an open server)" >&2
  exit 1
fi
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
# SQL literals and identifiers, quotes doubled.
literal() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"; }
identifier() { printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"; }

mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  as_postgres initdb -D "$PGDATA" --username=postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 --no-sync >/dev/null
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
fi

if [ ! -e "$PGDATA/.oauth-store-configured" ]; then
  {
    if [ "$user" = postgres ]; then
      echo "ALTER ROLE postgres PASSWORD $(literal "$POSTGRES_PASSWORD")"
    else
      echo "CREATE ROLE $(identifier "$user") SUPERUSER LOGIN PASSWORD $(literal "$POSTGRES_PASSWORD")"
    fi
    if [ "$database" != postgres ]; then
      echo "CREATE DATABASE $(identifier "$database") OWNER $(identifier "$user")"
    fi
  } | as_postgres postgres --single -D "$PGDATA" -c fsync=off postgres >/dev/null
  touch "$PGDATA/.oauth-store-configured"
fi

exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA" -c listen_addresses='*' "$@"
