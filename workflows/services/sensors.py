"""Device alerts (智能感知): a new alert opens a welfare-visit case; the same device alerting
again while its case is open attaches to that case instead of opening another."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine import instances
from workflows.adapters.models import Case, SensorReading
from workflows.adapters.unit_of_work import CaseUnitOfWork
from workflows.domain.errors import FieldErrors, Phrase
from workflows.domain.permissions import POST_SENSOR_ALERTS, Actor
from workflows.domain.routing import review_unit_for
from workflows.domain.statuses import CLOSED_STATUSES
from workflows.services.case_progress import settle
from workflows.services.context import GridcaseContext
from workflows.services.intake import NewCase, Opener, locate, open_case


@dataclass(frozen=True)
class Alert:
    device_id: str
    kind: str
    observed_at: datetime
    reading: Mapping[str, Any] = field(default_factory=dict)
    grid: str | None = None
    lat: float | None = None
    lon: float | None = None
    address: str = ""


@dataclass(frozen=True)
class Intake:
    """Where an alert went: the case number and whether it attached to an open case."""

    number: str
    attached: bool
    alerts: int


def receive_alert(ctx: GridcaseContext, actor: Actor, alert: Alert) -> Intake:
    """Raises: ForbiddenError unless the actor is a sensor gateway; FieldErrors for an
    unknown kind or a location that names no grid."""
    ctx.permissions.require(actor, POST_SENSOR_ALERTS, f"{actor.username} is not a sensor gateway")
    kinds = ctx.catalog.sensor_kinds
    if alert.kind not in kinds:
        raise FieldErrors({"kind": [Phrase("unknown alert kind %(kind)s", kind=alert.kind)]})
    kind = kinds[alert.kind]
    new = NewCase(
        category=kind["category"],
        description=f"{kind['name_zh']}：设备 {alert.device_id}",
        title=f"{kind['name_zh']} {alert.address or alert.device_id}"[:200],
        priority=kind.get("priority", "urgent"),
        channel="sensor",
        grid=alert.grid,
        lat=alert.lat,
        lon=alert.lon,
        address=alert.address,
    )
    grid = locate(ctx, new)
    with ctx.uow() as uow:
        case = uow.cases.open_for_device(alert.device_id, CLOSED_STATUSES)
        attached = case is not None
        if case is None:
            review_unit = review_unit_for(ctx.directory, ctx.catalog, grid.key, "sensor")
            opener = Opener(actor.username, None, actor.display_name)
            case, transition = open_case(
                ctx,
                uow,
                new,
                opener,
                grid=grid,
                review_unit=review_unit,
                process="sensor_alert",
                device_id=alert.device_id,
                start_data={"device_id": alert.device_id, "alert_kind": alert.kind},
            )
            settle(ctx, uow, case, transition)
            _tell_register(uow, case, alert)
        else:
            _journal_repeat(uow, case, actor, alert)
        uow.assessment.add(
            SensorReading(
                case_id=case.id,
                device_id=alert.device_id,
                kind=alert.kind,
                reading=dict(alert.reading),
                observed_at=alert.observed_at,
                received_at=uow.now(),
            )
        )
        uow.flush()
        count = len(uow.assessment.readings_for_case(case.id))
        uow.commit()
        return Intake(case.number, attached, count)


def _tell_register(uow: CaseUnitOfWork, case: Case, alert: Alert) -> None:
    """A device of a key person: the alert goes on the person's record (the case itself
    names nobody from the register)."""
    person = uow.key_persons.by_device(alert.device_id)
    if person is not None:
        changes = {"case": case.number, "kind": alert.kind}
        uow.key_persons.journal(person.id, uow.now(), "system", "alerted", changes)


def _journal_repeat(uow: CaseUnitOfWork, case: Case, actor: Actor, alert: Alert) -> None:
    instance = uow.instances.get(case.instance_id)
    instances.journal(
        uow,
        instance,
        actor.username,
        "alert_attached",
        payload={"device_id": alert.device_id, "kind": alert.kind, **dict(alert.reading)},
    )
    case.updated_at = uow.now()
