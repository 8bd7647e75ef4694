"""The garbage collector's setting for a long job (``core.collector``): larger
batches while the job runs, the process's own setting afterwards, and the job's
garbage still collected."""

import gc
import weakref

import pytest

from core import collector


class Node:
    """An object in a cycle with itself: only the cyclic collector frees it."""

    def __init__(self):
        self.me = self


def test_a_long_job_collects_in_larger_batches_and_restores_the_setting():
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    with collector.long_job():
        assert gc.get_threshold() == collector.THRESHOLDS
        assert gc.get_freeze_count() > frozen  # the process's objects set aside
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() > frozen  # and they stay so


def test_the_setting_comes_back_when_the_job_fails():
    before = gc.get_threshold()
    with pytest.raises(ZeroDivisionError), collector.long_job():
        1 / 0  # noqa: B018
    assert gc.get_threshold() == before


def test_garbage_from_before_the_job_is_not_set_aside():
    """A cycle that was garbage when the job started is freed, not kept for
    good among the objects set aside."""
    first = weakref.ref(Node())
    with collector.long_job():
        assert first() is None


def test_nested_jobs_keep_the_setting_until_the_outer_one_ends():
    before = gc.get_threshold()
    with collector.long_job():
        with collector.long_job():
            pass
        assert gc.get_threshold() == collector.THRESHOLDS
    assert gc.get_threshold() == before


def test_cycles_a_job_leaves_behind_are_still_collected_without_asking():
    """Garbage in cycles made during the job is freed once enough new objects
    have been made, with no explicit ``gc.collect()``: the job's memory does not
    grow with its garbage."""
    with collector.long_job():
        first = weakref.ref(Node())
        assert first() is not None  # a cycle: not freed by reference counting
        later = [weakref.ref(Node()) for _ in range(3 * collector.THRESHOLDS[0])]
        assert first() is None
        alive = sum(1 for ref in later if ref() is not None)
        assert alive <= collector.THRESHOLDS[0]  # at most one batch waits


@pytest.mark.parametrize("entry", ["config.wsgi", "config.asgi"])
def test_the_web_server_sets_aside_what_it_loaded_views_included(entry):
    """A web server's process (WSGI or ASGI) loads the views the URLs name and
    sets every object it holds then aside from the collector's full collections."""
    import subprocess
    import sys

    script = (
        f"import gc, sys; import {entry}; "
        "print(gc.get_freeze_count(), 'core.views' in sys.modules, "
        "sum(1 for o in gc.get_objects() if type(o).__name__ == 'function'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    frozen, views_loaded, functions_left = done.stdout.split()
    assert views_loaded == "True"
    assert int(frozen) > 50_000
    assert int(functions_left) < 100  # the loaded code is among what was set aside
