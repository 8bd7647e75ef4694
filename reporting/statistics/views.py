"""Statistics tables: the index (pick a table, a time span, a grouping and a region)
and the HTML preview of any table of the registry.

The preview is computed by the worker (``previews``): the page shows it from the
cache, or a waiting page that reloads until it is there. Bureau staff,
inspectors and administrators only; school staff and users without a scope get
404, as does a programme or region out of the user's scope."""

from urllib.parse import urlencode

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import render
from django.views.generic import TemplateView, View

from core.scope import scope_of
from reporting.statistics.forms import StatisticsForm, defaults, valid_or_404

from . import previews, registry


class StatisticsMixin(LoginRequiredMixin):
    """Regions' staff and administrators only."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            scope = scope_of(request.user)
            if not (scope.is_admin or scope.region_paths):
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def form(self):
        data = {**defaults(), **self.request.GET.dict()}
        return StatisticsForm(data, user=self.request.user)


class StatisticsIndex(StatisticsMixin, TemplateView):
    template_name = "reporting/statistics_index.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            form=self.form(),
            tables=registry.available().items(),
            yearly=registry.YEARLY,
            query=urlencode({**defaults(), **self.request.GET.dict()}),
            **kwargs,
        )


class StatisticsTable(StatisticsMixin, View):
    """One table: from the cache at once, or the waiting page while the worker
    computes it; the filters' errors when they do not hold."""

    def get(self, request, code):
        if code not in registry.available():
            raise Http404
        form = self.form()
        if not valid_or_404(form):
            context = {"form": form, "table": None}
            return render(request, "reporting/statistics_table.html", context)
        spec = form.spec()
        result = previews.preview(
            user=request.user, code=code, spec=spec, again="again" in request.GET
        )
        if result is None or result.error:
            context = {
                "form": form,
                "title": registry.available()[code],
                "error": result.error if result else "",
                "again": urlencode({**request.GET.dict(), "again": "1"}),
                "query": urlencode(
                    {k: v for k, v in request.GET.items() if k != "again"}
                ),
                "poll_seconds": 2,
            }
            return render(request, "reporting/statistics_pending.html", context)
        table = result.table
        context = {
            "form": form,
            "table": table,
            "rows": [_cells(table, row) for row in table.rows],
            "truncated": result.truncated,
            "export_fields": spec.as_dict(),
            "table_code": code,
            "yearly": registry.YEARLY,
        }
        return render(request, "reporting/statistics_table.html", context)


def _cells(table, row) -> dict:
    """A row ready for the template: its kind, indentation and cells."""
    cells = []
    for column in table.columns:
        value = row.values.get(column.key)
        cells.append(
            {
                "value": "—" if value is None else value,
                "kind": column.kind,
                "approximate": column.key in row.approximate,
            }
        )
    return {"kind": row.kind, "level": row.level, "cells": cells}
