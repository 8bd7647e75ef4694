from decimal import Decimal
from functools import lru_cache

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def person_name(user):
    """A user's name as people write it: family name first and no space for
    Chinese names (陈丽娟), "Given Family" otherwise; the username without a name."""
    if user is None:
        return ""
    family, given = user.last_name.strip(), user.first_name.strip()
    if not (family or given):
        return user.username
    if any("\u4e00" <= c <= "\u9fff" for c in family + given):
        return family + given
    return " ".join(part for part in (given, family) if part)


# (what the user-agent string contains, how a clerk names it), first match wins:
# Edge and 360 say "Chrome" too, and every browser says "Mozilla".
_BROWSERS = (
    ("MicroMessenger", "微信"),
    ("DingTalk", "钉钉"),
    ("wxwork", "企业微信"),
    ("Edg", "Edge"),
    ("QQBrowser", "QQ浏览器"),
    ("360SE", "360浏览器"),
    ("Firefox", "Firefox"),
    ("HeadlessChrome", "Chrome"),
    ("Chrome", "Chrome"),
    ("Safari", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS", "macOS"),
    ("Linux", "Linux"),
)


@register.filter
def browser(user_agent):
    """A login's browser and system as a clerk names them ("Chrome · Windows"),
    not the raw user-agent string; the raw string stays in the export."""
    if not user_agent:
        return "—"
    found = [
        next((name for key, name in known if key in user_agent), None)
        for known in (_BROWSERS, _SYSTEMS)
    ]
    named = [name for name in found if name]
    return " · ".join(named) if named else _("other browser")


@register.filter
def yuan(value):
    """Yuan with thousands separators and two decimals."""
    if value in (None, ""):
        return "—"
    return f"{Decimal(value):,.2f}"


@register.filter
def wan(value):
    """Yuan shown in 万元 with two decimals."""
    if value in (None, ""):
        return "—"
    return f"{Decimal(value) / 10000:,.2f}"


@register.simple_tag
def cell(column, value, obj=None, detail_url=None):
    if value is None or value == "":
        return "—"
    if column.kind == "money":
        return yuan(value)
    if column.kind == "bool":
        return _("yes") if value else _("no")
    if column.kind == "date":
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    if column.link and obj is not None and detail_url:
        href = detail_path(detail_url, obj.pk)
        return format_html('<a href="{}">{}</a>', href, value)
    return value


def detail_path(name: str, pk: int) -> str:
    """``reverse(name, args=[pk])`` for a URL whose only argument is an integer id,
    reversed once per name, script prefix and language (a list links every row)."""
    before, after = _around_id(name, get_script_prefix(), get_language())
    return f"{before}{int(pk)}{after}"


_MARKER = 918273645


@lru_cache(maxsize=512)
def _around_id(name, _prefix, _language) -> tuple[str, str]:
    url = reverse(name, args=[_MARKER])
    before, marker, after = url.partition(str(_MARKER))
    if not marker:  # pragma: no cover - every detail URL shows its id
        raise ValueError(f"{name} does not show its id")
    return before, after


@register.simple_tag(takes_context=True)
def sort_link(context, column):
    if not column.sort:
        return column.title
    request = context["request"]
    current = request.GET.get("sort", "")
    target = f"-{column.sort}" if current == column.sort else column.sort
    query = request.GET.copy()
    query["sort"] = target
    query.pop("page", None)
    arrow = (
        " ▲" if current == column.sort else " ▼" if current == f"-{column.sort}" else ""
    )
    return format_html('<a href="?{}">{}{}</a>', query.urlencode(), column.title, arrow)
