"""`make run`'s command and settings, without starting it (the running command is
tested from outside in tests/reliability/test_devserver.py)."""

import os
import subprocess
import sys

import pytest

from core.management.commands.devserver import allowed_hosts
from tests.workers import ROOT

DEFAULT = ["localhost", "127.0.0.1", "[::1]"]


@pytest.mark.parametrize(
    ("host", "explicit", "expected"),
    [
        ("127.0.0.1", False, DEFAULT),
        ("localhost", False, DEFAULT),
        ("::1", False, DEFAULT),
        ("192.168.1.20", False, [*DEFAULT, "192.168.1.20"]),
        ("duikou.lan", True, [*DEFAULT, "duikou.lan"]),
        ("fe80::1", False, [*DEFAULT, "[fe80::1]"]),
        # Every interface: whatever address the other machines use...
        ("0.0.0.0", False, [*DEFAULT, "*"]),
        ("[::]", False, [*DEFAULT, "*"]),
        # ...unless DJANGO_ALLOWED_HOSTS says which.
        ("0.0.0.0", True, DEFAULT),
    ],
)
def test_the_address_the_server_listens_on_is_an_allowed_host(host, explicit, expected):
    assert allowed_hosts(host, DEFAULT, explicit=explicit) == expected


def local_debug(**env) -> str:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import config.settings.local as s; print(s.DEBUG)",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()


def test_make_run_has_debug_off_unless_asked_for(tmp_path):
    assert local_debug(DUIKOU_VAR_DIR=str(tmp_path)) == "False"
    assert local_debug(DUIKOU_VAR_DIR=str(tmp_path), DJANGO_DEBUG="1") == "True"
