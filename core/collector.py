"""Python's cyclic garbage collector during a long job of the worker, and in the
web server's processes (``set_aside_what_is_loaded``).

A job that makes hundreds of thousands of objects (an import's rows with their
forms and records, a list export's rows) sets off a collection every 700 new
objects, and a full one (through every object of the process: Django's modules,
the settings, the job's own records) whenever enough of them have lived a while.
For a 20,000-row import that was 15–17 % of its time (``docs/benchmarks.md``).

Inside ``long_job()``:
- the objects that exist when the job starts, once the garbage is collected,
  are set aside (``gc.freeze``), and stay so: the process's modules and settings,
  which live as long as it does. No collection goes through them again, and a
  full collection waits until the job's own survivors are a quarter of the rest,
  as Python's rule has it;
- a collection comes after 20,000 new objects instead of 700.

Cycles the job leaves behind (a form and its fields) are still collected, only
in larger batches; an import's peak memory is the same. A statistics workbook
does not use it: there the peak memory is what counts, and at national scale it
grew by 14 MB for 2 s less CPU.
"""

import gc
import threading
from contextlib import contextmanager

THRESHOLDS = (20_000, 20, 10)

_lock = threading.Lock()
_depth = 0
_before: tuple[int, int, int] | None = None


@contextmanager
def long_job():
    """Collect garbage in larger batches while the block runs (see the module's
    text); the process's own thresholds come back after it, also when it fails.
    Nested or concurrent uses share one setting until the last ends."""
    global _depth, _before
    with _lock:
        if _depth == 0:
            _before = gc.get_threshold()
            gc.collect()  # what an earlier job left is not set aside for good
            gc.freeze()
            gc.set_threshold(*THRESHOLDS)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.set_threshold(*_before)


def set_aside_what_is_loaded() -> None:
    """For a web server's process, once the application is loaded: load every
    module the URLs name (the views, the API), then set aside every object that
    exists (``gc.freeze``). They live as long as the process, and a full
    collection, every few hundred requests, no longer goes through them: about
    200,000 objects, which took 0.1–0.2 s of the request it fell in."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the URL modules and views
    gc.freeze()
