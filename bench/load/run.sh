#!/usr/bin/env bash
# The load benchmark (make bench-load): a production-like Runback on loopback, driven by wrk.
#   1. drops and recreates the PostgreSQL database DATABASE_URL names (its name must end in "bench"), migrates it,
#      loads the exercise library
#      and seeds a clinic of BENCH_PATIENTS patients (bench/load/seed.py);
#   2. serves it with gunicorn, DEBUG off, static files collected into a temporary folder;
#   3. measures each page of bench/load/drive.py for BENCH_SECONDS seconds with wrk and prints requests per
#      second, p50/p95 latency, each page's p95 against the baseline (/healthz) and errors.
# Exit status 0 when every page meets the target (p95 under 3x the baseline's, no errors), 1 otherwise.
#
# Settings (environment): DATABASE_URL (postgres://postgres@127.0.0.1:5432/runback_bench), BENCH_PATIENTS (2000),
# BENCH_SECONDS (20), BENCH_CONNECTIONS (8), BENCH_PORT (a free one), GUNICORN_WORKERS (2 x cores + 1),
# PYTHON (.venv/bin/python); extra arguments go to drive.py (e.g. --only "patient page").
set -euo pipefail
cd "$(dirname "$0")/../.."

PYTHON=${PYTHON:-.venv/bin/python}
BIN=$(dirname "$PYTHON")
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/runback_bench}
PATIENTS=${BENCH_PATIENTS:-2000}
# A port nobody listens on: a server already there would otherwise answer the health check and be measured.
PORT=${BENCH_PORT:-$("$PYTHON" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")}
if curl -s "http://127.0.0.1:$PORT/" >/dev/null 2>&1; then
    echo "Something already listens on 127.0.0.1:$PORT; choose another BENCH_PORT." >&2
    exit 2
fi
WORKERS=${GUNICORN_WORKERS:-$((2 * $(nproc) + 1))}

database=${DATABASE_URL%%\?*}
database=${database##*/}
if [[ "$database" != *bench ]]; then
    echo "Refusing to drop database '$database': the benchmark's database name must end in 'bench'." >&2
    exit 2
fi
if ! command -v wrk >/dev/null; then
    echo "==> Installing wrk"
    apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
fi

WORK=$(mktemp -d)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid"
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# Production-like: DEBUG off, a throwaway secret, only the loopback host, plain HTTP (no TLS proxy in front),
# persistent database connections as in docker-compose.yml.
export DEBUG=False
SECRET_KEY=$("$PYTHON" -c "import secrets; print(secrets.token_urlsafe(50))")
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=False DB_CONN_MAX_AGE=60 LOG_LEVEL=WARNING
export STATIC_ROOT="$WORK/static" MEDIA_ROOT="$WORK/media" SITE_URL="http://127.0.0.1:$PORT"

echo "==> Database $database: recreate, migrate, seed $PATIENTS patients"
psql "${DATABASE_URL%/*}/postgres" -q -v ON_ERROR_STOP=1 \
    -c "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" -c "CREATE DATABASE \"$database\""
# Static files first: with DEBUG off, every other command's system checks refuse to run without them (runback.E001).
"$PYTHON" manage.py collectstatic --noinput -v0
"$PYTHON" manage.py migrate --noinput -v0
"$PYTHON" manage.py load_exercise_library >/dev/null
"$PYTHON" bench/load/seed.py --patients "$PATIENTS" >"$WORK/seeded.json"
# Planner statistics, as autovacuum keeps them on a live database; without them the plans are a freshly loaded
# database's, not a clinic's.
psql "$DATABASE_URL" -q -c "ANALYZE"
"$PYTHON" -c "import json, sys; d = json.load(open(sys.argv[1])); print({k: v for k, v in d.items() if not isinstance(v, (list, str))})" "$WORK/seeded.json"

echo "==> gunicorn on 127.0.0.1:$PORT, $WORKERS workers"
"$BIN/gunicorn" clinic.wsgi:application --bind "127.0.0.1:$PORT" --workers "$WORKERS" --timeout 30 \
    --log-level warning &
server_pid=$!
for _ in $(seq 60); do
    kill -0 "$server_pid" || exit 1
    if curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then break; fi
    sleep 0.5
done
curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null

echo "==> wrk: ${BENCH_SECONDS:-20}s per page, ${BENCH_CONNECTIONS:-8} connections"
"$PYTHON" bench/load/drive.py --url "http://127.0.0.1:$PORT" --seeded "$WORK/seeded.json" \
    --seconds "${BENCH_SECONDS:-20}" --connections "${BENCH_CONNECTIONS:-8}" "$@"
