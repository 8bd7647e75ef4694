"""Import a workbook from the command line (whole-county migrations), through the
same job code as the pages and the API: the file is checked, every error listed,
and applied only without --dry-run."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from imports import jobs
from imports.choices import ImportMode, ImportStatus
from imports.types import REGISTRY


class Command(BaseCommand):
    help = "导入 Excel 工作簿（与网页导入相同的检查和规则）。"

    def add_arguments(self, parser):
        parser.add_argument("type", choices=sorted(REGISTRY), help="记录类型")
        parser.add_argument("file", help=".xlsx 文件")
        parser.add_argument(
            "--as", dest="username", required=True, help="以此用户的身份和数据范围导入"
        )
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        parser.add_argument(
            "--all-or-nothing",
            action="store_true",
            help="任何一行有错误时一行也不导入（默认导入无错误的行）",
        )
        parser.add_argument("--errors", help="把标注了错误的工作簿写到此文件")

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"没有用户 {options['username']}")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件 {path}")
        try:
            with open(path, "rb") as handle, transaction.atomic():
                job = jobs.import_upload(
                    user=user,
                    record_type=options["type"],
                    upload=File(handle, name=path.name),
                    file_name=path.name,
                )
        except (ValidationError, PermissionDenied) as problem:
            messages = getattr(problem, "messages", [str(problem)])
            raise CommandError("；".join(messages)) from None
        self._work(job)
        if job.status == ImportStatus.FAILED:
            raise CommandError(job.error)
        self._report(job, options)
        if options["dry_run"]:
            jobs.import_cancel(job=job)
            return
        mode = (
            ImportMode.ALL_OR_NOTHING
            if options["all_or_nothing"]
            else ImportMode.VALID_ROWS
        )
        try:
            with transaction.atomic():
                jobs.import_confirm(job=job, mode=mode)
        except ValidationError as problem:
            raise CommandError("；".join(problem.messages)) from None
        self._work(job)
        if job.status != ImportStatus.APPLIED:
            raise CommandError(job.error or job.get_status_display())
        applied = job.counts.get("applied", {})
        self.stdout.write(
            f"已导入（导入编号 {job.pk}，审计批次 {job.change_set}）："
            f"新增 {applied.get('new', 0)}，更新 {applied.get('updated', 0)}，"
            f"未变 {applied.get('unchanged', 0)}，"
            f"有错误未导入 {applied.get('error', 0)}。"
        )

    def _work(self, job):
        # The command is its own worker: the job is claimed and run here (a
        # worker that got the wake-up call skips a job already claimed).
        if jobs.claim(job):
            jobs.run(job)
        job.refresh_from_db()

    def _report(self, job, options):
        counts = job.counts
        self.stdout.write(
            f"{job.rows} 行：新增 {counts.get('new', 0)}，"
            f"更新 {counts.get('updated', 0)}，"
            f"未变 {counts.get('unchanged', 0)}，有错误 {counts.get('error', 0)}。"
        )
        for warning in job.warnings:
            self.stdout.write(f"提示：{warning}")
        for problem in job.problems:
            where = (
                f"{problem['column']}列（{problem['header']}）"
                if problem["column"]
                else "整行"
            )
            self.stdout.write(f"第 {problem['row']} 行 {where}：{problem['message']}")
        if options["errors"] and job.error_file:
            with default_storage.open(job.error_file, "rb") as source:
                Path(options["errors"]).write_bytes(source.read())
            self.stdout.write(f"已写出错误标注文件：{options['errors']}")
