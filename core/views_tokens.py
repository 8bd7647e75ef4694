"""接口令牌: the user's own API tokens. A new key is shown once, on the page that
created it; afterwards only its first characters are shown. Revoking is immediate."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .api.authentication import token_create, token_revoke
from .forms import BootstrapMixin
from .models import ApiToken
from .scope import scope_of


class TokenForm(BootstrapMixin, forms.Form):
    name = forms.CharField(
        label=gettext_lazy("name"),
        max_length=100,
        help_text=gettext_lazy("What the key is for, e.g. 省平台同步."),
    )


@login_required
def token_list(request):
    # A user without any role has nothing to read through the API.
    if scope_of(request.user).is_empty:
        raise Http404
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        token, new_key = token_create(user=request.user, name=form.cleaned_data["name"])
        messages.success(
            request,
            _("Token created: copy the key now, it will not be shown again."),
        )
        form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")
    return render(
        request,
        "core/tokens.html",
        {"form": form, "tokens": tokens, "new_key": new_key},
    )


@login_required
@require_POST
def token_revoke_view(request, pk):
    token = ApiToken.objects.filter(pk=pk, user=request.user).first()
    if token is None:
        raise Http404
    token_revoke(token=token)
    messages.success(request, _("Token revoked: %(name)s") % {"name": token.name})
    return redirect("api_tokens")
