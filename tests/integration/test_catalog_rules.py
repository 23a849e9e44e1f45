"""The catalog's rules at the door and at review: an event code must belong to its category;
its own time limit wins over the category's; a reviewer corrects a wrongly filed case and
the limits follow."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.app_fixtures import Api
from tests.processes.helpers import GRID1, ready, step
from workflows.domain.errors import FieldErrors
from workflows.services import cases
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _local_minute(when: datetime) -> datetime:
    """To the minute, in the city's time (the test clock ticks on between the steps)."""
    return when.astimezone(SHANGHAI).replace(second=0, microsecond=0)


MONDAY_9 = datetime(2030, 3, 11, 9, 0, tzinfo=SHANGHAI)


def test_an_event_code_of_another_category_is_refused(api: Api) -> None:
    body = {"category": "16", "event_code": "0102", "description": "垃圾", "grid": GRID1}
    resp = api.post("gw01", "/api/v1/cases", json=body)
    assert resp.status_code == 400
    message = resp.get_json()["fields"]["event_code"][0]
    assert "0102" in message and "02" in message and "16" in message


def _dispatched_without_deadline(ctx: GridcaseContext, **kw) -> str:
    new = cases.NewCase(kw.pop("category", "02"), "暴露垃圾", grid=GRID1, **kw)
    number = cases.report_case(ctx, load_actor(ctx, "gw01"), new).case.number
    step(ctx, number, "review", "cd01", {"decision": "accept"})
    step(ctx, number, "dispatch", "cd01", {"department": "dept-cg"})
    return number


def test_the_event_codes_own_limit_wins(ctx: GridcaseContext) -> None:
    ctx.clock.advance_to(MONDAY_9)
    with_code = _dispatched_without_deadline(ctx, event_code="0102")  # 4 working hours
    without = _dispatched_without_deadline(ctx)  # category 02: 3 working days
    due = {
        n: cases.get_case(ctx, load_actor(ctx, "admin"), n).case.deadline
        for n in (with_code, without)
    }
    assert _local_minute(due[with_code]) == datetime(2030, 3, 11, 13, 0, tzinfo=SHANGHAI)
    assert _local_minute(due[without]) == datetime(2030, 3, 14, 9, 0, tzinfo=SHANGHAI)


def test_a_reviewer_reclassifies_and_the_limits_follow(ctx: GridcaseContext) -> None:
    ctx.clock.advance_to(MONDAY_9)
    new = cases.NewCase("16", "路边垃圾堆放", grid=GRID1)  # filed as social assistance: 5 days
    number = cases.report_case(ctx, load_actor(ctx, "gw01"), new).case.number
    review = ready(ctx, number)[0]
    with pytest.raises(FieldErrors) as err:  # the event code must fit the new category
        cases.complete(
            ctx,
            load_actor(ctx, "cd01"),
            review.id,
            {"decision": "accept", "category": "09", "event_code": "0102"},
        )
    assert "event_code" in err.value.fields
    detail = cases.complete(
        ctx,
        load_actor(ctx, "cd01"),
        review.id,
        {"decision": "accept", "category": "02", "event_code": "0102"},
    )
    assert (detail.case.category, detail.case.event_code, detail.case.stream) == (
        "02",
        "0102",
        "city_management",
    )
    assert detail.suggested_department.key == "dept-dh-zf"  # routing follows the category
    step(ctx, number, "dispatch", "cd01", {"department": "dept-cg"})
    detail = cases.get_case(ctx, load_actor(ctx, "admin"), number)
    # exposed rubbish: 4 working hours, not the 5 working days of social assistance
    assert _local_minute(detail.case.deadline) == datetime(2030, 3, 11, 13, 0, tzinfo=SHANGHAI)
    review_done = [
        e for e in detail.history if e.action == "completed" and e.element_id == "review"
    ]
    assert (review_done[0].payload["category"], review_done[0].payload["event_code"]) == (
        "02",
        "0102",
    )


def test_a_review_without_correction_keeps_the_classification(ctx: GridcaseContext) -> None:
    new = cases.NewCase("02", "暴露垃圾", grid=GRID1, event_code="0102")
    number = cases.report_case(ctx, load_actor(ctx, "gw01"), new).case.number
    detail = step(ctx, number, "review", "cd01", {"decision": "accept"})
    assert (detail.case.category, detail.case.event_code) == ("02", "0102")
    assert detail.data["category"] == "02" and detail.data["event_code"] == "0102"


def test_a_place_belongs_to_the_grid_it_lies_in(api: Api) -> None:
    ctx = api.ctx
    west = ctx.directory.get("339901002001001")  # 西山社区第一网格
    body = {"category": "02", "description": "占道", "lat": west.lat, "lon": west.lon}
    made = api.post("gw01", "/api/v1/cases", json=body)
    assert made.status_code == 201 and made.get_json()["case"]["grid"]["key"] == west.key

    far = {**body, "lat": 31.5, "lon": 121.5}  # not in the district at all
    resp = api.post("gw01", "/api/v1/cases", json=far)
    assert resp.status_code == 400 and "lat" in resp.get_json()["fields"]
    named = api.post("gw01", "/api/v1/cases", json={**far, "grid": GRID1})
    assert named.status_code == 201 and named.get_json()["case"]["grid"]["key"] == GRID1
