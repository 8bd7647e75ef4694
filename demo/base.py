"""Shared helpers of the demo generator: seeded randomness, quotas, dates and money.

Every random draw goes through a ``random.Random`` seeded from the run's seed and a
stream name, so one subject's changes do not shift the numbers of another."""

import itertools
import random
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .calendar import Semester
from .scales import Scale


@dataclass
class Demo:
    """Everything the modules share: the settings of the run and the rows built so
    far (kept in memory so that no module reads back what another wrote)."""

    scale: Scale
    seed: int
    anchor: date
    periods: list[Semester]
    writer: Any
    regions: Any = None
    schools: Any = None
    programmes: list = field(default_factory=list)
    pairings: list = field(default_factory=list)
    showcase: Any = None
    people: Any = None
    secondments: list = field(default_factory=list)
    activity_totals: dict = field(default_factory=dict)
    donation_totals: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)

    def rng(self, stream: str) -> random.Random:
        return random.Random(f"duikou-demo:{self.seed}:{stream}")

    @property
    def window_start(self) -> date:
        """Start of the oldest reporting period: actual records begin here."""
        return self.periods[0].start


def allocate(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder),
    each at least ``minimum``."""
    count = len(weights)
    if count == 0:
        return []
    base = [minimum] * count
    rest = total - minimum * count
    if rest < 0:
        raise ValueError(f"cannot give {minimum} each to {count} from {total}")
    weight_sum = float(sum(weights))
    if weight_sum <= 0:
        weights = [1.0] * count
        weight_sum = float(count)
    shares = [rest * w / weight_sum for w in weights]
    floors = [int(s) for s in shares]
    left = rest - sum(floors)
    order = sorted(range(count), key=lambda i: (floors[i] - shares[i], i))
    for i in order[:left]:
        floors[i] += 1
    return [b + f for b, f in zip(base, floors, strict=True)]


def quota(rng: random.Random, n: int, weights: dict[Hashable, float]) -> list:
    """``n`` choices in the proportions of ``weights``, every key at least once when
    ``n`` allows it, in random order: small data sets still show every case."""
    keys = list(weights)
    minimum = 1 if n >= len(keys) else 0
    counts = allocate(n, [weights[k] for k in keys], minimum)
    items = [key for key, c in zip(keys, counts, strict=True) for _ in range(c)]
    rng.shuffle(items)
    return items


def pick(rng: random.Random, weights: dict[Hashable, float]):
    """One weighted choice from a ``{value: weight}`` table."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class Weighted:
    """A weighted draw whose cumulative weights are computed once, not per draw."""

    def __init__(self, items: Sequence, weights: Sequence[float]):
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))

    def draw(self, rng: random.Random):
        return rng.choices(self.items, cum_weights=self.cumulative)[0]


def days(start: date, end: date) -> int:
    """Days from start to end, both included."""
    return (end - start).days + 1


def random_date(rng: random.Random, start: date, end: date) -> date:
    if end <= start:
        return start
    return start + timedelta(days=rng.randint(0, (end - start).days))


def school_day(day: date, low: date, high: date) -> date:
    """Move a Saturday or Sunday to the nearest weekday within [low, high]."""
    weekday = day.weekday()
    if weekday == 5:
        moved = day - timedelta(days=1)
    elif weekday == 6:
        moved = day + timedelta(days=1)
    else:
        return day
    return moved if low <= moved <= high else day


def clamp(day: date, low: date, high: date) -> date:
    return max(low, min(day, high))


CENT = Decimal("0.01")


def yuan(value: float | int | Decimal, step: int = 1) -> Decimal:
    """Yuan as Decimal with 2 places, rounded to ``step`` yuan."""
    if step > 1:
        value = round(float(value) / step) * step
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def money(rng: random.Random, low: int, high: int, step: int = 100) -> Decimal:
    """A random amount, log-uniform-ish so small sums are commoner than big ones."""
    value = low * (high / low) ** rng.random()
    return yuan(max(step, value), step)
