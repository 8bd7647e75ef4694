"""The yearly statistics tables of domain.md §5, aggregated in the database, within the
asking user's data scope. Each table module exposes ``build(*, user, spec) -> Table``
(or, for the row-per-record tables, a ``Table`` whose ``rows`` is an iterator)."""
