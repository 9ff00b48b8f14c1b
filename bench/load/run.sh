#!/usr/bin/env bash
# The load benchmark (make bench-load): a production-like Runback on loopback, driven by wrk, at two clinic sizes.
#   1. For each size N of BENCH_PATIENTS (default "2000 20000"): drops and recreates the PostgreSQL database
#      <name>_N, where <name> is the one DATABASE_URL names (it must end in "bench"), migrates it, loads the exercise
#      library and seeds a clinic of N patients (bench/load/seed.py; its JSON is kept as bench/results/seeded-N.json,
#      with the throwaway key its links are signed with, for bench/load/profile_pages.py and BENCH_KEEP_DATABASE).
#   2. Serves each clinic with gunicorn on a port of its own: DEBUG off, static files collected into a temporary
#      folder, the page cache in a Redis database of its own (emptied first) as in docker-compose.yml.
#   3. Measures every page of bench/load/drive.py on every server with wrk, in rounds (BENCH_ROUNDS) that go through
#      each page of each server in turn, and prints requests per second, p50/p95 latency, each page's p95 against the
#      signed-in /healthz of the same run and errors (bench/results/load-N.json); then each page's p95 at the largest
#      clinic against the smallest.
# Exit status 0 when every page meets its targets (p95 at most 3x the signed-in /healthz's, no errors; at the largest
# clinic at most 1.3x its p95 at the smallest), 1 otherwise.
#
# Settings (environment): DATABASE_URL (postgres://postgres@127.0.0.1:5432/runback_bench), BENCH_PATIENTS
# ("2000 20000"), BENCH_SECONDS (20 measured seconds per page and clinic), BENCH_ROUNDS (4), BENCH_CONNECTIONS (8),
# GUNICORN_WORKERS (2 x cores + 1), BENCH_REDIS (redis://127.0.0.1:6379: databases 15, 14, ... are used and
# emptied), PYTHON (.venv/bin/python), BENCH_KEEP_DATABASE (1: migrate and reuse the clinics seeded by an earlier
# run instead of seeding again, for trying a change quickly); extra arguments go to drive.py (e.g. --only "plan").
set -euo pipefail
cd "$(dirname "$0")/../.."

PYTHON=${PYTHON:-.venv/bin/python}
BIN=$(dirname "$PYTHON")
BASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/runback_bench}
SIZES=${BENCH_PATIENTS:-2000 20000}
RESULTS=bench/results
WORKERS=${GUNICORN_WORKERS:-$((2 * $(nproc) + 1))}
REDIS=${BENCH_REDIS:-redis://127.0.0.1:6379}

base=${BASE_URL%%\?*}
base=${base##*/}
if [[ "$base" != *bench ]]; then
    echo "Refusing to drop databases named after '$base': the benchmark's database name must end in 'bench'." >&2
    exit 2
fi
"$PYTHON" scripts/check_system.py --install --for-bench

WORK=$(mktemp -d)
server_pids=()
cleanup() {
    for pid in "${server_pids[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid"
            wait "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
    "$PYTHON" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
}

# Production-like: DEBUG off, a throwaway secret, only the loopback host, plain HTTP (no TLS proxy in front),
# persistent database connections as in docker-compose.yml. The seeder runs its tasks in-process, as it always has:
# only the servers get REDIS_URL.
unset REDIS_URL
export DEBUG=False
export ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=False DB_CONN_MAX_AGE=60 LOG_LEVEL=WARNING
export STATIC_ROOT="$WORK/static" MEDIA_ROOT="$WORK/media" SITE_URL=http://127.0.0.1
SECRET_KEY=$("$PYTHON" -c "import secrets; print(secrets.token_urlsafe(50))")
export SECRET_KEY
mkdir -p "$RESULTS"
# Static files first: with DEBUG off, every other command's system checks refuse to run without them (runback.E001).
"$PYTHON" manage.py collectstatic --noinput -v0

if ! "$PYTHON" -c "import redis, sys; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=1).ping()" \
    "$REDIS" 2>/dev/null; then
    echo "==> No Redis at $REDIS: each gunicorn worker keeps a page cache of its own" >&2
    REDIS=""
fi

servers=()
redis_db=15
for patients in $SIZES; do
    database="${base}_${patients}"
    export DATABASE_URL="${BASE_URL%/*}/$database"
    seeded="$RESULTS/seeded-$patients.json"
    if [ "${BENCH_KEEP_DATABASE:-}" = 1 ] && [ -f "$seeded" ] && [ -f "$seeded.key" ] &&
        psql "${BASE_URL%/*}/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1; then
        echo "==> Database $database: kept (BENCH_KEEP_DATABASE=1), migrate"
        "$PYTHON" manage.py migrate --noinput -v0
    else
        echo "==> Database $database: recreate, migrate, seed $patients patients"
        psql "${BASE_URL%/*}/postgres" -q -v ON_ERROR_STOP=1 \
            -c "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" -c "CREATE DATABASE \"$database\""
        "$PYTHON" manage.py migrate --noinput -v0
        "$PYTHON" manage.py load_exercise_library >/dev/null
        "$PYTHON" bench/load/seed.py --patients "$patients" >"$seeded"
        (umask 077 && printf '%s' "$SECRET_KEY" >"$seeded.key")
        # Planner statistics and the visibility map, as autovacuum keeps them on a live database; without them the
        # plans are a freshly loaded database's, not a clinic's (no index-only scans, for one).
        psql "$DATABASE_URL" -q -c "VACUUM ANALYZE"
    fi
    "$PYTHON" -c "import json, sys; d = json.load(open(sys.argv[1])); print({k: v for k, v in d.items() if not isinstance(v, (list, str))})" "$seeded"

    # A port nobody listens on: a server already there would otherwise answer the health check and be measured.
    port=$(free_port)
    cache=""
    if [ -n "$REDIS" ]; then
        cache="$REDIS/$redis_db"
        "$PYTHON" -c "import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()" "$cache"
        redis_db=$((redis_db - 1))
    fi
    echo "==> gunicorn on 127.0.0.1:$port for $patients patients, $WORKERS workers, page cache ${cache:-in each worker}"
    # The key the clinic's links were signed with.
    SECRET_KEY=$(cat "$seeded.key") SITE_URL="http://127.0.0.1:$port" REDIS_URL="$cache" \
        "$BIN/gunicorn" clinic.wsgi:application --bind "127.0.0.1:$port" --workers "$WORKERS" --timeout 30 \
        --log-level warning &
    server_pids+=($!)
    for _ in $(seq 60); do
        kill -0 "${server_pids[-1]}" || exit 1
        if curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
        sleep 0.5
    done
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null
    servers+=(--server "$patients" "http://127.0.0.1:$port" "$seeded")
done

echo "==> wrk: ${BENCH_SECONDS:-20}s per page and clinic in ${BENCH_ROUNDS:-4} rounds, ${BENCH_CONNECTIONS:-8} connections"
"$PYTHON" bench/load/drive.py "${servers[@]}" --seconds "${BENCH_SECONDS:-20}" --rounds "${BENCH_ROUNDS:-4}" \
    --connections "${BENCH_CONNECTIONS:-8}" "$@"
