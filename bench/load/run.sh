#!/usr/bin/env bash
# The load benchmark (make bench-load): a production-like Runback on loopback, driven by wrk, at each clinic size.
# For each size N of BENCH_PATIENTS (default "2000 20000"):
#   1. drops and recreates the PostgreSQL database <name>_N, where <name> is the one DATABASE_URL names (it must end
#      in "bench"), migrates it, loads the exercise library and seeds a clinic of N patients (bench/load/seed.py,
#      whose JSON is kept as bench/results/seeded-N.json for bench/load/profile_pages.py);
#   2. serves it with gunicorn, DEBUG off, static files collected into a temporary folder;
#   3. measures each page of bench/load/drive.py for BENCH_SECONDS seconds with wrk and prints requests per
#      second, p50/p95 latency, each page's p95 against the signed-in /healthz of the same run, and errors
#      (bench/results/load-N.json).
# Then, with more than one size, each page's p95 at the largest clinic against the smallest (drive.py --compare).
# Exit status 0 when every page meets its targets (p95 at most 3x the signed-in /healthz's, no errors; at most
# 1.3x its p95 at the smallest size), 1 otherwise.
#
# Settings (environment): DATABASE_URL (postgres://postgres@127.0.0.1:5432/runback_bench), BENCH_PATIENTS
# ("2000 20000"), BENCH_SECONDS (20), BENCH_CONNECTIONS (8), BENCH_PORT (a free one), GUNICORN_WORKERS (2 x cores
# + 1), PYTHON (.venv/bin/python), BENCH_KEEP_DATABASE (1: migrate and reuse the clinic seeded by an earlier run
# instead of seeding again, for trying a change quickly); extra arguments go to drive.py (e.g. --only "plan page").
set -euo pipefail
cd "$(dirname "$0")/../.."

PYTHON=${PYTHON:-.venv/bin/python}
BIN=$(dirname "$PYTHON")
BASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/runback_bench}
SIZES=${BENCH_PATIENTS:-2000 20000}
RESULTS=bench/results
WORKERS=${GUNICORN_WORKERS:-$((2 * $(nproc) + 1))}

base=${BASE_URL%%\?*}
base=${base##*/}
if [[ "$base" != *bench ]]; then
    echo "Refusing to drop databases named after '$base': the benchmark's database name must end in 'bench'." >&2
    exit 2
fi
"$PYTHON" scripts/check_system.py --install --for-bench

WORK=$(mktemp -d)
server_pid=""
stop_server() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid"
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=""
}
cleanup() {
    stop_server
    rm -rf "$WORK"
}
trap cleanup EXIT

# Production-like: DEBUG off, a throwaway secret, only the loopback host, plain HTTP (no TLS proxy in front),
# persistent database connections as in docker-compose.yml.
export DEBUG=False
SECRET_KEY=$("$PYTHON" -c "import secrets; print(secrets.token_urlsafe(50))")
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=False DB_CONN_MAX_AGE=60 LOG_LEVEL=WARNING
export STATIC_ROOT="$WORK/static" MEDIA_ROOT="$WORK/media"
mkdir -p "$RESULTS"
# Static files first: with DEBUG off, every other command's system checks refuse to run without them (runback.E001).
"$PYTHON" manage.py collectstatic --noinput -v0

status=0
measured=()
for patients in $SIZES; do
    database="${base}_${patients}"
    export DATABASE_URL="${BASE_URL%/*}/$database"
    seeded="$RESULTS/seeded-$patients.json"
    if [ "${BENCH_KEEP_DATABASE:-}" = 1 ] && [ -f "$seeded" ] &&
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
        # Planner statistics and the visibility map, as autovacuum keeps them on a live database; without them the
        # plans are a freshly loaded database's, not a clinic's (no index-only scans, for one).
        psql "$DATABASE_URL" -q -c "VACUUM ANALYZE"
    fi
    "$PYTHON" -c "import json, sys; d = json.load(open(sys.argv[1])); print({k: v for k, v in d.items() if not isinstance(v, (list, str))})" "$seeded"

    # A port nobody listens on: a server already there would otherwise answer the health check and be measured.
    port=${BENCH_PORT:-$("$PYTHON" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")}
    if curl -s "http://127.0.0.1:$port/" >/dev/null 2>&1; then
        echo "Something already listens on 127.0.0.1:$port; choose another BENCH_PORT." >&2
        exit 2
    fi
    export SITE_URL="http://127.0.0.1:$port"
    echo "==> gunicorn on 127.0.0.1:$port, $WORKERS workers"
    "$BIN/gunicorn" clinic.wsgi:application --bind "127.0.0.1:$port" --workers "$WORKERS" --timeout 30 \
        --log-level warning &
    server_pid=$!
    for _ in $(seq 60); do
        kill -0 "$server_pid" || exit 1
        if curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
        sleep 0.5
    done
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null

    echo "==> wrk at $patients patients: ${BENCH_SECONDS:-20}s per page, ${BENCH_CONNECTIONS:-8} connections"
    "$PYTHON" bench/load/drive.py --url "http://127.0.0.1:$port" --seeded "$seeded" \
        --seconds "${BENCH_SECONDS:-20}" --connections "${BENCH_CONNECTIONS:-8}" \
        --results "$RESULTS/load-$patients.json" "$@" || status=1
    measured+=("$RESULTS/load-$patients.json")
    stop_server
done

if [ "${#measured[@]}" -gt 1 ]; then
    echo "==> Each page at the largest clinic against the smallest"
    "$PYTHON" bench/load/drive.py --compare "${measured[0]}" "${measured[-1]}" || status=1
fi
exit $status
