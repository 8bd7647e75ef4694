"""Distinct counts folded into the rows of every level, one item at a time
(``grouping.fold_distinct``), against counts made here with sets."""

import random
from collections import defaultdict

from reporting.statistics import grouping


def counted_with_sets(rows, places):
    seen = defaultdict(set)
    for pairing, name, item in rows:
        for level, placed in places.items():
            for key in placed.get(pairing, ()):
                seen[level, key, name].add(item)
    result = {level: {} for level in places}
    for (level, key, name), items in seen.items():
        result[level].setdefault(key, {})[name] = len(items)
    return result


def test_a_person_in_two_pairings_of_one_row_counts_once_there_and_once_in_each_row():
    # Pairings 1 and 2 lie in county 10; 2 also in county 11 (cross-county);
    # both in the city 100.
    places = {
        "county": {1: (10,), 2: (10, 11)},
        "city": {1: (100,), 2: (100,)},
    }
    rows = [(1, "people", 7), (2, "people", 7), (2, "schools", 7), (1, "people", 8)]
    assert grouping.fold_distinct(rows, places) == {
        "county": {
            10: {"people": 2, "schools": 1},
            11: {"people": 1, "schools": 1},
        },
        "city": {100: {"people": 2, "schools": 1}},
    }


def test_random_rows_ordered_by_item_count_as_sets_count_them():
    rng = random.Random(5)
    places = {
        "county": {
            p: tuple(rng.sample(range(6), rng.randint(0, 2))) for p in range(40)
        },
        "city": {p: (p % 3,) for p in range(40)},
    }
    rows = {
        (rng.randrange(40), rng.choice(["a", "b"]), rng.randrange(60))
        for _ in range(400)
    }
    ordered = sorted(rows, key=lambda row: row[2])
    assert grouping.fold_distinct(ordered, places) == counted_with_sets(rows, places)


def summed_span_by_span(cells, places):
    """The sums of ``grouping.fold_cells`` made the plain way: span by span, each
    value added in every row its pairing lies in."""
    result = [{name: {} for name in one} for one in places]
    for pairing, figure, values in cells:
        for span, value in enumerate(values):
            if value is None:
                continue
            for name, placed in places[span].items():
                for key in placed.get(pairing, ()):
                    row = result[span][name].setdefault(key, {})
                    row[figure] = row.get(figure, 0) + value
    return result


def test_money_of_every_span_folded_at_once_as_span_by_span():
    # Spans 0 and 2 place the pairings the same way (the same objects); span 1
    # (another year) has pairing 3 in another county and pairing 4 nowhere.
    county = {1: (10,), 2: (10, 11), 3: (11,), 4: (12,)}
    city = {1: (100,), 2: (100,), 3: (100,), 4: (100,)}
    county_then = {1: (10,), 2: (10, 11), 3: (12,)}
    same = {"county": county, "city": city}
    places = [same, {"county": county_then, "city": city}, dict(same)]
    rng = random.Random(7)
    cells = [
        (
            rng.randint(1, 5),  # pairing 5 lies in no row
            rng.choice(["funds", "goods"]),
            tuple(rng.choice([None, rng.randint(1, 99)]) for _ in places),
        )
        for _ in range(300)
    ]
    assert grouping.fold_cells(iter(cells), places) == summed_span_by_span(
        cells, places
    )
    # One span alone, as the plain table folds it.
    one = [(p, f, values[:1]) for p, f, values in cells]
    assert grouping.fold_cells(iter(one), places[:1]) == summed_span_by_span(
        one, places[:1]
    )


def test_money_placed_by_school_folded_in_the_row_of_its_region():
    paths = {"/1/10/": 10, "/1/11/": 11}
    keys_of = [
        {"county": lambda school, path: paths.get(path)},
        {"county": lambda school, path: 10 if school == 7 else paths.get(path)},
    ]
    cells = [
        ((7, "/1/11/"), "cash", (5, 1)),  # school 7 was in county 10 then
        ((8, "/1/11/"), "cash", (2, None)),
        ((9, "/9/"), "cash", (4, 4)),  # outside every row
        ((8, "/1/11/"), "cash", (None, 3)),
    ]
    assert grouping.fold_placed_cells(iter(cells), keys_of) == [
        {"county": {11: {"cash": 7}}},
        {"county": {10: {"cash": 1}, 11: {"cash": 3}}},
    ]
