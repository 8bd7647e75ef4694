"""Statistics previews in tests: the page queues the worker's task; here the task
runs at once, between the waiting page and the reload, as the worker would."""

from unittest import mock

from reporting.tasks import build_preview


def get(client, url, data=None):
    """The preview page as the user sees it once the worker has answered."""
    queued = []
    with mock.patch(
        "reporting.statistics.previews.enqueue",
        side_effect=lambda **kw: queued.append(kw),
    ):
        response = client.get(url, data)
        if not queued:
            return response
        assert b'id="statistics-pending"' in response.content
        for kwargs in queued:
            build_preview.apply(kwargs=kwargs).get()
        return client.get(url, data)
