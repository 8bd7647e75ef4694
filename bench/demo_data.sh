#!/usr/bin/env bash
# Province-scale demo data load on PostgreSQL, timed (see docs/benchmarks.md).
# Recreates the database duikou_bench and leaves it loaded for page benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."

PGHOST=${PGHOST:-127.0.0.1}
PGUSER=${PGUSER:-postgres}
DB=${BENCH_DB:-duikou_bench}
SEED=${SEED:-1}
export DATABASE_URL="postgres://${PGUSER}@${PGHOST}:5432/${DB}"

dropdb -h "$PGHOST" -U "$PGUSER" --if-exists "$DB"
createdb -h "$PGHOST" -U "$PGUSER" "$DB"
.venv/bin/python manage.py migrate --noinput -v0
time .venv/bin/python manage.py demo_data --scale province --seed "$SEED"
