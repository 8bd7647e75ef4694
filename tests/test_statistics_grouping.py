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
