#!/usr/bin/env bash
# Demo data load on PostgreSQL, timed (see docs/benchmarks.md).
# Recreates the database (default duikou_bench at province scale) and leaves it loaded
# for the page and export benchmarks. SCALE=small|county|province|national,
# BENCH_DB=name, SEED=n.
set -euo pipefail
cd "$(dirname "$0")/.."

PGHOST=${PGHOST:-127.0.0.1}
PGUSER=${PGUSER:-postgres}
SCALE=${SCALE:-province}
DB=${BENCH_DB:-duikou_bench}
SEED=${SEED:-1}
export DATABASE_URL="postgres://${PGUSER}@${PGHOST}:5432/${DB}"

dropdb -h "$PGHOST" -U "$PGUSER" --if-exists "$DB"
createdb -h "$PGHOST" -U "$PGUSER" "$DB"
.venv/bin/python manage.py migrate --noinput -v0
time .venv/bin/python manage.py demo_data --scale "$SCALE" --seed "$SEED"
