"""``manage.py demo_data``: load a deterministic demo data set (see demo)."""

from datetime import date
from time import perf_counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from demo.calendar import default_anchor
from demo.loader import generate
from demo.scales import SCALES
from demo.writer import (
    Writer,
    flush_demo_data,
    record_load,
    records_not_from_the_demo,
)
from pairings.models import School


def _anchor(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(
            f"--anchor 需要 YYYY-MM-DD (expected YYYY-MM-DD): {value}"
        ) from exc


class Command(BaseCommand):
    help = (
        "生成演示数据 (load demo data): 山东省的地区、学校、结对、派遣、活动、"
        "项目和学期报告; same seed and anchor, same data."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=list(SCALES),
            default="small",
            help="national: ten provinces, for the PostgreSQL benchmarks only",
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--anchor",
            help="YYYY-MM-DD; default: 1 September of the current school year",
        )
        parser.add_argument(
            "--flush",
            action="store_true",
            help="first delete all rows of the demo models (memberships included) "
            "and the demo users",
        )
        parser.add_argument(
            "--i-know-this-deletes-real-data",
            action="store_true",
            dest="force_flush",
            help="with --flush: delete even records the demo did not make, or under "
            "production settings",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (exit 0) when the database already has schools",
        )
        parser.add_argument("--batch-size", type=int, default=5000)

    def refuse_unsafe_flush(self):
        """--flush deletes every row of the domain tables: only a database that
        holds nothing but an unchanged demo load, and never under production
        settings, unless the user says they know."""
        if not settings.DEMO_FLUSH_ALLOWED:
            raise CommandError(
                "生产环境设置下不允许 --flush (--flush is refused under production "
                "settings); 确需删除请加 --i-know-this-deletes-real-data"
            )
        reasons = records_not_from_the_demo()
        if reasons:
            raise CommandError(
                "拒绝 --flush：数据库中有非演示数据，删除将无法恢复 (refused: the "
                "database holds records the demo did not make):\n  "
                + "\n  ".join(reasons)
                + "\n确需删除请加 --i-know-this-deletes-real-data"
            )

    def handle(self, *args, **options):
        scale = SCALES[options["scale"]]
        anchor = (
            _anchor(options["anchor"])
            if options["anchor"]
            else default_anchor(timezone.localdate())
        )
        if School.objects.exists() and not options["flush"]:
            if options["if_empty"]:
                self.stdout.write(
                    "数据库已有学校数据,跳过演示数据 (schools exist, skipped)."
                )
                return
            raise CommandError(
                "数据库已有学校数据;重新生成请加 --flush "
                "(the database already has schools: use --flush to replace them)."
            )
        if options["flush"] and not options["force_flush"]:
            self.refuse_unsafe_flush()
        started = perf_counter()
        self.stdout.write(
            f"生成演示数据 (demo data): scale={scale.name} seed={options['seed']} "
            f"anchor={anchor} database={connection.vendor}"
        )
        with transaction.atomic():
            if options["flush"]:
                flush_demo_data(self.stdout)
            writer = Writer(self.stdout, batch_size=options["batch_size"])
            generate(scale=scale, seed=options["seed"], anchor=anchor, writer=writer)
            record_load(scale=scale.name, seed=options["seed"], anchor=anchor)
            commit = perf_counter()
        writer.timing("提交事务 commit (deferred checks)", perf_counter() - commit)
        if connection.vendor == "postgresql":
            # Fresh statistics, so the planner does not guess on the bulk-loaded tables.
            analyzed = perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            writer.timing("更新统计信息 ANALYZE", perf_counter() - analyzed)
        total = sum(writer.counts.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"完成 done: {total:,} 行 rows in {perf_counter() - started:.1f} s"
            )
        )
