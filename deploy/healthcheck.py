"""Container health check for the web service: GET /healthz as the allowed host.

The web container is healthy when it serves and reaches its database
(``?require=database``): Redis and the worker are reported in the same answer but
do not make the web container unhealthy (pages work without them; the worker
container has its own check)."""

import os
import sys
import urllib.request

host = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",")[0].strip()
request = urllib.request.Request(
    "http://127.0.0.1:8000/healthz?require=database",
    headers={"Host": host, "X-Forwarded-Proto": "https"},
)
try:
    with urllib.request.urlopen(request, timeout=5) as response:
        sys.exit(0 if response.status == 200 else 1)
except OSError as exc:
    print(exc, file=sys.stderr)
    sys.exit(1)
