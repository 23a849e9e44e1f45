"""whistle_callin: a street blows the whistle; a department missing the report-in limit is
supervised and marked late; joint handling; the street rates each department."""

from __future__ import annotations

import pytest

from engine.errors import FieldErrors
from tests.processes.helpers import (
    STREET1,
    accepted,
    at_street,
    child,
    fire_until_quiet,
    ready,
    step,
)
from workflows.services import assessment, cases, overrides
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext


def _blow(ctx: GridcaseContext, number: str, departments: list[str], urgency: str) -> None:
    """The street blows the whistle on a case it holds, calling the departments in."""
    mode = {"mode": "whistle", "whistle_departments": departments, "urgency": urgency}
    step(ctx, number, "dispatch", "sd01", mode)


def test_whistle_with_a_late_department(ctx: GridcaseContext) -> None:
    number = at_street(ctx)
    _blow(ctx, number, ["dept-cg", "dept-ga"], "urgent")
    assert cases.get_case(ctx, load_actor(ctx, "admin"), number).waiting_for == ["whistle_done"]
    whistle = child(ctx, number, "whistle_callin")
    callins = ready(ctx, whistle)
    assert sorted((t.element_id, t.unit_key) for t in callins) == [
        ("report_in", "dept-cg"),
        ("report_in", "dept-ga"),
    ]
    step(ctx, whistle, "report_in", "dh-cg", {"officer": "王队长", "phone": "13800000000"})
    ctx.clock.advance(hours=3)  # the urgent report-in limit is 2 hours
    fire_until_quiet(ctx, whistle)  # dept-ga is late: supervision task + late mark
    waiting = ready(ctx, whistle)
    assert sorted((t.element_id, t.role, t.unit_key) for t in waiting) == [
        ("press_report_in", "supervisor", STREET1),
        ("report_in", "department_handler", "dept-ga"),
    ]
    step(ctx, whistle, "press_report_in", "sup-dh", {"measure": "电话督促，通报批评"})
    step(ctx, whistle, "report_in", "dh-ga", {"officer": "李警官"})
    step(
        ctx,
        whistle,
        "joint_handling",
        "sd01",
        {"onsite_record": "城管、公安联合到场", "resolved": True, "result": "摊位已清理"},
    )
    rates = ready(ctx, whistle)
    assert [t.element_id for t in rates] == ["rate", "rate"]
    scores = {"dept-cg": 5, "dept-ga": 2}
    for task in rates:
        score = scores[task.properties["subject_value"]]
        cases.complete(ctx, load_actor(ctx, "sd01"), task.id, {"score": score, "comment": "评价"})

    assert [t.element_id for t in ready(ctx, number)] == ["verify"]
    parent = cases.get_case(ctx, load_actor(ctx, "admin"), number)
    tracker = {t.key: t.state for t in parent.tracker or []}
    assert (tracker["handle"], tracker["verify"]) == ("done", "current")  # handled in the call-in
    assert parent.data["whistle"]["resolved"] is True
    marks = cases.get_case(ctx, load_actor(ctx, "admin"), whistle).marks
    assert sorted((m.department_key, m.kind, m.on_time, m.score) for m in marks) == [
        ("dept-cg", "callin_reported", True, None),
        ("dept-cg", "department_rated", None, 5),
        ("dept-ga", "callin_late", None, None),
        ("dept-ga", "callin_reported", False, None),
        ("dept-ga", "department_rated", None, 2),
    ]
    table = {
        r["department"]: r for r in assessment.department_summary(ctx, load_actor(ctx, "sup01"))
    }
    assert (table["dept-ga"]["late_marks"], table["dept-ga"]["reported_late"]) == (1, 1)
    assert table["dept-cg"]["reported_on_time"] == 1
    assert float(table["dept-cg"]["average_score"]) == 5.0


def test_only_a_street_blows_the_whistle(ctx: GridcaseContext) -> None:
    number = accepted(ctx)  # still at the community
    with pytest.raises(FieldErrors) as err:
        step(
            ctx,
            number,
            "dispatch",
            "cd01",
            {"mode": "whistle", "whistle_departments": ["dept-cg"], "urgency": "normal"},
        )
    assert "mode" in err.value.fields
    assert [t.element_id for t in ready(ctx, number)] == ["dispatch"]


def test_the_whistle_is_offered_only_at_a_street(ctx: GridcaseContext) -> None:
    """Found in use: the community dispatcher was offered 吹哨报到, then refused."""

    def modes(number: str, user: str) -> tuple[list[str], list[str]]:
        task = ready(ctx, number)[0]
        view, _detail = cases.get_task(ctx, load_actor(ctx, user), task.id)
        field = (view.form_schema or {})["properties"]["mode"]
        assert len(field["x-enum-titles-en"]) == len(field["enum"])  # each list in step
        return field["enum"], field["x-enum-titles"]

    assert modes(accepted(ctx), "cd01") == (
        ["department", "joint_conference"],
        ["派单到部门", "提交联席会议"],
    )
    assert modes(at_street(ctx), "sd01")[0] == ["department", "joint_conference", "whistle"]


def test_a_report_in_after_the_late_mark_is_late(ctx: GridcaseContext) -> None:
    """Found in use: "fire now" on a department's report-in timer gave a late mark, and the
    department's report-in after it was still recorded as on time (against the due time)."""
    number = at_street(ctx)
    _blow(ctx, number, ["dept-cg"], "normal")
    whistle = child(ctx, number, "whistle_callin")
    sup = load_actor(ctx, "sup01")
    late = next(t for t in cases.get_case(ctx, sup, whistle).timers if t.kind == "overdue")
    overrides.fire_timer(ctx, sup, whistle, late.task_id, "未按时报到，提前记迟到")
    step(ctx, whistle, "report_in", "dh-cg", {"officer": "王队长"})
    marks = cases.get_case(ctx, load_actor(ctx, "admin"), whistle).marks
    assert sorted((m.kind, m.on_time) for m in marks) == [
        ("callin_late", None),
        ("callin_reported", False),
    ]


def test_the_case_shows_which_departments_reported_in(ctx: GridcaseContext) -> None:
    number = at_street(ctx)
    _blow(ctx, number, ["dept-cg", "dept-ga"], "normal")
    whistle = child(ctx, number, "whistle_callin")
    step(ctx, whistle, "report_in", "dh-cg", {"officer": "王队长"})
    [progress] = cases.get_case(ctx, load_actor(ctx, "sd01"), number).linked
    assert [(m.department_key, m.kind, m.on_time) for m in progress.marks] == [
        ("dept-cg", "callin_reported", True)
    ]
    assert [(t.element_id, t.unit_key) for t in progress.waiting] == [("report_in", "dept-ga")]
