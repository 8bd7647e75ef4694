"""Demo data generator: ``python manage.py demo_data --scale small|county|province``
(and ``national``, ten provinces, for the benchmarks).

Same seed and anchor date, same rows (ids included): all randomness comes from
``random.Random`` streams seeded by the run's seed, and every date from the anchor."""

from .loader import generate
from .scales import SCALES, Scale

__all__ = ["SCALES", "Scale", "generate"]
