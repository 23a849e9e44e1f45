"""sensor_alert: a device alert opens a welfare visit; a repeat attaches to the open case;
the visit closes it or opens a linked closed-loop service case."""

from __future__ import annotations

import pytest

from engine.db import utcnow
from engine.errors import FieldErrors, ForbiddenError
from tests.processes.helpers import GRID1, ready, step
from workflows.services import cases, sensors
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext
from workflows.services.sensors import Alert


def _alert(device: str = "WM-0001", **kw) -> Alert:
    return Alert(
        device, "water_idle", utcnow(), {"idle_hours": 49}, grid=GRID1, address="东湖路1号", **kw
    )


def test_repeated_alert_attaches_and_the_visit_opens_a_service_case(ctx: GridcaseContext) -> None:
    gateway = load_actor(ctx, "iot-gw")
    first = sensors.receive_alert(ctx, gateway, _alert())
    assert not first.attached
    visit = ready(ctx, first.number)
    assert [(t.element_id, t.role, t.unit_key) for t in visit] == [
        ("welfare_visit", "grid_worker", GRID1)
    ]
    assert visit[0].due_at is not None

    again = sensors.receive_alert(ctx, gateway, _alert())
    assert (again.number, again.attached, again.alerts) == (first.number, True, 2)
    assert len(ready(ctx, first.number)) == 1
    other = sensors.receive_alert(ctx, gateway, _alert("WM-0002"))
    assert other.number != first.number

    detail = step(
        ctx,
        first.number,
        "welfare_visit",
        "gw01",
        {
            "visit_outcome": "needs_service",
            "visit_notes": "老人摔倒，需要护理",
            "service_category": "16",
            "service_description": "独居老人需要上门护理服务",
        },
    )
    assert detail.case.status == "closed"
    [service] = detail.children
    assert (service.link_kind, service.process_id, service.category) == (
        "service",
        "closed_loop",
        "16",
    )
    assert [t.element_id for t in ready(ctx, service.number)] == ["review"]
    assert (
        cases.get_case(ctx, load_actor(ctx, "cd01"), service.number).parent.number == first.number
    )

    # the case is closed: the next alert opens a new one
    assert not sensors.receive_alert(ctx, gateway, _alert()).attached


def test_a_visit_that_finds_nothing_closes_the_alert(ctx: GridcaseContext) -> None:
    number = sensors.receive_alert(ctx, load_actor(ctx, "iot-gw"), _alert()).number
    detail = step(
        ctx, number, "welfare_visit", "gw01", {"visit_outcome": "ok", "visit_notes": "外出探亲"}
    )
    assert detail.case.status == "closed"
    assert detail.children == []


def test_bad_alerts(ctx: GridcaseContext) -> None:
    with pytest.raises(ForbiddenError):
        sensors.receive_alert(ctx, load_actor(ctx, "gw01"), _alert())
    gateway = load_actor(ctx, "iot-gw")
    with pytest.raises(FieldErrors) as err:
        sensors.receive_alert(ctx, gateway, Alert("X", "teleport", utcnow(), grid=GRID1))
    assert "kind" in err.value.fields
    number = sensors.receive_alert(ctx, gateway, _alert()).number
    with pytest.raises(FieldErrors) as err:
        step(
            ctx,
            number,
            "welfare_visit",
            "gw01",
            {"visit_outcome": "needs_service", "visit_notes": "x"},
        )
    assert set(err.value.fields) == {"service_category", "service_description"}


def test_simultaneous_alerts_of_one_device_open_one_case(ctx: GridcaseContext) -> None:
    from concurrent.futures import ThreadPoolExecutor

    gateway = load_actor(ctx, "iot-gw")
    with ThreadPoolExecutor(6) as pool:
        results = list(
            pool.map(lambda _: sensors.receive_alert(ctx, gateway, _alert("WM-77")), range(6))
        )
    assert len({r.number for r in results}) == 1
    assert sorted(r.attached for r in results) == [False] + [True] * 5
