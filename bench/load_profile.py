"""Where an authenticated request of the mixed load spends its time (issue 15).

Runs the pages of ``bench/load.py``'s mix in this process with Django's test client,
production settings and the same database and Redis, signed in as each demo user
through the login form (so the real session engine is used). Prints the queries
and cache calls per page, then a cProfile of REPEAT rounds of the whole mix
(cumulative time, the top entries).

    .venv/bin/python bench/load_profile.py [--repeat 5] [--top 40]
"""

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update(
    DJANGO_SETTINGS_MODULE="config.settings.production",
    DJANGO_SECRET_KEY="load-benchmark-" + "x" * 50,
    DATABASE_URL=os.environ.get(
        "LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/duikou_load"
    ),
    REDIS_URL=os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/7"),
    DJANGO_ALLOWED_HOSTS="testserver",
    DJANGO_LOG_LEVEL="WARNING",
)

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.load import IDS, MIX, PASSWORD, USERS  # noqa: E402


def sign_in(username):
    client = Client(enforce_csrf_checks=False, secure=True)
    response = client.post(
        "/accounts/login/", {"username": username, "password": PASSWORD}, secure=True
    )
    assert response.status_code == 302, (username, response.status_code)
    return client


def pages_of(client):
    ids = {}
    for kind, path in IDS.items():
        rows = client.get(path, secure=True).json()["results"]
        ids[kind] = [row["id"] for row in rows][:1]
    pages = []
    for name, spec, _weight in MIX:
        method, _, path = spec.rpartition(" ")
        if method:  # writes are left out: the profile is of reads
            continue
        keys = re.findall(r"{(\w+)}", path)
        if any(not ids.get(key) for key in keys):
            continue
        path = path.format(**{key: ids[key][0] for key in keys})
        if client.get(path, secure=True).status_code == 200:
            pages.append((name, path))
    return pages


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--filter", help="only functions whose file matches")
    parser.add_argument("--dump", help="also write the profile to this file")
    args = parser.parse_args()
    sessions = [(u, sign_in(u)) for u in USERS]
    plans = [(u, c, pages_of(c)) for u, c in sessions]
    print("Queries per page (each user):")
    for username, client, pages in plans:
        counts = []
        for name, path in pages:
            with CaptureQueriesContext(connection) as queries:
                client.get(path, secure=True)
            counts.append(f"{name.split()[-1]}={len(queries)}")
        print(f"  {username}: " + " ".join(counts))
    timings = {}
    for _ in range(args.repeat):
        for _username, client, pages in plans:
            for name, path in pages:
                began = time.perf_counter()
                client.get(path, secure=True)
                timings.setdefault(name, []).append(time.perf_counter() - began)
    print("\nServer time per page, all users (median ms, no profiler):")
    for name, values in sorted(timings.items(), key=lambda x: -statistics.median(x[1])):
        print(f"  {name:20} {statistics.median(values) * 1000:6.1f}")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.repeat):
        for _username, client, pages in plans:
            for _name, path in pages:
                client.get(path, secure=True)
    profile.disable()
    requests = args.repeat * sum(len(p) for _, _, p in plans)
    print(f"\n{requests} requests")
    if args.dump:
        profile.dump_stats(args.dump)
    stats = pstats.Stats(profile).sort_stats(args.sort)
    stats.print_stats(*([args.filter] if args.filter else []), args.top)


if __name__ == "__main__":
    main()
