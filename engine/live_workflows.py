"""Workflows kept alive between steps, so that the next step on an instance skips rebuilding
its task tree from the stored state (about a quarter of the engine's share of a step).

An entry is keyed by the instance and its lock version: every write of an instance's state
goes through the optimistic lock and raises the version, so an entry can only ever match the
state that was committed with it, in this process or in any other. A workflow is handed to
one caller at a time (:meth:`LiveWorkflows.take` removes it) and comes back only after its
transaction has committed; a step that fails or rolls back simply loses it, and the next
one reads the stored state as before.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

# A closed-loop workflow holds about 30 KB of Python objects after its first step
# (tracemalloc), more as its tree grows: 256 of them are some tens of MB a process at most.
DEFAULT_SIZE = 256


class LiveWorkflows:
    """The most recently used workflows by (instance id, lock version), least recent out."""

    def __init__(self, size: int = DEFAULT_SIZE):
        self.size = size
        self._kept: OrderedDict[tuple[int, int], Any] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, instance_id: int, lock_version: int) -> Any | None:
        """The workflow of this committed state, now the caller's alone (None: not kept)."""
        with self._lock:
            return self._kept.pop((instance_id, lock_version), None)

    def keep(self, instance_id: int, lock_version: int, workflow: Any) -> None:
        """Keep ``workflow`` as the committed state ``lock_version`` of the instance."""
        with self._lock:
            self._kept[(instance_id, lock_version)] = workflow
            self._kept.move_to_end((instance_id, lock_version))
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
