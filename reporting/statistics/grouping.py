"""The rows of a statistics table: regions (county rows, city and province
subtotals, a grand total), supporting schools, or pairings.

Every row is a *bucket*. A pairing falls in a bucket through one of its parties
(PairingParty); buckets of one *level* (data rows, city subtotals, province subtotals,
the total) never overlap, so one grouped query per level and figure family gives the
figures of every row of that level:

    records.filter(<prefix>in=level.parties()).annotate(key=level.key(<prefix>))
           .values("key").annotate(...)

``level.parties()`` keeps one party per pairing and bucket, so a pairing with both
parties in the same county is counted once there; a pairing with parties in two
counties is counted in both, and once in the total (computed by its own query)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Substr
from django.db.models.lookups import In
from django.http import Http404
from django.utils.translation import gettext as _

from core.choices import Side
from core.scope import highest, scope_of, under, under_value, visible
from pairings.choices import RegionLevel
from pairings.models import PairingParty, Region, School
from pairings.selectors import regions_then

DATA, SUBTOTAL, TOTAL = "data", "subtotal", "total"
COVERED = "covered"  # the data rows as one (see Level.merged)
SELF = None  # a prefix: the records are schools themselves


@dataclass
class Level:
    """Buckets that do not overlap: (key, region paths) for regions, or ids.

    A record's region is its school's region *as it was* at the end of the span
    (``moved``: school id → region path then, for schools moved since), so a past
    period keeps its rows when a county becomes a district. Region buckets are
    matched by path prefix (one ``IN`` per prefix length), not one branch per
    region, so the cost does not grow with the number of counties."""

    by: str  # "region" | "school" | "pairing" | "all"
    buckets: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)
    moved: dict[int, str] = field(default_factory=dict)
    # All buckets as one: what the rows cover together (each record once).
    union: bool = False

    def merged(self) -> Level:
        """This level's rows as one bucket (key 0): each record once, whichever
        rows hold it. The total minus this is what no row holds."""
        return Level(self.by, self.buckets, self.moved, union=True)

    def path(self, prefix: str | None = ""):
        """The region path, as it was then, of the school reached through
        ``prefix`` ("" for a party, "recipient_" for a donation's school, ``SELF``
        for a school)."""
        if prefix is SELF:
            school_id, now = "pk", F("region__path")
        else:
            school_id, now = f"{prefix}school_id", F(f"{prefix}school__region__path")
        if not self.moved:
            return now
        by_path: dict[str, list[int]] = {}
        for school, path in self.moved.items():
            by_path.setdefault(path, []).append(school)
        return Case(
            *[
                When(**{f"{school_id}__in": ids}, then=Value(path))
                for path, ids in sorted(by_path.items())
            ],
            default=now,
            output_field=CharField(),
        )

    def key(self, prefix: str | None = ""):
        """The bucket of a party reached through ``prefix`` ("pairing__parties__"):
        an id, or the bucket's region path (see ``bucket``)."""
        if self.union:
            if self.by == "region":
                return Case(
                    When(self.within(prefix), then=Value(0)),
                    default=Value(None),
                    output_field=IntegerField(),
                )
            return Value(0)
        if self.by == "school":
            return F(f"{prefix}school_id")
        if self.by == "pairing":
            return F(f"{prefix}pairing_id")
        if self.by == "all":
            return Value(0)
        path = self.path(prefix)
        whens = []
        exact = [p[:-1] for _k, paths in self.buckets for p in paths if p[-1] == "="]
        if exact:
            # Schools directly in a region whose lower regions have rows.
            whens.append(When(In(path, sorted(exact)), then=path))
        single: dict[int, list[str]] = {}
        for _key, paths in self.buckets:
            if paths and paths[0][-1] == "=":
                continue
            if len(paths) == 1:
                single.setdefault(len(paths[0]), []).append(paths[0])
                continue
            # A bucket of several regions (the total of several provinces): one
            # value for all of them, so that the database counts it once.
            by_length: dict[int, list[str]] = {}
            for p in paths:
                by_length.setdefault(len(p), []).append(p)
            whens += [
                When(In(Substr(path, 1, n), sorted(ps)), then=Value(paths[0]))
                for n, ps in sorted(by_length.items(), reverse=True)
            ]
        whens += [
            When(In(Substr(path, 1, n), sorted(ps)), then=Substr(path, 1, n))
            for n, ps in sorted(single.items(), reverse=True)
        ]
        return Case(*whens, default=Value(None), output_field=CharField())

    def bucket(self, value):
        """The row key of a value of ``key()``."""
        if self.by != "region" or self.union:
            return value
        if not hasattr(self, "_keys"):
            self._keys = {paths[0].rstrip("="): k for k, paths in self.buckets if paths}
        return self._keys.get(value)

    def within(self, prefix: str | None = "") -> Q:
        """Records whose school (through ``prefix``) lies, as it was then, in one of
        the level's regions."""
        paths = [p.rstrip("=") for _k, ps in self.buckets for p in ps]
        if not paths:
            return Q(pk__in=[])
        return under_value(self.path(prefix), paths)

    def parties(self, side: str | None = None):
        """One party per pairing and bucket (the first by id): records joined to
        these are counted once per bucket. ``side``: only parties on that side."""
        members = Q()
        if self.by == "school":
            ids = [key for key, _paths in self.buckets]
            members = Q(side=Side.SUPPORTING, school_id__in=ids)
        elif self.by == "pairing":
            members = Q(pairing_id__in=[k for k, _p in self.buckets])
        else:
            members = self.within()
        if side is not None:
            members &= Q(side=side)
        earlier = (
            PairingParty.objects.filter(members)
            .annotate(bucket=self.key())
            .filter(
                pairing_id=OuterRef("pairing_id"),
                bucket=OuterRef("bucket"),
                pk__lt=OuterRef("pk"),
            )
        )
        return (
            PairingParty.objects.filter(members)
            .annotate(bucket=self.key())
            .filter(bucket__isnull=False)
            .filter(~Exists(earlier))
            .values("pk")
        )

    def placer(self, side: str | None = None):
        """The twin in Python of ``key()`` with ``parties()``: a function of a
        party (pairing id, school id, side, region path then) giving its row key,
        or None when the party holds no row of this level."""
        if self.by == "school":
            ids = {key for key, _paths in self.buckets}

            def school(pairing, school_id, party_side, path):
                if party_side == Side.SUPPORTING and school_id in ids:
                    return 0 if self.union else school_id
                return None

            return _on_side(school, side)
        if self.by == "pairing":
            ids = {key for key, _paths in self.buckets}

            def by_pairing(pairing, school_id, party_side, path):
                if pairing in ids:
                    return 0 if self.union else pairing
                return None

            return _on_side(by_pairing, side)
        key_of = self.path_key()
        return _on_side(lambda pairing, school, s, path: key_of(path), side)

    def path_key(self):
        """A function of a region path (as it was then) giving the row key of a
        region level, in the order ``key()`` tests its branches."""
        if self.union or self.by == "all":
            within = _prefix_finder(
                [{p.rstrip("="): 0 for _k, ps in self.buckets for p in ps}]
            )
            return within
        exact = {p[:-1]: k for k, ps in self.buckets for p in ps if p[-1] == "="}
        tables: list[dict[str, int]] = []
        for key, paths in self.buckets:
            if len(paths) > 1:
                tables.append({p: key for p in paths})
        tables.append(
            {
                p: key
                for key, paths in self.buckets
                if len(paths) == 1 and paths[0][-1] != "="
                for p in paths
            }
        )
        prefixed = _prefix_finder(tables)

        def key_of(path):
            if path in exact:
                return exact[path]
            return prefixed(path)

        return key_of

    def grouped(self, queryset, prefix: str, side=None, **aggregates) -> dict:
        """{row key: {name: value}} for the records of ``queryset`` reaching a
        pairing party through ``prefix`` ("pairing__parties__"), each record once
        per row."""
        rows = (
            queryset.filter(**{f"{prefix}in": self.parties(side)})
            .annotate(bucket=self.key(prefix))
            .order_by()
            .values("bucket")
            .annotate(**aggregates)
        )
        return {self.bucket(row.pop("bucket")): row for row in rows}

    def placed(self, queryset, prefix: str, **aggregates) -> dict:
        """Like ``grouped`` for records placed by one school (``prefix``
        "recipient_": a donation's school), not by a pairing's parties: only region
        rows (and the total) hold them."""
        if self.by not in ("region", "all"):
            return {}
        key = self.key(prefix)
        rows = (
            queryset.annotate(bucket=key)
            .filter(bucket__isnull=False)
            .order_by()
            .values("bucket")
            .annotate(**aggregates)
        )
        return {self.bucket(row.pop("bucket")): row for row in rows}


def _on_side(placer, side):
    if side is None:
        return placer
    return lambda pairing, school, party_side, path: (
        placer(pairing, school, party_side, path) if party_side == side else None
    )


def _prefix_finder(tables: list[dict[str, int]]):
    """A function of a path giving the value of the first table (and in it, the
    longest prefix) that holds a prefix of it; None if none does."""
    steps = [
        (n, table)
        for table in tables
        for n in sorted({len(p) for p in table}, reverse=True)
    ]

    def find(path):
        if path is None:
            return None
        for n, table in steps:
            key = table.get(path[:n])
            if key is not None:
                return key
        return None

    return find


class Placement:
    """The rows every pairing lies in, for each level of a table: the parties of
    the pairings with a school in the table's area, read once, placed in Python
    (``Level.placer``). Records of a pairing are then grouped by pairing in the
    database and added up per row here (``fold``), instead of one grouped query
    per level re-joining the records with parties, schools and regions."""

    def __init__(self, total: Level):
        self.moved = total.moved
        # Streamed, and each side and region path kept once: at national scale
        # 141,000 parties read at once, each with its own strings, took 68 MB.
        texts: dict[str, str] = {}
        self.parties = [
            (
                pairing,
                school,
                texts.setdefault(side, side),
                texts.setdefault(path, path)
                if school not in self.moved
                else self.moved[school],
            )
            for pairing, school, side, path in PairingParty.objects.filter(
                total.within()
            )
            .order_by()
            .values_list("pairing_id", "school_id", "side", "school__region__path")
            .iterator(chunk_size=CHUNK)
        ]
        self._cache: dict = {}

    def of(self, level: Level, side: str | None = None) -> dict[int, tuple]:
        """pairing id → the row keys of ``level`` it lies in (each once). Placed
        once per level's buckets: a level of another table or span with the same
        rows reuses it."""
        cache_key = (level.by, tuple(level.buckets), level.union, side)
        if cache_key not in self._cache:
            place = level.placer(side)
            rows: dict[int, list] = {}
            for party in self.parties:
                key = place(*party)
                if key is not None:
                    keys = rows.setdefault(party[0], [])
                    if key not in keys:
                        keys.append(key)
            # Most pairings lie in the same few rows: equal tuples kept once.
            shared: dict[tuple, tuple] = {}
            self._cache[cache_key] = {
                p: shared.setdefault(tuple(keys), tuple(keys))
                for p, keys in rows.items()
            }
        return self._cache[cache_key]

    def school_key(self, level: Level):
        """A function of (school id, region path now) giving the row key of the
        school's region (records placed by one school, see ``Level.placed``); the
        same function for a level with the same rows."""
        cache_key = ("school", level.by, tuple(level.buckets), level.union)
        if cache_key not in self._cache:
            if level.by not in ("region", "all"):
                self._cache[cache_key] = lambda school, path: None
            else:
                key_of, moved = level.path_key(), self.moved
                self._cache[cache_key] = lambda school, path: key_of(
                    moved.get(school, path)
                )
        return self._cache[cache_key]


@dataclass
class ByPairing:
    """Figures per pairing: ``rows`` yields (pairing id, *values in the order of
    ``names``), read once (streamed from the database: at national scale there are
    tens of thousands of pairings per family, and none is kept)."""

    names: tuple[str, ...] = ()
    rows: Iterable[tuple] = ()


CHUNK = 10_000


def per_pairing(queryset, pairing: str, **aggregates) -> ByPairing:
    """``aggregates`` of the records of ``queryset`` grouped by their pairing (the
    field ``pairing``), in one query, streamed as it is folded."""
    names = tuple(aggregates)
    rows = (
        queryset.order_by()
        .values(pairing)
        .annotate(**aggregates)
        .values_list(pairing, *names)
        .iterator(chunk_size=CHUNK)
    )
    return ByPairing(names, rows)


def fold(figures: ByPairing, places: dict[str, dict[int, tuple]]) -> dict[str, dict]:
    """{name: {row key: {figure: sum}}} for each entry of ``places`` (name →
    ``Placement.of``): each pairing's figures added in every row it lies in (once
    per row), reading ``figures`` once. Only for figures that add up over
    pairings: sums and counts of records that belong to one pairing."""
    sums: dict[str, dict] = {name: {} for name in places}
    targets = [(sums[name], placed) for name, placed in places.items()]
    for pairing, *values in figures.rows:
        for rows, placed in targets:
            for key in placed.get(pairing, ()):
                row = rows.get(key)
                if row is None:
                    rows[key] = list(values)
                    continue
                for i, value in enumerate(values):
                    if value is not None:
                        row[i] = value if row[i] is None else row[i] + value
    return {
        name: {
            key: dict(zip(figures.names, row, strict=True)) for key, row in rows.items()
        }
        for name, rows in sums.items()
    }


def fold_cells(cells, places: list[dict[str, dict[int, tuple]]]) -> list[dict]:
    """For each entry of ``places`` (one per span: name → ``Placement.of``),
    {name: {row key: {figure: sum}}}, from ``cells``, an iterable of (pairing id,
    figure, (value of each span, None where it has none)) read once (it may
    stream): each value added in every row its pairing lies in."""
    return _fold_vectors(cells, places, lambda placed: placed.get)


def fold_placed_cells(cells, keys_of: list[dict[str, object]]) -> list[dict]:
    """Like ``fold_cells`` for cells ((school id, region path now), figure, values
    per span) of records placed by one school, in the row of its region
    (``keys_of``: per span, name → ``Placement.school_key``)."""

    def rows_in(key_of):
        def rows(where, _none):
            key = key_of(*where)
            return () if key is None else (key,)

        return rows

    return _fold_vectors(cells, keys_of, rows_in)


def _fold_vectors(cells, per_span: list[dict], finder) -> list[dict]:
    """The fold of ``fold_cells``: cells (where, figure, values per span); per
    span, name → a way of placing (``finder(way)(where, ())`` gives the row keys).

    Each value is added once, into the figures of the set of rows its record lies
    in (most records share a few such sets: the rows of a county, its city and
    its province), and each set is added into its rows at the end. Spans placed
    the same way (the same objects) share the sets, with a value per span."""
    alike: dict[tuple, list[int]] = {}
    for i, one in enumerate(per_span):
        alike.setdefault(tuple(map(id, one.values())), []).append(i)
    groups = list(alike.values())
    if len(groups) > 1:
        cells = list(cells)  # spans placed differently: read again per group
    result: list[dict] = [{name: {} for name in one} for one in per_span]
    for spans in groups:
        finding = [(name, finder(way)) for name, way in per_span[spans[0]].items()]
        picked = (
            cells
            if len(groups) == 1
            else ((where, f, tuple(v[i] for i in spans)) for where, f, v in cells)
        )
        for rows, sums in _fold_sets(picked, finding, len(spans)).items():
            for at, span in enumerate(spans):
                figures = result[span]
                for name, key in rows:
                    row = figures[name].get(key)
                    if row is None:
                        row = figures[name][key] = {}
                    for figure, values in sums.items():
                        value = values if len(spans) == 1 else values[at]
                        if value is not None:
                            old = row.get(figure)
                            row[figure] = value if old is None else old + value
    return result


def _fold_sets(cells, finding, spans: int) -> dict[tuple, dict]:
    """{((name, row key), …): {figure: sum, or a list of sums per span}}: each
    cell's values added into the set of rows its ``where`` lies in (found once per
    ``where``)."""
    memo: dict = {}
    shared: dict[tuple, dict] = {}
    for where, figure, values in cells:
        sums = memo.get(where)
        if sums is None:
            rows = tuple(
                (name, key) for name, find in finding for key in find(where, ())
            )
            sums = memo[where] = shared.setdefault(rows, {})
        old = sums.get(figure)
        if spans == 1:
            value = values[0]
            if value is not None:
                sums[figure] = value if old is None else old + value
        elif old is None:
            sums[figure] = list(values)
        else:
            for j, value in enumerate(values):
                if value is not None:
                    before = old[j]
                    old[j] = value if before is None else before + value
    return shared


def add_figures(result: dict, key, found: dict) -> None:
    """``found`` ({figure: value}) added into ``result[key]``."""
    row = result.get(key)
    if row is None:
        result[key] = dict(found)
        return
    for name, value in found.items():
        if value is not None:
            old = row.get(name)
            row[name] = value if old is None else old + value


def per_school(queryset, prefix: str, **aggregates) -> list[tuple[int, str, dict]]:
    """[(school id, region path now, {name: value})]: ``aggregates`` of records
    placed by one school (``prefix`` "recipient_": a donation's school), grouped
    by that school in one query."""
    school, path = f"{prefix}school_id", f"{prefix}school__region__path"
    rows = queryset.order_by().values(school, path).annotate(**aggregates)
    return [(row.pop(school), row.pop(path), row) for row in rows]


def fold_placed(rows, key_of) -> dict:
    """{row key: {name: sum}} of ``per_school`` rows, each in the row of its
    school's region (``key_of``: see ``Placement.school_key``)."""
    result: dict = {}
    for school, path, found in rows:
        key = key_of(school, path)
        if key is not None:
            add_figures(result, key, found)
    return result


def fold_paths(rows, level: Level) -> dict:
    """{row key: {name: sum}} of (region path then, {name: value}) rows, each in
    the row of ``level`` holding that region."""
    key_of = level.path_key()
    result: dict = {}
    for path, found in rows:
        key = key_of(path)
        if key is not None:
            add_figures(result, key, found)
    return result


def fold_distinct(items, places: dict[str, dict[int, tuple]]) -> dict[str, dict]:
    """{level name: {row key: {name: count}}}: the distinct items (persons,
    schools) of the pairings in each row of every level, from ``items``, an
    iterable of (pairing id, name, item) read once (it may stream) that brings
    each item's rows together (ordered by item); ``places``: level name →
    ``Placement.of``. Counted one item at a time: no set of items is kept per
    row (at national scale those sets held hundreds of thousands of ids per
    level)."""
    result: dict[str, dict] = {level: {} for level in places}
    for cells in by_item(items, places):
        for level, key, name in cells:
            row = result[level].setdefault(key, {})
            row[name] = row.get(name, 0) + 1
    return result


def by_item(items, places: dict[str, dict[int, tuple]]):
    """For each item of ``items`` ((pairing id, name, item), each item's rows
    together), the set of (level name, row key, name) cells it lies in."""
    current, cells = None, set()
    for pairing, name, item in items:
        if item != current:
            if cells:
                yield cells
            current, cells = item, set()
        for level, placed in places.items():
            for key in placed.get(pairing, ()):
                cells.add((level, key, name))
    if cells:
        yield cells


def rest(total: dict | None, covered: dict | None) -> dict | None:
    """The figures of the total that no row holds (total minus what the rows
    cover together, see ``Level.merged``); None when nothing is left."""
    total, covered = total or {}, covered or {}
    left = {}
    for key in set(total) | set(covered):
        one, other = total.get(key), covered.get(key)
        sample = one if one is not None else other
        if not isinstance(sample, int | Decimal | dt.timedelta):
            continue
        zero = dt.timedelta(0) if isinstance(sample, dt.timedelta) else 0
        left[key] = (one if one is not None else zero) - (
            other if other is not None else zero
        )
    return left if any(left.values()) else None


def rest_label() -> str:
    return _("Not in the rows above")


def rest_note() -> str:
    return _(
        "Not in the rows above: what the total holds and no row does (money not "
        "tied to a pairing, pairings whose supporting schools lie outside the "
        "area), so that the total reconciles with its rows."
    )


@dataclass
class Entry:
    """One row to come: its label, kind, indentation and bucket in a level."""

    label: str
    kind: str
    level_name: str
    key: int
    depth: int = 0


@dataclass
class Grouping:
    label_header: str
    entries: list[Entry]
    levels: dict[str, Level]  # level name → Level
    top_paths: tuple[str, ...] = ()  # the regions the table covers; () = all
    unit_name: str = ""  # 填报单位: the top regions
    total: Level | None = None  # the table's whole area (for filters)


def top_regions(*, user, spec) -> list[Region]:
    """The top of the table: ``spec.region`` (if the user may see it), else the
    user's highest regions; administrators: the provinces."""
    scope = scope_of(user)
    regions = visible(Region.objects.all(), scope=scope)
    if spec.region:
        region = regions.filter(pk=spec.region).first()
        if region is None:
            raise Http404
        if not scope.reaches(region.path):
            raise Http404
        return [region]
    if scope.is_admin or scope.covers_all_regions:
        return list(Region.objects.filter(parent__isnull=True).order_by("path"))
    return list(
        Region.objects.filter(path__in=highest(scope.region_paths)).order_by("path")
    )


def groups(*, user, spec, pairings=None, as_of: dt.date | None = None) -> Grouping:
    """The rows of the table for ``spec.group``. ``pairings``: the visible pairings
    counted in the span (for the school and pairing groupings). ``as_of``: the end
    of the span; schools are placed in the regions they lay in then."""
    tops = top_regions(user=user, spec=spec)
    top_paths = tuple(r.path for r in tops)
    moved = regions_then(as_of) if as_of else {}
    total = Level("region", [(0, top_paths)], moved)
    if spec.group == "supporting_school":
        result = _by_school(tops, top_paths, total, pairings)
    elif spec.group == "pairing":
        result = _by_pairing(top_paths, total, pairings)
    else:
        result = _by_region(user, tops, top_paths, total)
    for level in result.levels.values():
        level.moved = moved
    result.unit_name = "、".join(region.name for region in tops)
    result.total = total
    return result


def _total_entry() -> Entry:
    return Entry(_("Total"), TOTAL, TOTAL, 0)


def _by_region(user, tops, top_paths, total) -> Grouping:
    below = list(
        visible(Region.objects.all(), user)
        .filter(
            Q(path__in=top_paths) | under(top_paths, ""),
            level__lte=RegionLevel.COUNTY,
        )
        .order_by("path")
    )
    children: dict[int | None, list[Region]] = {}
    for region in below:
        children.setdefault(region.parent_id, []).append(region)
    # Regions with lower rows that hold schools themselves (市直属学校): they get
    # a row of their own, so that every school lies in exactly one data row.
    with_schools = set(
        School.objects.filter(region__in=[r for r in below if r.pk in children])
        .order_by()
        .values_list("region_id", flat=True)
        .distinct()
    )
    entries: list[Entry] = []
    levels: dict[str, Level] = {DATA: Level("region")}

    def walk(region, depth, subtotal):
        kids = children.get(region.pk, [])
        if region.level >= RegionLevel.COUNTY or not kids:
            entries.append(Entry(region.name, DATA, DATA, region.pk, depth))
            levels[DATA].buckets.append((region.pk, (region.path,)))
            return
        if region.pk in with_schools:
            label = _("%(region)s (directly)") % {"region": region.name}
            entries.append(Entry(label, DATA, DATA, -region.pk, depth + 1))
            levels[DATA].buckets.append((-region.pk, (f"{region.path}=",)))
        for kid in kids:
            walk(kid, depth + 1, True)
        if subtotal:
            name = f"level{region.level}"
            levels.setdefault(name, Level("region")).buckets.append(
                (region.pk, (region.path,))
            )
            label = _("%(region)s subtotal") % {"region": region.name}
            entries.append(Entry(label, SUBTOTAL, name, region.pk, depth))

    for top in tops:
        walk(top, 0, len(tops) > 1)
    entries.append(_total_entry())
    levels[TOTAL] = total
    return Grouping(_("Region"), entries, levels, top_paths)


def _by_school(tops, top_paths, total, pairings) -> Grouping:
    """Supporting schools of the counted pairings that lie in the table's regions."""
    schools = (
        PairingParty.objects.filter(total.within())
        .filter(pairing__in=pairings, side=Side.SUPPORTING)
        .values_list("school_id", "school__name", "school__region__path")
        .distinct()
        .order_by("school__region__path", "school__name")
    )
    level = Level("school")
    entries = []
    for school_id, name, _path in schools:
        level.buckets.append((school_id, ()))
        entries.append(Entry(name, DATA, DATA, school_id))
    entries.append(_total_entry())
    return Grouping(
        _("Supporting school"), entries, {DATA: level, TOTAL: total}, top_paths
    )


def _by_pairing(top_paths, total, pairings) -> Grouping:
    level = Level("pairing")
    entries = []
    rows = (
        pairings.filter(
            pk__in=PairingParty.objects.filter(total.within()).values("pairing_id")
        )
        .order_by("name", "pk")
        .values_list("pk", "name")
    )
    for pk, name in rows:
        level.buckets.append((pk, ()))
        entries.append(Entry(name, DATA, DATA, pk))
    entries.append(_total_entry())
    return Grouping(_("Pairing"), entries, {DATA: level, TOTAL: total}, top_paths)
