"""Who a token or a session is, for a few seconds: authenticating an API request or a page
then reads no database row. Any committed change to users, role grants, tokens or
substitutions in this process empties the cache at once; other processes see such a change
within ``ttl`` (and a token's expiry is checked against the cached expiry)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from workflows.adapters.models import ApiToken, RoleGrant, Substitution, User

# The rows whose change makes a cached actor wrong.
AUTH_ROWS = (User, RoleGrant, ApiToken, Substitution)


@dataclass(frozen=True)
class _Entry:
    value: Any
    until: datetime


class ActorCache:
    def __init__(self, now: Callable[[], datetime], ttl: timedelta = timedelta(seconds=5)):
        self._now = now
        self.ttl = ttl
        self._entries: dict[Hashable, _Entry] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        found = self._entries.get(key)
        if found is None or found.until <= self._now():
            return None
        return found.value

    def put(self, key: Hashable, value: Any, until: datetime | None = None) -> None:
        """Keep ``value`` for the ttl, or until ``until`` when that is sooner."""
        expires = self._now() + self.ttl
        with self._lock:
            if len(self._entries) > 10_000:  # a flood of distinct tokens: start again
                self._entries.clear()
            self._entries[key] = _Entry(value, min(expires, until) if until else expires)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
