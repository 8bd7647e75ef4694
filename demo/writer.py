"""Bulk writes for the demo data: ids chosen here (so no row is read back), one
progress line per model, the flush of earlier demo data and sequence resets."""

import itertools
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from time import perf_counter

from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import connection
from django.db.models import Count, Max, Model

from core.models import Membership
from dispatch.models import (
    Activity,
    Appraisal,
    BackboneCultivation,
    Person,
    Secondment,
    Stint,
    TrainingParticipation,
)
from pairings.models import (
    Agreement,
    AgreementTarget,
    Pairing,
    PairingAssessment,
    PairingParty,
    Programme,
    Region,
    School,
    SchoolNameChange,
    SchoolRegionChange,
    SchoolYearProfile,
)
from projects.models import AidProject, Donation, FundingLine
from reporting.models import (
    ReportAttachment,
    ReportEvent,
    ReportingPeriod,
    SemesterReport,
)

DEMO_USERNAMES = ("admin", "sheng", "shi", "xian", "xuexiao", "duxue")

# Children before parents: the order a plain DELETE needs.
DEMO_MODELS: tuple[type[Model], ...] = (
    ReportEvent,
    ReportAttachment,
    SemesterReport,
    ReportingPeriod,
    FundingLine,
    Donation,
    AidProject,
    TrainingParticipation,
    BackboneCultivation,
    Appraisal,
    Stint,
    Activity,
    Secondment,
    Person,
    AgreementTarget,
    Agreement,
    PairingAssessment,
    PairingParty,
    Pairing,
    Programme,
    SchoolYearProfile,
    SchoolNameChange,
    SchoolRegionChange,
    Membership,
    School,
    Region,
)

LABELS = {
    Region: "地区",
    School: "学校",
    SchoolNameChange: "学校曾用名",
    SchoolRegionChange: "学校区划变更",
    SchoolYearProfile: "学校学年概况",
    Programme: "帮扶项目(政策)",
    Pairing: "结对",
    PairingParty: "结对学校",
    Agreement: "协议",
    AgreementTarget: "年度目标",
    PairingAssessment: "考核评估",
    Person: "人员",
    Secondment: "派遣(人次)",
    Stint: "在岗时段",
    Appraisal: "年度考核",
    Activity: "活动",
    TrainingParticipation: "参训记录",
    BackboneCultivation: "骨干教师培养",
    AidProject: "援建项目",
    FundingLine: "资金",
    Donation: "捐赠",
    ReportingPeriod: "报告期",
    SemesterReport: "学期报告",
    ReportEvent: "报告记录",
    ReportAttachment: "报告附件",
    Membership: "用户身份",
}


class Writer:
    """Inserts rows in batches and prints, per model, the rows written and the
    seconds spent generating and inserting them."""

    def __init__(self, stdout, batch_size: int = 5000):
        self.stdout = stdout
        self.batch_size = batch_size
        self.counts: dict[type[Model], int] = defaultdict(int)
        self.seconds: dict[type[Model], float] = defaultdict(float)
        self.started = self._mark = perf_counter()
        self.filled: list[type[Model]] = []

    def ids(self, model: type[Model]) -> Iterator[int]:
        """Primary keys for new rows, after any already in the table."""
        top = model.objects.aggregate(top=Max("pk"))["top"] or 0
        if model not in self.filled:
            self.filled.append(model)
        return itertools.count(top + 1)

    def save(self, model: type[Model], rows: Iterable[Model]) -> None:
        rows = list(rows)
        if rows:
            model.objects.bulk_create(rows, batch_size=self.batch_size)
        now = perf_counter()
        self.counts[model] += len(rows)
        self.seconds[model] += now - self._mark
        self._mark = now

    def report(self, model: type[Model]) -> None:
        now = perf_counter()
        self.seconds[model] += now - self._mark
        self._mark = now
        label = f"{LABELS.get(model, '')} {model._meta.label}"
        self.line(
            f"  {_pad(label)}{self.counts[model]:>9,} 行 rows"
            f"{self.seconds[model]:>8.2f} s   (累计 total {now - self.started:6.1f} s)"
        )

    def timing(self, label: str, seconds: float) -> None:
        """A progress line for a step that writes no rows of its own (the commit)."""
        self.line(f"  {_pad(label)}{'':>17}{seconds:>8.2f} s")

    def line(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def reset_sequences(self) -> None:
        """PostgreSQL sequences catch up with the ids chosen here."""
        if connection.vendor != "postgresql" or not self.filled:
            return
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), self.filled):
                cursor.execute(sql)


def _pad(text: str, columns: int = 40) -> str:
    """Pad to ``columns`` terminal columns: Chinese characters take two."""
    width = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, columns - width)


@contextmanager
def explicit_timestamps(model: type[Model], *names: str):
    """Let bulk_create keep the datetimes we set on auto_now(_add) fields, so a
    report's history shows when each step happened instead of the load time."""
    fields = [model._meta.get_field(name) for name in names]
    saved = [(f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, (auto_now, auto_now_add) in zip(fields, saved, strict=True):
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def flush_demo_data(stdout) -> None:
    """Delete the demo rows of every model the generator fills, and the demo users.

    PostgreSQL: one TRUNCATE … CASCADE; elsewhere plain DELETEs, children first."""
    started = perf_counter()
    # Attachment files first: their rows say where they are.
    for name in ReportAttachment.objects.values_list("file", flat=True).iterator():
        if name:
            default_storage.delete(name)
    tables = [model._meta.db_table for model in DEMO_MODELS]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Checks deferred to the commit (a pairing has both sides) run now:
            # PostgreSQL refuses to TRUNCATE a table with such checks pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            names = ", ".join(quote(t) for t in tables)
            cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {quote(table)}")
    get_user_model().objects.filter(username__in=DEMO_USERNAMES).delete()
    from .models import DemoLoad

    DemoLoad.objects.all().delete()
    stdout.write(
        f"已清除旧的演示数据 (old demo data flushed) {perf_counter() - started:.1f} s"
    )


def table_counts() -> dict[str, list[int]]:
    """Rows and highest id of every demo table, as they are now."""
    counts = {}
    for model in DEMO_MODELS:
        numbers = model.objects.aggregate(rows=Count("pk"), top=Max("pk"))
        counts[model._meta.db_table] = [numbers["rows"], numbers["top"] or 0]
    return counts


def records_not_from_the_demo() -> list[str]:
    """Why the database holds records the demo generator did not make, in a
    clerk's words (empty: it holds only the last demo load, unchanged, or nothing).

    Compared with what the last load wrote (``DemoLoad``): a table with other row
    counts or a higher id has rows added or deleted since; an audit entry after the
    load is someone's edit (every write through the pages, the admin, the API and
    the importer is audited; the generator's bulk inserts are not)."""
    from django.contrib.contenttypes.models import ContentType

    from core.models import AuditEntry

    from .models import DemoLoad

    now = table_counts()
    held = {table: rows for table, (rows, _top) in now.items() if rows}
    if not held:
        return []
    load = DemoLoad.objects.order_by("-loaded_at", "-pk").first()
    if load is None:
        tables = "、".join(sorted(held)[:5])
        return [
            f"数据库中有不是演示数据生成器写入的记录 (records the demo generator did "
            f"not write), e.g. {tables}"
        ]
    reasons = [
        f"{table}: 演示数据载入后有增删 (rows added or deleted since the demo load: "
        f"{load.tables.get(table, [0, 0])[0]} → {rows})"
        for table, (rows, top) in now.items()
        if [rows, top] != load.tables.get(table, [0, 0])
    ]
    types = ContentType.objects.get_for_models(*DEMO_MODELS).values()
    edits = AuditEntry.objects.filter(
        content_type__in=list(types), time__gt=load.loaded_at
    )
    if edits.exists():
        reasons.append(
            f"演示数据载入后有 {edits.count()} 次修改记录 (edits since the demo load, "
            f"see the audit log)"
        )
    return reasons


def record_load(*, scale: str, seed: int, anchor) -> None:
    """Remember what this load wrote, so that a later --flush can tell."""
    from .models import DemoLoad

    DemoLoad.objects.all().delete()
    DemoLoad.objects.create(
        scale=scale, seed=seed, anchor=anchor, tables=table_counts()
    )
