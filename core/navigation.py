"""The navigation bar, by subject, showing each user only what their role can open."""

from django.urls import reverse
from django.utils.translation import gettext as _

from .scope import scope_of


def _item(title, url_name):
    return {"title": title, "url": reverse(url_name)}


def sections(request) -> list[dict]:
    scope = scope_of(request.user)
    if scope.is_empty:
        return []
    result = [
        {
            "title": _("Pairings"),
            "items": [
                _item(_("Pairings"), "pairings:pairing_list"),
                _item(_("Compliance"), "pairings:compliance"),
                _item(_("Agreements"), "pairings:agreement_list"),
                _item(_("Programmes"), "pairings:programme_list"),
                _item(_("Schools"), "pairings:school_list"),
            ],
        },
        {
            "title": _("Staff exchange"),
            "items": [
                _item(_("Secondments"), "dispatch:secondment_list"),
                _item(_("People"), "dispatch:person_list"),
                _item(_("Activities"), "dispatch:activity_list"),
            ],
        },
        {
            "title": _("Projects and funds"),
            "items": [
                _item(_("Aid projects"), "projects:aidproject_list"),
                _item(_("Funding lines"), "projects:fundingline_list"),
                _item(_("Donations"), "projects:donation_list"),
            ],
        },
    ]
    reports = []
    if scope.school_ids:
        reports.append(_item(_("My reports"), "reporting:my_reports"))
    if scope.is_admin or scope.region_paths:
        reports.append(_item(_("Review queue"), "reporting:review"))
        reports.append(_item(_("Report completeness"), "reporting:board"))
    reports.append(_item(_("Reporting periods"), "reporting:reportingperiod_list"))
    result.append({"title": _("Semester reports"), "items": reports})
    if scope.is_admin or scope.region_paths:
        result.append(
            {
                "title": _("Statistics"),
                "items": [
                    _item(_("Statistics tables"), "reporting:statistics"),
                    _item(_("My exports"), "reporting:exports"),
                ],
            }
        )
    system = []
    if scope.is_admin or scope.manager_paths:
        system.append(_item(_("Users"), "users"))
        system.append(_item(_("Login log"), "login_log"))
    if scope.is_admin or scope.bureau_paths:
        system.append(_item(_("Audit log"), "audit_log"))
    if scope.is_admin:
        system.append(_item(_("Django admin"), "admin:index"))
    if system:
        result.append({"title": _("System"), "items": system})
    return result


def scope_label(request) -> str:
    user = request.user
    labels = [
        f"{m.get_role_display()} · {m.school or m.region or ''}".rstrip(" ·")
        for m in user.memberships.select_related("school", "region")
    ]
    return "；".join(labels) or _("No role assigned")


def context(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {
        "nav_sections": sections(request),
        "user_scope_label": scope_label(request),
    }
