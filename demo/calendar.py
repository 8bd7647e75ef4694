"""School-year and semester dates: the reporting periods every other date leans on.

Autumn runs from 1 September to a Friday in late January; spring from a Monday in
late February to a Friday in early July (the winter and summer breaks lie between)."""

from dataclasses import dataclass
from datetime import date, timedelta

AUTUMN = "autumn"
SPRING = "spring"


@dataclass(frozen=True)
class Semester:
    school_year: int
    semester: str
    start: date
    end: date

    @property
    def deadline(self) -> date:
        return self.end + timedelta(days=14)

    @property
    def lock_date(self) -> date:
        return self.end + timedelta(days=31)

    @property
    def label(self) -> str:
        name = "秋季学期" if self.semester == AUTUMN else "春季学期"
        return f"{self.school_year}-{self.school_year + 1}学年{name}"

    def overlap(self, start: date, end: date) -> int:
        """Days of [start, end] inside this semester."""
        low, high = max(start, self.start), min(end, self.end)
        return (high - low).days + 1 if high >= low else 0


def school_year_of(day: date) -> int:
    """The school year (by its starting calendar year) a day belongs to."""
    return day.year if day.month >= 9 else day.year - 1


def default_anchor(today: date) -> date:
    """1 September of the current school year."""
    return date(school_year_of(today), 9, 1)


def _weekday_between(first: date, weekday: int) -> date:
    """The first day on or after ``first`` falling on ``weekday`` (Monday = 0)."""
    return first + timedelta(days=(weekday - first.weekday()) % 7)


def semester(school_year: int, name: str) -> Semester:
    if name == AUTUMN:
        start = date(school_year, 9, 1)
        end = _weekday_between(date(school_year + 1, 1, 16), 4)
    else:
        start = _weekday_between(date(school_year + 1, 2, 17), 0)
        end = _weekday_between(date(school_year + 1, 7, 1), 4)
    return Semester(school_year, name, start, end)


def semesters_between(first_year: int, last_year: int) -> list[Semester]:
    """All semesters of the school years ``first_year`` to ``last_year``, in order."""
    return [
        semester(year, name)
        for year in range(first_year, last_year + 1)
        for name in (AUTUMN, SPRING)
    ]


def recent_semesters(anchor: date, count: int) -> list[Semester]:
    """The ``count`` most recent semesters started by ``anchor``, oldest first."""
    year = school_year_of(anchor)
    candidates = semesters_between(year - count, year)
    started = [s for s in candidates if s.start <= anchor]
    return started[-count:]


def following_semesters(last: Semester, count: int) -> list[Semester]:
    """The ``count`` semesters after ``last`` (for plans that lie in the future)."""
    candidates = semesters_between(last.school_year, last.school_year + count)
    later = [s for s in candidates if s.start > last.start]
    return later[:count]
