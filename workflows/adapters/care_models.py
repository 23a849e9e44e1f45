"""The key-person register (重点人员) and its care visits: the most sensitive data the
product keeps. Only ``services/key_persons.py`` reads these tables; the case tables never
copy a person's name, ID number or phone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, utcnow


class KeyPerson(Base):
    """One person of the register, kept by the grid where they live.

    ``next_visit_due`` and ``visit_instance_id`` follow the current care-visit cycle (a
    ``care_visit`` instance per visit); ``removed_at`` marks a person taken off the register,
    whose identifying fields are erased when the retention period ends."""

    __tablename__ = "key_persons"
    __table_args__ = (
        Index("ix_key_persons_grid", "grid_key", "removed_at"),
        Index("ix_key_persons_due", "next_visit_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_key: Mapped[str] = mapped_column(ForeignKey("org_units.key"))
    name: Mapped[str] = mapped_column(String(100))
    id_number: Mapped[str] = mapped_column(String(18), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    categories: Mapped[list[Any]] = mapped_column(default=list)
    risk_level: Mapped[str] = mapped_column(String(10), default="low")
    # [{"name", "relation", "phone"}]
    guardians: Mapped[list[Any]] = mapped_column(default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    device_id: Mapped[str | None] = mapped_column(String(80), index=True)
    visit_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    next_visit_due: Mapped[datetime | None]
    last_visit_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]
    removed_reason: Mapped[str] = mapped_column(Text, default="")
    erased_at: Mapped[datetime | None]


class KeyPersonChange(Base):
    """The register's journal: who changed whom, when, and which fields (old → new, with
    ID numbers and phones masked: the journal must not become a second register)."""

    __tablename__ = "key_person_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("key_persons.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(30))
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)


class KeyPersonDisclosure(Base):
    """One opening of a masked field: who saw which field of whom, when and why."""

    __tablename__ = "key_person_disclosures"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("key_persons.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    field: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text)


class CareVisit(Base):
    """One visit cycle: due at ``due_at``; ``visited_at`` once done (on time or late);
    ``missed_at`` when its deadline passed first; ``cancelled_at`` when re-planned or the
    person left the register (it counts no more). A visit that found a problem names the
    case it opened."""

    __tablename__ = "care_visits"
    __table_args__ = (Index("ix_care_visits_grid_due", "grid_key", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("key_persons.id"), index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), unique=True)
    grid_key: Mapped[str] = mapped_column(ForeignKey("org_units.key"))
    due_at: Mapped[datetime]
    opens_at: Mapped[datetime]
    visited_at: Mapped[datetime | None]
    visited_by: Mapped[str | None] = mapped_column(String(64))
    missed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    # The visit form: seen in person, situation, risk change, needs, photos.
    record: Mapped[dict[str, Any]] = mapped_column(default=dict)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
