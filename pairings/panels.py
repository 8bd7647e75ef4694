"""What the other apps show on a pairing's page. Each app registers, from its
AppConfig.ready(), a function ``(request, pairing) -> dict`` that adds its part to
the page's context (secondments and activities, projects and money, targets
against actuals and compliance); the pairings app itself names none of them."""

from collections.abc import Callable

_PANELS: list[Callable] = []


def register(panel: Callable) -> Callable:
    if panel not in _PANELS:
        _PANELS.append(panel)
    return panel


def context(request, pairing) -> dict:
    result: dict = {}
    for panel in _PANELS:
        result.update(panel(request, pairing))
    return result
