"""The key-person register (重点人员): who may see whom, masking and its journaled openings,
changes journaled, spreadsheet import with a per-row report, masked export, retention.

Personal information (PIPL): a person is seen only by holders of ``key_persons`` over the
person's grid — the grid worker of the grid, the community, and officers above granted
``key_person_officer``. ID numbers, phones and guardians stay masked until the viewer opens
one, giving a reason; every opening is a row of ``key_person_disclosures``. Nothing of the
register goes through the case API, and cases opened by visits carry no personal data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from workflows.adapters.care_models import KeyPerson, KeyPersonChange, KeyPersonDisclosure
from workflows.adapters.models import Case
from workflows.adapters.unit_of_work import CaseUnitOfWork
from workflows.domain.errors import FieldErrors, NotFoundError, Phrase
from workflows.domain.key_persons import (
    MASKED_FIELDS,
    RISK_LEVELS,
    masked,
    valid_id_number,
    valid_phone,
)
from workflows.domain.permissions import KEY_PERSONS, Actor
from workflows.services import care_visits
from workflows.services.care_visits import VisitRow
from workflows.services.context import GridcaseContext


@dataclass(frozen=True)
class PersonDraft:
    """What is entered for a person, on the page or from a spreadsheet row. In a change,
    ``None`` for a masked field keeps the value on record (the editor never saw it)."""

    grid: str
    name: str
    id_number: str | None = ""
    phone: str | None = ""
    address: str = ""
    categories: Sequence[str] = ()
    risk_level: str = "low"
    guardians: Sequence[Mapping[str, str]] | None = ()
    notes: str = ""
    device_id: str = ""


@dataclass(frozen=True)
class PersonView:
    """A person as a viewer sees them: masked fields masked unless ``revealed`` names them."""

    id: int
    grid_key: str
    name: str
    id_number: str
    phone: str
    address: str
    categories: tuple[str, ...]
    risk_level: str
    guardians: list[dict[str, str]]
    notes: str
    device_id: str
    next_visit_due: datetime | None
    last_visit_at: datetime | None
    removed_at: datetime | None
    updated_at: datetime
    overdue: bool
    revealed: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PersonDetail:
    person: PersonView
    changes: list[KeyPersonChange]
    visits: list[VisitRow]
    alerts: list[Case]
    disclosures: list[KeyPersonDisclosure] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # username → display name


def _view(person: KeyPerson, now: datetime, revealed: Iterable[str] = ()) -> PersonView:
    shown = set(revealed)

    def value(name: str) -> Any:
        raw = getattr(person, name)
        return raw if name in shown else masked(name, raw)

    return PersonView(
        id=person.id,
        grid_key=person.grid_key,
        name=person.name,
        id_number=value("id_number"),
        phone=value("phone"),
        address=person.address,
        categories=tuple(person.categories or ()),
        risk_level=person.risk_level,
        guardians=value("guardians"),
        notes=person.notes,
        device_id=person.device_id or "",
        next_visit_due=person.next_visit_due,
        last_visit_at=person.last_visit_at,
        removed_at=person.removed_at,
        updated_at=person.updated_at,
        overdue=bool(person.next_visit_due and person.next_visit_due < now),
        revealed=frozenset(shown),
    )


def may_keep(ctx: GridcaseContext, actor: Actor | None) -> bool:
    """Whether the actor sees any part of the register (the menu shows it)."""
    return actor is not None and ctx.permissions.has(actor, KEY_PERSONS)


def grids_of(ctx: GridcaseContext, actor: Actor) -> list[str]:
    """The grids whose register the actor keeps."""
    return ctx.permissions.grids_with(actor, KEY_PERSONS)


def _visible(
    ctx: GridcaseContext, uow: CaseUnitOfWork, actor: Actor, person_id: int, lock: bool = False
) -> KeyPerson:
    """The person, for someone allowed (locked for a change); anyone else learns nothing,
    not even that the person exists (NotFoundError)."""
    person = uow.key_persons.get(person_id, lock=lock)
    if not ctx.permissions.covers(actor, KEY_PERSONS, person.grid_key):
        raise NotFoundError(Phrase("no such person in the register"))
    return person


@dataclass(frozen=True)
class Listing:
    people: list[PersonView]
    total: int


def find(
    ctx: GridcaseContext,
    actor: Actor,
    *,
    grid: str | None = None,
    category: str | None = None,
    overdue: bool = False,
    search: str | None = None,
    removed: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> Listing:
    """The register as the actor may see it, masked."""
    grids = grids_of(ctx, actor)
    if grid:
        grids = [
            g
            for g in grids
            if g == grid
            or ctx.directory.get(g).path.startswith(
                ctx.directory.get(grid).path if grid in ctx.directory else "\0"
            )
        ]
    with ctx.uow() as uow:
        now = uow.now()
        rows, total = uow.key_persons.listed(
            grids,
            category=category,
            overdue_at=now if overdue else None,
            search=search,
            removed=removed,
            limit=limit,
            offset=offset,
        )
        return Listing([_view(p, now) for p in rows], total)


def get(ctx: GridcaseContext, actor: Actor, person_id: int) -> PersonDetail:
    """Raises: NotFoundError for an unknown person or one the actor may not see."""
    with ctx.uow() as uow:
        person = _visible(ctx, uow, actor, person_id)
        changes = list(uow.key_persons.changes(person.id))
        openings = list(uow.key_persons.disclosures(person.id))
        visits = care_visits.visits_of(ctx, uow, person)
        people = {c.actor for c in changes} | {d.actor for d in openings}
        people |= {v.visit.visited_by for v in visits if v.visit.visited_by}
        return PersonDetail(
            _view(person, uow.now()),
            changes,
            visits,
            care_visits.linked_cases(uow, person),
            openings,
            uow.users.display_names(people),
        )


def disclose(
    ctx: GridcaseContext, actor: Actor, person_id: int, fields: Sequence[str], reason: str
) -> PersonView:
    """Open masked fields for the actor, journaling who, when, which and why.

    Raises: NotFoundError; FieldErrors for an unknown field or no reason."""
    errors: dict[str, list[str]] = {}
    if not fields or any(f not in MASKED_FIELDS for f in fields):
        errors["field"] = [Phrase("choose what to open")]
    if len(reason.strip()) < 2:
        errors["reason"] = [Phrase("say why you open it: the opening is recorded")]
    if errors:
        raise FieldErrors(errors)
    with ctx.uow() as uow:
        person = _visible(ctx, uow, actor, person_id)
        now = uow.now()
        for name in fields:
            uow.key_persons.add(
                KeyPersonDisclosure(
                    person_id=person.id,
                    at=now,
                    actor=actor.username,
                    field=name,
                    reason=reason.strip()[:500],
                )
            )
        view = _view(person, now, fields)
        uow.commit()
        return view


def _problems(ctx: GridcaseContext, draft: PersonDraft) -> dict[str, list[Any]]:
    rules = ctx.catalog.key_persons
    errors: dict[str, list[Any]] = {}
    if draft.grid not in ctx.directory or ctx.directory.get(draft.grid).level != "grid":
        errors["grid"] = [Phrase("not a grid: %(unit)s", unit=draft.grid or "—")]
    if not draft.name.strip():
        errors["name"] = [Phrase("give the name")]
    elif len(draft.name) > 100:
        errors["name"] = [Phrase("at most %(n)s characters", n=100)]
    if draft.id_number and not valid_id_number(draft.id_number):
        errors["id_number"] = [Phrase("not a valid resident ID number")]
    if draft.phone and not valid_phone(draft.phone):
        errors["phone"] = [Phrase("not a phone number")]
    if not draft.categories:
        errors["categories"] = [Phrase("choose at least one category")]
    unknown = [c for c in draft.categories if c not in rules.categories]
    if unknown:
        errors["categories"] = [Phrase("unknown category %(code)s", code=", ".join(unknown))]
    if draft.risk_level not in RISK_LEVELS:
        errors["risk_level"] = [Phrase("choose a risk level")]
    for g in draft.guardians or ():
        if g.get("phone") and not valid_phone(g["phone"]):
            errors["guardians"] = [Phrase("a guardian's phone is not a phone number")]
    if len(draft.address) > 300:
        errors["address"] = [Phrase("at most %(n)s characters", n=300)]
    return errors


def normalised(draft: PersonDraft, kept: KeyPerson | None = None) -> PersonDraft:
    """Trimmed; masked fields left as ``None`` take the values of ``kept``."""
    if kept is not None:
        draft = replace(
            draft,
            id_number=kept.id_number if draft.id_number is None else draft.id_number,
            phone=kept.phone if draft.phone is None else draft.phone,
            guardians=kept.guardians if draft.guardians is None else draft.guardians,
        )
    return replace(
        draft,
        name=draft.name.strip(),
        id_number=(draft.id_number or "").strip().upper(),
        phone=(draft.phone or "").strip(),
        address=draft.address.strip(),
        categories=tuple(dict.fromkeys(c.strip() for c in draft.categories if c.strip())),
        guardians=tuple(
            {k: str(g.get(k) or "").strip() for k in ("name", "relation", "phone")}
            for g in draft.guardians or ()
            if str(g.get("name") or "").strip()
        ),
        notes=draft.notes.strip(),
        device_id=draft.device_id.strip(),
    )


def check_draft(
    ctx: GridcaseContext,
    uow: CaseUnitOfWork,
    actor: Actor,
    draft: PersonDraft,
    but: int | None = None,
) -> None:
    errors = _problems(ctx, draft)
    if "grid" not in errors and not ctx.permissions.covers(actor, KEY_PERSONS, draft.grid):
        errors["grid"] = [Phrase("you do not keep the register of this grid")]
    duplicate = draft.id_number and "id_number" not in errors
    mine = grids_of(ctx, actor)
    if duplicate and uow.key_persons.same_id_number(draft.id_number, mine, but) is not None:
        errors["id_number"] = [Phrase("this person is in the register already")]
    if errors:
        raise FieldErrors(errors)


def _values(draft: PersonDraft) -> dict[str, Any]:
    return {
        "grid_key": draft.grid,
        "name": draft.name,
        "id_number": draft.id_number,
        "phone": draft.phone,
        "address": draft.address,
        "categories": list(draft.categories),
        "risk_level": draft.risk_level,
        "guardians": [dict(g) for g in draft.guardians or ()],
        "notes": draft.notes,
        "device_id": draft.device_id or None,
    }


# Fields whose values the journal does not keep: it says that they changed, not to what
# (the journal must not become a second register, and must outlive the erasure).
UNRECORDED = ("name", "address", "notes", "device_id")


def _journal_value(name: str, value: Any) -> Any:
    if name in UNRECORDED:
        return None
    return masked(name, value) if name in MASKED_FIELDS else value


def add_person(
    ctx: GridcaseContext, uow: CaseUnitOfWork, actor: Actor, draft: PersonDraft, action: str
) -> KeyPerson:
    now = uow.now()
    values = _values(draft)
    person = KeyPerson(**values, created_at=now, updated_at=now, created_by=actor.username)
    uow.key_persons.add(person)
    uow.flush()
    created = {k: [None, _journal_value(k, v)] for k, v in values.items() if v}
    uow.key_persons.journal(person.id, now, actor.username, action, created)
    care_visits.start_cycle(ctx, uow, person, now, actor.username)
    return person


def register(ctx: GridcaseContext, actor: Actor, draft: PersonDraft) -> PersonView:
    """Add a person and plan the first visit, in one transaction.

    Raises: FieldErrors (nothing stored)."""
    draft = normalised(draft)
    with ctx.uow() as uow:
        check_draft(ctx, uow, actor, draft)
        person = add_person(ctx, uow, actor, draft, "created")
        view = _view(person, uow.now())
        uow.commit()
        return view


def update(ctx: GridcaseContext, actor: Actor, person_id: int, draft: PersonDraft) -> PersonView:
    """Change a person; a new grid, category or risk level re-plans the next visit from the
    last one. The journal records each changed field (masked fields masked).

    Raises: NotFoundError; FieldErrors (nothing changed)."""
    with ctx.uow() as uow:
        person = _visible(ctx, uow, actor, person_id, lock=True)
        if person.removed_at is not None:
            raise FieldErrors({"name": [Phrase("this person was taken off the register")]})
        draft = normalised(draft, person)
        check_draft(ctx, uow, actor, draft, but=person.id)
        values = _values(draft)
        changed = {
            k: [_journal_value(k, getattr(person, k)), _journal_value(k, v)]
            for k, v in values.items()
            if (getattr(person, k) or None) != (v or None)
        }
        if changed:
            now = uow.now()
            replan = any(k in changed for k in ("grid_key", "categories", "risk_level"))
            for k, v in values.items():
                setattr(person, k, v)
            person.updated_at = now
            uow.key_persons.journal(person.id, now, actor.username, "updated", changed)
            if replan:
                care_visits.stop_cycle(ctx, uow, person, actor.username)
                uow.flush()
                last = person.last_visit_at or person.created_at
                care_visits.start_cycle(ctx, uow, person, last, actor.username, replanned=True)
        view = _view(person, uow.now())
        uow.commit()
        return view


def remove(ctx: GridcaseContext, actor: Actor, person_id: int, reason: str) -> None:
    """Take a person off the register (moved away, correction ended …): visits stop; the
    identifying fields are erased when the retention period ends (:func:`erase_expired`).

    Raises: NotFoundError; FieldErrors without a reason."""
    if len(reason.strip()) < 2:
        raise FieldErrors({"reason": [Phrase("say why the person leaves the register")]})
    with ctx.uow() as uow:
        person = _visible(ctx, uow, actor, person_id, lock=True)
        if person.removed_at is not None:
            return
        now = uow.now()
        care_visits.stop_cycle(ctx, uow, person, actor.username)
        person.removed_at = now
        person.removed_reason = reason.strip()[:500]
        person.updated_at = now
        uow.key_persons.journal(
            person.id, now, actor.username, "removed", {"reason": person.removed_reason}
        )
        uow.commit()


def erase_expired(ctx: GridcaseContext) -> int:
    """Erase the name, ID number, phone, guardians, address and notes of persons removed
    longer than the catalog's retention period ago, and what their visits recorded (the
    forms, the engine's journal of them); visit dates and counts stay for the indicators.
    Returns how many were erased."""
    with ctx.uow() as uow:
        now = uow.now()
        before = now - timedelta(days=ctx.catalog.key_persons.retention_days)
        found = uow.key_persons.to_erase(before)
        for person in found:
            person.name = "（已删除）"
            person.id_number = person.phone = person.address = person.notes = ""
            person.guardians = []
            person.device_id = None
            person.erased_at = now
            uow.key_persons.erase_records(person.id)
            uow.key_persons.journal(person.id, now, "system", "erased", {})
        uow.commit()
        return len(found)


def disclosures(ctx: GridcaseContext, actor: Actor) -> list[tuple[KeyPersonDisclosure, str, str]]:
    """The openings of masked fields in the actor's reach, newest first, with whose and by
    whom (display names)."""
    with ctx.uow() as uow:
        rows = uow.key_persons.disclosures_in(grids_of(ctx, actor))
        who = uow.users.display_names({d.actor for d, _ in rows})
        return [(d, name, who.get(d.actor, d.actor)) for d, name in rows]


def person_of_device(
    ctx: GridcaseContext, actor: Actor, device_id: str | None
) -> PersonView | None:
    """The key person a device belongs to, for a case page — only for someone who keeps the
    person's register (everyone else sees the alert without the person)."""
    if not device_id or not may_keep(ctx, actor):
        return None
    with ctx.uow() as uow:
        person = uow.key_persons.by_device(device_id)
        if person is None or not ctx.permissions.covers(actor, KEY_PERSONS, person.grid_key):
            return None
        return _view(person, uow.now())
