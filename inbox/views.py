from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from .selectors import todo_for


@login_required
@never_cache
def inbox(request):
    """我的待办: what waits for this user, each item linking to where it is done.
    Nothing is stored: an item is there while its record is in that state, and gone
    once the work is done."""
    groups = todo_for(request.user)
    return render(
        request,
        "inbox/index.html",
        {"groups": groups, "total": sum(g.count for g in groups)},
    )
