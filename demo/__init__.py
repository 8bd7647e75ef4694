"""The demo data set: ``python manage.py demo_data --scale small|county|province``
(and ``national``, ten provinces, for the benchmarks).

Same seed and anchor date, same rows (ids included): all randomness comes from
``random.Random`` streams seeded by the run's seed, and every date from the anchor.
The generator (``demo.loader.generate``) lies above every other app: it imports
them all, and none imports it."""
