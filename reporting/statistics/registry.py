"""The statistics tables the system can build, by code."""

from importlib import import_module

from django.utils.translation import gettext_lazy as _

# code → (module with build(*, user, spec) -> Table, title)
TABLES = {
    "partner_assistance": (
        "reporting.statistics.partner_assistance",
        _("partner-assistance statistics"),
    ),
    "roster": ("reporting.statistics.roster", _("roster of seconded staff")),
    "project_ledger": ("reporting.statistics.ledger", _("aid project ledger")),
    "funds_goods": (
        "reporting.statistics.funds_goods",
        _("funds and goods statistics"),
    ),
    "report_submission": (
        "reporting.statistics.submission",
        _("semester report submission"),
    ),
    "compliance": ("reporting.statistics.compliance_table", _("pairing compliance")),
    "pairing_list": ("reporting.statistics.pairing_list", _("list of pairings")),
}
# The yearly workbook: every table above, one sheet each.
YEARLY = "yearly_workbook"


def load() -> None:
    """Import every table module and the Excel writer. Called when this module is
    first imported, which the Celery worker does when it starts (the export task
    imports it): a job then does not pay for importing openpyxl and the tables
    (about half a second, the better part of a county workbook's fixed cost)."""
    for module, _title in TABLES.values():
        try:
            import_module(module)
        except ModuleNotFoundError:
            continue
    import_module("reporting.statistics.excel")


def available() -> dict:
    """Tables whose module is present (tables are added one by one)."""
    result = {}
    for code, (module, title) in TABLES.items():
        try:
            import_module(module)
        except ModuleNotFoundError:
            continue
        result[code] = title
    return result


def build(code: str, *, user, spec):
    """One table, with its own reconciliation lines (subtotals against rows)."""
    from . import base, compare
    from .checks import attach

    module = import_module(TABLES[code][0])
    many = getattr(module, "build_many", None)
    table = compare.build(
        code,
        spec,
        base.period_of(spec).end,
        lambda one: module.build(user=user, spec=one),
        (lambda specs: many(user=user, specs=specs)) if many else None,
    )
    return attach(table)


def build_all(codes, *, user, spec):
    """Several tables, with the checks between them (the yearly workbook)."""
    from .base import shared_evaluations
    from .checks import reconcile

    with shared_evaluations():
        return reconcile([build(code, user=user, spec=spec) for code in codes])


load()
