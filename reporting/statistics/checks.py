"""The reconciliation (校验) of a workbook: every subtotal and total against its
rows, and the tables against each other (table 1's money against table 4's, table
1's pairings against table 7's rows). A workbook whose checks fail is not shipped;
the preview shows the same lines.

Rows of tables 1 and 4 count a cross-region pairing in each of its regions and
once above them (domain.md §5a), so there a subtotal lies between its largest row
and the sum of its rows; where every record lies in exactly one row (table 5),
the subtotal is the sum."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from .base import Check, Row, Table

ROUNDING = Decimal("0.005")  # the most a figure in 万元 moves by rounding
# Tables whose rows partition the records: subtotals equal the sum of their rows.
ADDITIVE = {"report_submission"}
# Tables with region subtotals to check (row-per-record tables have none).
GROUPED = {"partner_assistance", "funds_goods", "report_submission"}


def attach(table: Table) -> Table:
    """Add a table's own checks: its subtotals and total against its rows."""
    if table.code in GROUPED and isinstance(table.rows, list):
        table.checks += subtotal_checks(table)
    return table


def reconcile(tables: list[Table]) -> list[Table]:
    """Add the checks between tables built together (the yearly workbook): table
    1's money against table 4's, its pairings against table 7's rows."""
    by_code = {t.code: t for t in tables}
    one = by_code.get("partner_assistance")
    if one is not None and isinstance(one.rows, list):
        first = one.checks
        four = by_code.get("funds_goods")
        if four is not None:
            first += [
                _equal(
                    _("Funds received in total: table 1 against table 4"),
                    _total(one, "funds_total"),
                    _total(four, "received_total"),
                ),
                _equal(
                    _("Goods value in total: table 1 against table 4"),
                    _total(one, "goods"),
                    _total(four, "goods_total"),
                ),
            ]
        seven = by_code.get("pairing_list")
        if seven is not None:
            # Table 7 is streamed: it carries its row count (a table without one
            # fails the check rather than skip it).
            first.append(
                _equal(
                    _("Pairings in progress: table 1 against the rows of table 7"),
                    _total(one, "pairings"),
                    seven.row_count,
                )
            )
    return tables


def _total(table: Table, key: str):
    totals = [r for r in table.rows if r.kind == "total"]
    return totals[-1].values.get(key) if totals else None


def _equal(label: str, one, other) -> Check:
    return Check(label, _show(one), _show(other), one == other)


def _show(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return f"{value:,}"


def numeric_keys(table: Table) -> list[str]:
    return [c.key for c in table.columns if c.kind in ("int", "wan")]


def subtotal_checks(table: Table) -> list[Check]:
    """One line per subtotal or total: its figures against the rows under it."""
    keys = numeric_keys(table)
    additive = table.code in ADDITIVE
    result = []
    titles = dict(column_titles(table))
    kinds = {c.key: c.kind for c in table.columns}
    blocks = sum(1 for r in table.rows if r.kind == "total")
    for parent, rows, block in groups(table.rows):
        figures = [k for k in keys if isinstance(parent.values.get(k), int | Decimal)]
        wrong = [k for k in figures if not _holds(parent, rows, k, additive, kinds[k])]
        result.append(
            Check(
                label=(
                    _("%(row)s against its rows (equal to their sum)")
                    if additive
                    else _(
                        "%(row)s against its rows (at least the largest, at most "
                        "their sum)"
                    )
                )
                % {
                    "row": f"{block} · {parent.values.get(table.columns[0].key)}"
                    if blocks > 1 and block
                    else parent.values.get(table.columns[0].key)
                },
                expected=_("%(n)s rows") % {"n": len(rows)},
                actual=(
                    _("all figures agree")
                    if not wrong
                    else _("differs: %(columns)s")
                    % {"columns": "、".join(titles.get(k, k) for k in wrong)}
                ),
                ok=not wrong,
            )
        )
    return result


def _holds(parent: Row, rows: list[Row], key: str, additive: bool, kind: str) -> bool:
    """Whether the subtotal agrees with its rows. 万元 are rounded from exact
    yuan in every row and subtotal (domain.md §5a), so they may differ from the
    sum of the rounded rows by half a cent (0.005) per row."""
    values = [r.values.get(key) or 0 for r in rows]
    value = parent.values[key]
    slack = ROUNDING * len(values) if kind == "wan" else 0
    if additive:
        return abs(value - sum(values)) <= slack
    return max(values, default=0) <= value <= sum(values) + slack


def groups(rows: list[Row]):
    """(subtotal or total row, the rows directly under it, the block's heading).
    A subtotal at
    depth d closes the rows of depth d + 1 written since the last row of depth
    d or less; the total closes the rows of the smallest depth before it (within
    its block, for a table of several semester blocks)."""
    block: list[Row] = []
    title = ""  # the block's heading (a semester in table 5)
    for i, row in enumerate(rows):
        if row.kind == "total":
            figures = [r for r in block if r.kind in ("data", "subtotal") and _has(r)]
            if figures:
                top = min(r.level for r in figures)
                yield row, [r for r in figures if r.level == top], title
            block = []
            continue
        following = rows[i + 1] if i + 1 < len(rows) else None
        if not _has(row) and following is not None and _has(following):
            title = str(row.values.get("label") or "")
        if row.kind == "subtotal" and _has(row):
            under = []
            for earlier in reversed(block):
                if earlier.level <= row.level:
                    break
                if earlier.level == row.level + 1 and _has(earlier):
                    under.append(earlier)
            if under:
                yield row, list(reversed(under)), title
        block.append(row)


def _has(row: Row) -> bool:
    """A row of figures (not a heading or a row of the missing-school list)."""
    values = [v for k, v in row.values.items() if k != "label"]
    return any(isinstance(v, int | Decimal) for v in values) and not any(
        isinstance(v, str) for v in values
    )


def column_titles(table: Table):
    """(key, title) of each column, from the header's lowest cells."""
    slots: list[list[str | None]] = [[None] * len(table.columns) for _ in table.header]
    for r, header_row in enumerate(table.header):
        c = 0
        for cell in header_row:
            while c < len(table.columns) and slots[r][c] is not None:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    if r + dr < len(slots) and c + dc < len(table.columns):
                        slots[r + dr][c + dc] = cell.text
            c += cell.colspan
    for i, column in enumerate(table.columns):
        texts = [slots[r][i] for r in range(len(slots)) if slots[r][i]]
        unique = list(dict.fromkeys(texts))
        yield column.key, "·".join(unique[-2:]) if unique else column.key
