"""Reads and writes of the key-person register and its care visits. Nothing commits; every
list is narrowed to the grids the caller may see (``grids``: keys; None: all of them)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from engine.models import JournalEntry, TaskRecord
from workflows.adapters.care_models import (
    CareVisit,
    KeyPerson,
    KeyPersonChange,
    KeyPersonDisclosure,
)
from workflows.domain.errors import NotFoundError, Phrase


class KeyPersonRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, row: KeyPerson | KeyPersonChange | KeyPersonDisclosure | CareVisit) -> None:
        self.session.add(row)

    def journal(
        self, person_id: int, at: datetime, actor: str, action: str, changes: dict[str, Any]
    ) -> None:
        """One entry of the register's journal (masked values only)."""
        self.session.add(
            KeyPersonChange(person_id=person_id, at=at, actor=actor, action=action, changes=changes)
        )

    def get(self, person_id: int, *, lock: bool = False) -> KeyPerson:
        stmt = select(KeyPerson).where(KeyPerson.id == person_id)
        if lock:  # and read the row as locked, not as this session saw it before
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        found = self.session.scalars(stmt).first()
        if found is None or found.erased_at is not None:
            raise NotFoundError(Phrase("no such person in the register"))
        return found

    def listed(
        self,
        grids: Collection[str],
        *,
        category: str | None = None,
        overdue_at: datetime | None = None,
        search: str | None = None,
        removed: bool = False,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[Sequence[KeyPerson], int]:
        conds: list[Any] = [
            KeyPerson.grid_key.in_(grids),
            KeyPerson.removed_at.is_not(None) if removed else KeyPerson.removed_at.is_(None),
            KeyPerson.erased_at.is_(None),
        ]
        if overdue_at is not None:
            conds.append(KeyPerson.next_visit_due < overdue_at)
        if search:
            like = f"%{search}%"
            conds.append(or_(KeyPerson.name.like(like), KeyPerson.address.like(like)))
        ordered = select(KeyPerson).where(*conds).order_by(KeyPerson.grid_key, KeyPerson.name)
        if not category:
            total = self.session.scalar(select(func.count()).select_from(KeyPerson).where(*conds))
            page = self.session.scalars(ordered.limit(limit).offset(offset)).all()
            return page, total or 0
        # categories is a JSON list (queried alike on SQLite and PostgreSQL only in Python):
        # a category's page is cut from the grids' persons
        rows = [p for p in self.session.scalars(ordered) if category in (p.categories or [])]
        return rows[offset : offset + limit], len(rows)

    def by_device(self, device_id: str) -> KeyPerson | None:
        stmt = select(KeyPerson).where(
            KeyPerson.device_id == device_id, KeyPerson.removed_at.is_(None)
        )
        return self.session.scalars(stmt).first()

    def same_id_number(
        self, id_number: str, grids: Collection[str], but: int | None = None
    ) -> KeyPerson | None:
        """A person of these grids with the ID number (the caller's grids only: the answer
        must not tell whether someone is on the register elsewhere)."""
        stmt = select(KeyPerson).where(
            KeyPerson.grid_key.in_(grids),
            KeyPerson.id_number == id_number,
            KeyPerson.removed_at.is_(None),
            KeyPerson.id != (but or 0),
        )
        return self.session.scalars(stmt).first()

    def changes(self, person_id: int) -> Sequence[KeyPersonChange]:
        stmt = (
            select(KeyPersonChange)
            .where(KeyPersonChange.person_id == person_id)
            .order_by(KeyPersonChange.at.desc(), KeyPersonChange.id.desc())
        )
        return self.session.scalars(stmt).all()

    def disclosures(self, person_id: int) -> Sequence[KeyPersonDisclosure]:
        """One person's openings, newest first."""
        stmt = (
            select(KeyPersonDisclosure)
            .where(KeyPersonDisclosure.person_id == person_id)
            .order_by(KeyPersonDisclosure.at.desc())
        )
        return self.session.scalars(stmt.limit(500)).all()

    def disclosures_in(
        self, grids: Collection[str], limit: int = 500
    ) -> list[tuple[KeyPersonDisclosure, str]]:
        """The openings of masked fields of the persons of these grids, newest first, with
        the person's name."""
        stmt = (
            select(KeyPersonDisclosure, KeyPerson.name)
            .join(KeyPerson, KeyPerson.id == KeyPersonDisclosure.person_id)
            .where(KeyPerson.grid_key.in_(grids))
            .order_by(KeyPersonDisclosure.at.desc())
            .limit(limit)
        )
        return [(d, name) for d, name in self.session.execute(stmt)]

    def to_erase(self, removed_before: datetime) -> Sequence[KeyPerson]:
        stmt = select(KeyPerson).where(
            KeyPerson.removed_at < removed_before, KeyPerson.erased_at.is_(None)
        )
        return self.session.scalars(stmt).all()

    # care visits

    def erase_records(self, person_id: int) -> None:
        """What visits wrote of the person: the forms on the cycles and in the engine's
        journal (the dates stay for the indicators)."""
        self.session.execute(
            update(CareVisit).where(CareVisit.person_id == person_id).values(record={})
        )
        instance_ids = select(CareVisit.instance_id).where(CareVisit.person_id == person_id)
        self.session.execute(
            update(JournalEntry)
            .where(JournalEntry.instance_id.in_(instance_ids))
            .values(payload={}, reason=None)
        )

    def visit_by_instance(self, instance_id: int) -> CareVisit | None:
        stmt = select(CareVisit).where(CareVisit.instance_id == instance_id)
        return self.session.scalars(stmt).first()

    def visits_of(self, person_id: int) -> Sequence[CareVisit]:
        stmt = (
            select(CareVisit)
            .where(CareVisit.person_id == person_id)
            .order_by(CareVisit.due_at.desc())
        )
        return self.session.scalars(stmt).all()

    def open_tasks(
        self, grids: Collection[str], roles_units: Collection[tuple[str, str]], until: datetime
    ) -> Sequence[tuple[TaskRecord, CareVisit, KeyPerson]]:
        """Ready care tasks (visits, presses) of the given role/unit pairs, soonest due first;
        visits only when their grid is among ``grids``."""
        if not roles_units:
            return []
        holder = or_(
            *[and_(TaskRecord.role == r, TaskRecord.unit_key == u) for r, u in roles_units]
        )
        stmt = (
            select(TaskRecord, CareVisit, KeyPerson)
            .join(CareVisit, CareVisit.instance_id == TaskRecord.instance_id)
            .join(KeyPerson, KeyPerson.id == CareVisit.person_id)
            .where(
                TaskRecord.state == "ready",
                holder,
                CareVisit.grid_key.in_(grids),
                CareVisit.due_at <= until,
            )
            .order_by(CareVisit.due_at)
        )
        return [(t, v, p) for t, v, p in self.session.execute(stmt)]

    def overdue_by_grid(self, grids: Collection[str], now: datetime) -> dict[str, int]:
        """Visits past due and not done, per grid (a count: no person named)."""
        stmt = (
            select(CareVisit.grid_key, func.count())
            .where(
                CareVisit.grid_key.in_(grids),
                CareVisit.visited_at.is_(None),
                CareVisit.cancelled_at.is_(None),
                CareVisit.due_at < now,
            )
            .group_by(CareVisit.grid_key)
        )
        return {g: n for g, n in self.session.execute(stmt)}

    def visit_counts(
        self, grids: Collection[str], start: datetime, end: datetime, now: datetime
    ) -> dict[str, dict[str, int]]:
        """Per grid, of the visits due in [start, end): due (so far), done, done on time,
        missed (due passed before the visit)."""
        due_until = min(end, now)
        stmt = select(CareVisit.grid_key, CareVisit.due_at, CareVisit.visited_at).where(
            CareVisit.grid_key.in_(grids),
            # a cycle re-planned before its due time never was due; one missed first stays
            # missed (changing the plan does not undo a missed visit)
            or_(CareVisit.cancelled_at.is_(None), CareVisit.missed_at.is_not(None)),
            CareVisit.due_at >= start,
            CareVisit.due_at < due_until,
        )
        counts: dict[str, dict[str, int]] = {}
        for grid, due_at, visited_at in self.session.execute(stmt):
            c = counts.setdefault(grid, {"due": 0, "done": 0, "on_time": 0, "missed": 0})
            c["due"] += 1
            if visited_at is not None:
                c["done"] += 1
            if visited_at is not None and visited_at <= due_at:
                c["on_time"] += 1
            else:
                c["missed"] += 1
        return counts
