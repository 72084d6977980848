"""Sessions read from the cache (Redis) and kept in the database: Django's cached_db store with
entries that expire from the cache after CACHE_SECONDS.

Why this store: a signed-in request used to spend two queries before any view ran (the session
row, then the user); with the session read from Redis one query is left, on every machine alike.
The database stays the source of truth, so losing Redis (down, restarted empty, evicting) signs
nobody out: a miss reads the row and puts it back in the cache. Signed cookies were the other way
to drop the query, but a signed cookie cannot be revoked: a stolen cookie would outlive sign-out,
a password change or a disabled account for the whole session age.

Why the short cache life: TolerantRedisCache swallows errors, so a sign-out (the row deleted)
while Redis is unreachable cannot delete the cached copy; were Redis to come back with its data, a
session ended in the meantime would be readable from it until the entry expired. Entries expire
after CACHE_SECONDS (five minutes) instead of the session's eight hours, which bounds that, and a
busy session costs one database read per five minutes.
"""

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

CACHE_SECONDS = 300


class SessionStore(CachedDBStore):
    cache_key_prefix = "portal.session."

    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # an invalid key: treated as a miss, as Django does
            data = None
        if data is not None:
            return data
        row = self._get_session_from_db()
        if not row:
            return {}
        data = self.decode(row.session_data)
        self._cache.set(self.cache_key, data, min(CACHE_SECONDS, self.get_expiry_age(expiry=row.expire_date)))
        return data

    def save(self, must_create=False):
        super(CachedDBStore, self).save(must_create)  # the database row first: it is the truth
        self._cache.set(self.cache_key, self._session, min(CACHE_SECONDS, self.get_expiry_age()))
