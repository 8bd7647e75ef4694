"""The order in which the demo data is built: each step only uses rows built before
it, kept in memory, so nothing is read back from the database."""

from datetime import date

from .activities import build_activities
from .agreements import build_agreements
from .base import Demo
from .calendar import recent_semesters
from .dispatch import build_secondments
from .pairings import build_pairings
from .programmes import build_programmes
from .projects import build_projects
from .regions import build_regions
from .reporting import build_reporting
from .scales import Scale
from .schools import build_schools
from .users import build_users
from .writer import Writer

STEPS = (
    build_regions,
    build_schools,
    build_programmes,
    build_pairings,
    build_agreements,
    build_secondments,
    build_activities,
    build_projects,
    build_users,
    build_reporting,
)


def generate(*, scale: Scale, seed: int, anchor: date, writer: Writer) -> Demo:
    """Build every demo row for ``scale``; the caller owns the transaction."""
    demo = Demo(
        scale=scale,
        seed=seed,
        anchor=anchor,
        periods=recent_semesters(anchor, scale.periods),
        writer=writer,
    )
    for step in STEPS:
        step(demo)
    writer.reset_sequences()
    return demo
