"""The unit of work: one session, one transaction, committed once by the use case."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from engine.errors import ConflictError
from engine.repositories import (
    InstanceRepository,
    JournalRepository,
    TaskRepository,
    VersionRepository,
    WakeupRepository,
)


class UnitOfWork:
    """Owns a session; leaving the block without :meth:`commit` rolls everything back."""

    session: Session

    def __init__(self, session_factory: sessionmaker):
        self.session_factory = session_factory

    def __enter__(self) -> UnitOfWork:
        self.session = self.session_factory()
        self.versions = VersionRepository(self.session)
        self.instances = InstanceRepository(self.session)
        self.tasks = TaskRepository(self.session)
        self.journal = JournalRepository(self.session)
        self.wakeups = WakeupRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back anything uncommitted and detaches objects without expiring
        # them, so views built inside the block stay readable after it.
        self.session.close()

    def commit(self) -> None:
        """Commit, turning a lost optimistic-lock race into :class:`ConflictError`."""
        self._guarded(self.session.commit)

    def flush(self) -> None:
        """Flush now so that a lost race surfaces as :class:`ConflictError` here."""
        self._guarded(self.session.flush)

    def _guarded(self, action: Callable[[], None]) -> None:
        try:
            action()
        except StaleDataError as err:
            self.session.rollback()
            raise ConflictError("the case was changed by someone else; reload and retry") from err
        except OperationalError as err:
            self.session.rollback()
            if "could not serialize" in str(err) or "deadlock" in str(err):
                raise ConflictError("concurrent change; reload and retry") from err
            raise
