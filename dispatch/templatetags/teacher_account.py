"""The person page's part about the seconded teacher's own account."""

from django import template

from core.scope import may_manage_account_of

register = template.Library()


@register.inclusion_tag("dispatch/teacher/account_panel.html", takes_context=True)
def teacher_account(context, person):
    """Whether the account is open, and the bureau's buttons to open or close it
    (shown only to a bureau whose region holds the person)."""
    user = context["request"].user
    may_manage = may_manage_account_of(user, person)
    return {
        "person": person,
        "may_manage": may_manage,
        "account": person.account if may_manage else None,
        "csrf_token": context.get("csrf_token"),
    }
