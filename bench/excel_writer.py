"""Time and peak memory of the statistics Excel writer alone, on a synthetic
row-per-record table shaped like the roster (15 columns: numbers, names, schools,
dates as text, days) or the ledger (14 columns, with 万元 and rate figures), with no
database: what the writer itself costs per row.

    .venv/bin/python bench/excel_writer.py [--rows 40000] [--table roster|ledger]
"""

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from reporting.statistics.base import Column, HeaderCell, Row, Table  # noqa: E402
from reporting.statistics.excel import build_workbook  # noqa: E402

ROSTER = [
    ("number", "int", "序号"), ("name", "text", "姓名"), ("gender", "text", "性别"),
    ("sending_school", "text", "派出学校"), ("host_school", "text", "接收学校"),
    ("kind", "text", "类型"), ("direction", "text", "方向"),
    ("subject", "text", "学科"), ("title", "text", "职称"), ("batch", "int", "批次"),
    ("planned", "text", "计划起止"), ("days", "int", "本时段在岗天数"),
    ("longest", "int", "最长连续在岗天数"), ("compliant", "text", "是否达标"),
    ("appraisals", "text", "年度考核"),
]  # fmt: skip
LEDGER = [
    ("number", "int", "序号"), ("name", "text", "项目名称"),
    ("category", "text", "类别"), ("receiving_school", "text", "受援学校"),
    ("supporting", "text", "支援方"), ("total", "wan", "总投资（万元）"),
    ("aid", "wan", "援助资金（万元）"), ("other", "wan", "其他资金（万元）"),
    ("received", "wan", "到位（万元）"), ("spent", "wan", "支出（万元）"),
    ("execution_rate", "rate", "执行率（%）"), ("phase", "text", "阶段"),
    ("planned", "text", "计划起止"), ("actual", "text", "实际起止"),
]  # fmt: skip


def value(key, kind, n):
    if kind == "int":
        return n if key == "number" else n % 200
    if kind == "wan":
        return Decimal(n % 9000) / 100
    if kind == "rate":
        return Decimal(n % 1200) / 10
    return TEXTS.get(key, "{n}号").format(n=n % 997)


# Texts about as long as the real ones (a few run past their column and wrap).
TEXTS = {
    "name": "欧阳{n}",
    "sending_school": "济南市历下区第{n}实验小学",
    "host_school": "湘西州龙山县第{n}民族中心学校",
    "receiving_school": "湘西州龙山县第{n}民族中心学校",
    "supporting": "济南市历下区第{n}实验小学",
    "planned": "2024-09-01至2025-01-15",
    "actual": "2024-09-01至2025-01-15",
    "direction": "支援方→受援方",
    "appraisals": "2024 优秀；2025 合格",
    "name_project": "第{n}号图书室及多媒体教室建设",
}


def table(shape, count) -> Table:
    def rows():
        for n in range(1, count + 1):
            yield Row({key: value(key, kind, n) for key, kind, _text in shape})

    return Table(
        code="bench",
        title="支教人员花名册",
        period_label="2025年",
        unit="单位：天",
        header=[[HeaderCell(text) for _key, _kind, text in shape]],
        columns=[Column(key, kind) for key, kind, _text in shape],
        rows=rows(),
        notes=["注：合成数据。"],
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=40_000)
    parser.add_argument("--table", choices=["roster", "ledger"], default="roster")
    parser.add_argument("--memory", action="store_true", help="trace peak memory")
    args = parser.parse_args()
    shape = ROSTER if args.table == "roster" else LEDGER
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.xlsx"
        if args.memory:
            tracemalloc.start()
        start = time.perf_counter()
        build_workbook([table(shape, args.rows)], path)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] if args.memory else 0
        size = path.stat().st_size
    print(
        f"{args.table}: {args.rows} rows x {len(shape)} columns in {seconds:.2f} s"
        f" ({seconds / args.rows * 1e6:.0f} µs/row), {size / 1e6:.1f} MB"
        + (f", peak {peak / 1e6:.1f} MB traced" if args.memory else "")
    )


if __name__ == "__main__":
    main()
