"""dispute_mediation: the funnel grid → community → street → litigation guidance, high risk
straight to the street with a stability alert, and a broken agreement reopening the case."""

from __future__ import annotations

from tests.processes.helpers import COMMUNITY1, STREET1, fire_until_quiet, ready, report, step
from workflows.services import cases, notifications
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext

FAILED = {"outcome": "failure", "notes": "双方各执一词"}
AGREED = {"outcome": "success", "agreement": "甲方赔偿乙方500元，双方和解", "notes": "调解成功"}


def _dispute(ctx: GridcaseContext, risk: str = "low") -> str:
    number = report(ctx, category="15", text="邻里漏水纠纷").case.number
    step(ctx, number, "assess_risk", "cd01", {"risk": risk, "parties": "张某、李某"})
    return number


def test_the_funnel_goes_all_the_way_to_litigation_guidance(ctx: GridcaseContext) -> None:
    number = _dispute(ctx)
    levels = []
    for element, user in (
        ("mediate_grid", "gw01"),
        ("mediate_community", "med01"),
        ("mediate_street", "med-dh"),
    ):
        task = ready(ctx, number)[0]
        levels.append((task.element_id, task.role, task.unit_key))
        step(ctx, number, element, user, FAILED)
    assert levels == [
        ("mediate_grid", "grid_worker", "339901001001001"),
        ("mediate_community", "mediator", COMMUNITY1),
        ("mediate_street", "mediator", STREET1),
    ]
    guide = ready(ctx, number)
    assert [(t.element_id, t.unit_key) for t in guide] == [("guide_litigation", STREET1)]
    detail = step(
        ctx,
        number,
        "guide_litigation",
        "med-dh",
        {"route": "litigation", "institution": "示范区人民法院", "outcome_text": "已立案"},
    )
    assert detail.case.status == "closed"
    assert detail.data["route"] == "litigation"


def test_high_risk_goes_to_the_street_with_a_stability_alert(ctx: GridcaseContext) -> None:
    number = _dispute(ctx, risk="high")
    task = ready(ctx, number)[0]
    assert (task.element_id, task.unit_key) == ("mediate_street", STREET1)
    detail = cases.get_case(ctx, load_actor(ctx, "admin"), number)
    assert detail.case.review_unit_key == STREET1
    alerts = [
        n
        for n in notifications.for_actor(ctx, load_actor(ctx, "sup-dh"))
        if n.kind == "stability_alert"
    ]
    assert len(alerts) == 1
    assert [n.kind for n in notifications.for_actor(ctx, load_actor(ctx, "sup01"))] == [
        "stability_alert"
    ]


def test_a_broken_agreement_reopens_the_case(ctx: GridcaseContext) -> None:
    number = _dispute(ctx)
    detail = step(ctx, number, "mediate_grid", "gw01", AGREED)
    assert detail.case.status == "closed"  # waiting for the follow-up visit
    assert detail.case.closed_at is not None
    assert ready(ctx, number) == []
    ctx.clock.advance(days=31)  # the follow-up visit is 30 days after the agreement
    fire_until_quiet(ctx, number)
    assert [t.element_id for t in ready(ctx, number)] == ["followup_visit"]
    detail = step(ctx, number, "followup_visit", "gw01", {"holds": False, "visit_notes": "反悔"})
    assert detail.case.status == "registered"
    assert detail.case.closed_at is None
    assert detail.data["reopen_count"] == 1
    assert [t.element_id for t in ready(ctx, number)] == ["assess_risk"]
    assert "reopened" in [e.action for e in detail.history]

    step(ctx, number, "assess_risk", "cd01", {"risk": "medium", "parties": "张某、李某"})
    step(ctx, number, "mediate_grid", "gw01", AGREED)
    ctx.clock.advance(days=31)
    fire_until_quiet(ctx, number)
    detail = step(ctx, number, "followup_visit", "gw01", {"holds": True, "visit_notes": "已履行"})
    assert detail.case.status == "evaluated"
