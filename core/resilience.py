"""Redis is a cache and a broker, never a reason to fail a request.

- ``OUTAGE_ERRORS`` and ``attempt``: run one call to Redis or the broker (a cache
  write, an enqueue) and learn whether it happened; an outage is logged, not raised.
- ``wake``: put a job's wake-up call in the queue, one attempt with short timeouts;
  a broker that is down is logged, and the job waits for its sweeper.
- ``ResilientRedisCache``: Django's Redis cache that answers as a cache miss when
  Redis is unreachable or frozen, and then leaves Redis alone for a few seconds, so a
  request pays at most one short timeout (``config.settings.base.redis_cache``) and
  the requests after it none. Callbacks given to ``on_recovery`` run once Redis
  answers again (the data-version token is renewed then: writes committed during
  the outage could not renew it)."""

import logging
import socket
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

# Seconds during which a process leaves an unreachable Redis alone.
PAUSE_SECONDS = 5.0


def _outage_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OSError, socket.timeout]
    try:
        import redis

        errors += [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]
    except ImportError:  # pragma: no cover - redis is a dependency
        pass
    try:
        from kombu.exceptions import OperationalError as BrokerError

        errors.append(BrokerError)
    except ImportError:  # pragma: no cover - kombu comes with Celery
        pass
    return tuple(errors)


# What an unreachable, frozen or restarting Redis (cache or broker) raises.
OUTAGE_ERRORS = _outage_errors()


def attempt(what: str, func, *args, **kwargs) -> bool:
    """Call ``func``; True if it ran, False if Redis or the broker was unreachable
    (logged with ``what``, e.g. "enqueue export 12"). Other errors propagate."""
    try:
        func(*args, **kwargs)
    except OUTAGE_ERRORS as exc:
        logger.warning("%s skipped: Redis unreachable (%s)", what, exc)
        return False
    return True


# Queueing is one attempt with short timeouts: a broker that is down costs a
# request well under a second, a frozen one about a second (measured: 0.4 s and
# 1.5 s), never the client's default retries of 20 s. Without ``ignore_result``
# the result backend would also try to reach Redis, and give up for good.
PUBLISH_OPTIONS = {"socket_timeout": 1, "socket_connect_timeout": 1, "max_retries": 0}


def wake(task_name: str, *args) -> bool:
    """Queue ``task_name(*args)`` by its name (code that queues a task does not
    import it): whether the broker took it. The job row is the truth; nothing waits
    on the result."""
    from celery import current_app

    try:
        with current_app.connection_for_write(
            transport_options=PUBLISH_OPTIONS
        ) as broker:
            current_app.send_task(
                task_name,
                args=list(args),
                connection=broker,
                retry=False,
                ignore_result=True,
            )
    except Exception:
        logger.warning(
            "%s%r not queued: the broker cannot be reached; its sweeper queues it "
            "when it is back",
            task_name,
            args,
            exc_info=True,
        )
        return False
    return True


class _Breaker:
    """Per process: after an outage, calls are skipped for PAUSE_SECONDS."""

    def __init__(self):
        self.paused_until = 0.0
        self.tripped = False
        self.lock = threading.Lock()
        self.recovery: list = []

    def open(self) -> bool:
        return time.monotonic() < self.paused_until

    def trip(self, exc) -> None:
        with self.lock:
            if not self.tripped:
                logger.warning(
                    "Redis cache unreachable (%s): computing without it", exc
                )
            self.tripped = True
            self.paused_until = time.monotonic() + PAUSE_SECONDS

    def succeeded(self) -> None:
        if not self.tripped:
            return
        with self.lock:
            if not self.tripped:
                return
            self.tripped = False
        logger.warning("Redis cache reachable again")
        for callback in self.recovery:
            try:
                callback()
            except OUTAGE_ERRORS as exc:
                self.trip(exc)
                return

    def reset(self) -> None:
        self.paused_until = 0.0
        self.tripped = False


breaker = _Breaker()


def on_recovery(callback) -> None:
    """Run ``callback`` (no arguments) whenever the cache answers after an outage."""
    if callback not in breaker.recovery:
        breaker.recovery.append(callback)


def _resilient(name: str, missed):
    def method(self, *args, **kwargs):
        if breaker.open():
            return missed(*args, **kwargs)
        try:
            result = getattr(RedisCache, name)(self, *args, **kwargs)
        except OUTAGE_ERRORS as exc:
            breaker.trip(exc)
            return missed(*args, **kwargs)
        breaker.succeeded()
        return result

    method.__name__ = name
    return method


def _default(key, default=None, version=None):
    return default


class ReusedClients(RedisCacheClient):
    """Django's Redis cache client makes a ``redis.Redis`` object for every cache
    call (0.35 ms: it copies ~150 reply parsers each time); one per connection pool
    serves every call of the process (a Redis object is thread-safe; its pool
    holds the connections)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            client = self._clients[index] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """A cache that misses while Redis is away: reads return the default, writes
    are dropped (``add`` and ``touch`` answer False), so callers compute instead.
    ``incr``/``decr`` still raise (a counter cannot be guessed); ``ping`` raises,
    for the health check."""

    get = _resilient("get", _default)
    set = _resilient("set", lambda *a, **k: None)
    add = _resilient("add", lambda *a, **k: False)
    touch = _resilient("touch", lambda *a, **k: False)
    delete = _resilient("delete", lambda *a, **k: False)
    has_key = _resilient("has_key", lambda *a, **k: False)
    get_many = _resilient("get_many", lambda *a, **k: {})
    set_many = _resilient("set_many", lambda keys, *a, **k: list(keys))
    delete_many = _resilient("delete_many", lambda *a, **k: None)
    clear = _resilient("clear", lambda *a, **k: False)

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClients

    def ping(self) -> None:
        """Raise unless Redis answers (ignores the pause)."""
        self._cache.get_client(write=True).ping()
