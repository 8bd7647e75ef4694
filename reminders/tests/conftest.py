import pytest

from reminders.tests.fakehook import FakeHook


@pytest.fixture
def hook():
    server = FakeHook().start()
    yield server
    server.stop()


@pytest.fixture
def inline_worker(monkeypatch):
    """Queued tasks run at once, in this process, as the worker would run them
    (retries included, without their waits)."""
    from reminders import services, tasks

    ran = []

    def wake(name, *args):
        ran.append((name, args))
        {"reminders.fan_out": tasks.fan_out, "reminders.send": tasks.send}[name].apply(
            args=args
        )
        return True

    monkeypatch.setattr(services, "wake", wake)
    return ran
