"""Sessions: rows in the database, read through the cache, renewed once a minute.

A session ends after SESSION_COOKIE_AGE without a request, so every request moves
its expiry forward (SESSION_SAVE_EVERY_REQUEST). Django's database sessions did
that with a write and a commit on every page, and read the row on every page. Here
(Django's ``cached_db`` underneath):

- a session is read from the cache, and from the database when the cache misses
  (Redis unreachable: ``core.resilience`` answers as a miss and drops writes);
- a session whose data did not change is written again only when its last renewal
  is SESSION_RENEW_SECONDS old, so the idle limit holds to within that;
- a changed session (sign-in, sign-out, a message) is written at once;
- the cache keeps a session for at most CACHE_SECONDS, so a sign-out whose cache
  delete was lost to a Redis outage is undone in the database-backed truth within
  that time once Redis is back."""

import time

from django.conf import settings
from django.contrib.sessions.backends import cached_db

RENEWED = "_renewed_at"
CACHE_SECONDS = 5 * 60


class SessionStore(cached_db.SessionStore):
    cache_key_prefix = "duikou.sessions."

    def load(self):
        data = self._cache.get(self.cache_key)
        if data is not None:
            return data
        row = self._get_session_from_db()
        if row is None:
            return {}
        data = self.decode(row.session_data)
        self._cache.set(self.cache_key, data, self._cache_seconds(row.expire_date))
        return data

    def save(self, must_create=False):
        now = int(time.time())
        session = self._get_session(no_load=must_create)
        renewed = session.get(RENEWED)
        if (
            not must_create
            and not self.modified
            and renewed is not None
            and 0 <= now - renewed < settings.SESSION_RENEW_SECONDS
        ):
            return
        session[RENEWED] = now
        # The database row first (its expiry is the truth), then the cache.
        super(cached_db.SessionStore, self).save(must_create)
        self._cache.set(self.cache_key, self._session, self._cache_seconds())

    def _cache_seconds(self, expiry=None) -> int:
        return min(self.get_expiry_age(expiry=expiry), CACHE_SECONDS)
