"""The unit of work: one session, one transaction, committed once by the use case.

Work that must wait for the commit (scheduling a timer in RQ, pushing a webhook) is handed
to :meth:`UnitOfWork.after_commit` where it arises; it runs once the commit has succeeded and
never when the transaction rolls back. Likewise :meth:`UnitOfWork.on_rollback` undoes what
the transaction wrote outside the database (uploaded files) when it does not commit, and
:meth:`UnitOfWork.after_close` hands on, once the block has ended, what the block may still
have been reading after its commit (a live workflow, to the next step on its instance).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Any

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from engine.clock import Clock, SystemClock
from engine.errors import ConflictError, DatabaseUnavailable, Phrase
from engine.repositories import (
    InstanceRepository,
    JournalRepository,
    TaskRepository,
    VersionRepository,
    WakeupRepository,
)

log = logging.getLogger(__name__)
Callback = tuple[Callable[..., Any], tuple[Any, ...]]


class UnitOfWork:
    """Owns a session; leaving the block without :meth:`commit` rolls everything back."""

    session: Session

    def __init__(self, session_factory: sessionmaker, clock: Clock | None = None):
        self.session_factory = session_factory
        self.clock: Clock = clock or SystemClock()

    def __enter__(self) -> UnitOfWork:
        self.session = self.session_factory()
        self.versions = VersionRepository(self.session)
        self.instances = InstanceRepository(self.session)
        self.tasks = TaskRepository(self.session)
        self.journal = JournalRepository(self.session)
        self.wakeups = WakeupRepository(self.session)
        self._after_commit: list[Callback] = []
        self._on_rollback: list[Callback] = []
        self._after_close: list[Callback] = []
        self._committed = False
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back anything uncommitted and detaches objects without expiring
        # them, so views built inside the block stay readable after it. On a connection the
        # server has just cut, that rollback fails too; the block's own outcome stands (what
        # it raised is told apart below, what it committed is committed).
        try:
            self.session.close()
        except DBAPIError as err:
            if not _connection_lost(err):
                raise
        if not self._committed:
            _run_all(self._on_rollback, "undo after rollback")
        elif exc is None:
            _run_all(self._after_close, "hand-on after the block")
        if isinstance(exc, DBAPIError) and _connection_lost(exc):
            raise DatabaseUnavailable("the database cannot be reached; nothing was saved") from exc

    def now(self) -> datetime:
        """The unit of work's clock: what every row written in it is stamped with."""
        return self.clock.now()

    def after_commit(self, callback: Callable[..., Any], *args: Any) -> None:
        """Run ``callback(*args)`` once the transaction has committed."""
        self._after_commit.append((callback, args))

    def on_rollback(self, callback: Callable[..., Any], *args: Any) -> None:
        """Run ``callback(*args)`` if the block ends without committing."""
        self._on_rollback.append((callback, args))

    def after_close(self, callback: Callable[..., Any], *args: Any) -> None:
        """Run ``callback(*args)`` once the block has ended without error, if it committed."""
        self._after_close.append((callback, args))

    def commit(self) -> None:
        """Commit, turning a lost optimistic-lock race into :class:`ConflictError`; then run
        the after-commit work (its failures are logged: the commit stands)."""
        self._guarded(self.session.commit)
        self._committed = True
        pending, self._after_commit = self._after_commit, []
        _run_all(pending, "after-commit work")

    def flush(self) -> None:
        """Flush now so that a lost race surfaces as :class:`ConflictError` here."""
        self._guarded(self.session.flush)

    def _guarded(self, action: Callable[[], None]) -> None:
        try:
            action()
        except StaleDataError as err:
            self.session.rollback()
            raise ConflictError(
                Phrase("the case was changed by someone else; reload and retry")
            ) from err
        except OperationalError as err:
            self.session.rollback()
            if "could not serialize" in str(err) or "deadlock" in str(err):
                raise ConflictError(
                    Phrase("the case was changed by someone else; reload and retry")
                ) from err
            raise


# SQLSTATE classes of a server gone or going: connection exceptions, and shutdown /
# cannot connect now (57P01-57P03).
LOST = ("08", "57P")


def _connection_lost(err: DBAPIError) -> bool:
    """The pool has dropped the connection, or it could not be had at all (no SQLSTATE: the
    driver never reached a server; SQLite's "database is locked" too — try again). A deadlock
    or a timeout is not a lost server and stays the error it is."""
    if err.connection_invalidated:
        return True
    if not isinstance(err, OperationalError | InterfaceError):
        return False
    state = getattr(err.orig, "sqlstate", None)
    return state is None or str(state).startswith(LOST)


def _run_all(callbacks: list[Callback], what: str) -> None:
    for callback, args in callbacks:
        try:
            callback(*args)
        except Exception:  # the transaction's outcome stands; the timer sweep catches up
            log.exception("%s failed: %s", what, getattr(callback, "__name__", callback))
