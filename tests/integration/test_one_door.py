"""One door for every channel (一门受理): the stream decides the first-level centre, the
centre either reviews and dispatches or registers for the local unit, and a grid worker's
own report still goes to their community."""

from __future__ import annotations

from tests.app_fixtures import Api
from tests.processes.helpers import GRID1, after, ready, step
from workflows.services import cases
from workflows.services.accounts import load_actor

COMMUNITY = "339901001001000"
STREET = "339901001000000"


def _report(api: Api, category: str, user: str, channel: str, **kw: str) -> str:
    new = cases.NewCase(category, f"{channel} 上报", grid=GRID1, channel=channel, **kw)
    return cases.report_case(api.ctx, load_actor(api.ctx, user), new).case.number


def _waiting(api: Api, number: str) -> list[tuple[str, str | None, str | None]]:
    return [(t.element_id, t.role, t.unit_key) for t in ready(api.ctx, number)]


def test_each_stream_goes_to_its_centre(api: Api) -> None:
    ctx = api.ctx
    # Public service, by the 12345 hotline: the 12345 centre reviews and dispatches itself.
    public = _report(api, "01", "hotline-sys", "hotline_12345", reporter_phone="13800001111")
    assert _waiting(api, public) == [("review", "centre_dispatcher", "centre-12345")]
    step(ctx, public, "review", "zx-12345", {"decision": "accept"})
    assert _waiting(api, public) == [("dispatch", "centre_dispatcher", "centre-12345")]
    step(
        ctx,
        public,
        "dispatch",
        "zx-12345",
        {"department": "dept-ga", "deadline": after(ctx, hours=48)},
    )
    assert _waiting(api, public) == [("sign", "department_handler", "dept-ga")]

    # City management, from the resident app: the digital city-management centre registers
    # it, then the community reviews and dispatches as before.
    city = _report(api, "02", "gw01", "resident_app")
    assert _waiting(api, city) == [("review", "centre_dispatcher", "centre-cg")]
    step(ctx, city, "review", "zx-cg", {"decision": "accept"})
    assert _waiting(api, city) == [("review", "community_dispatcher", COMMUNITY)]
    step(ctx, city, "review", "cd01", {"decision": "accept"})
    assert _waiting(api, city) == [("dispatch", "community_dispatcher", COMMUNITY)]
    history = cases.get_case(ctx, load_actor(ctx, "admin"), city).history
    reviewers = [e.actor for e in history if e.element_id == "review" and e.action == "completed"]
    assert reviewers == ["zx-cg", "cd01"]  # the centre's registration is on the timeline

    # A dispute over Open311: the grid management centre assesses and routes it.
    dispute = _report(api, "15", "hotline-sys", "open311")
    assert _waiting(api, dispute) == [("assess_risk", "centre_dispatcher", "centre-wg")]
    step(ctx, dispute, "assess_risk", "zx-wg", {"risk": "low", "parties": "张某、李某"})
    assert [w[0] for w in _waiting(api, dispute)] == ["mediate_grid"]

    # The centre sees the cases it took; a community dispatcher does not see the 12345 one
    # until it is theirs.
    assert api.get("zx-12345", f"/api/v1/cases/{public}").status_code == 200
    assert api.get("zx-cg", f"/api/v1/cases/{public}").status_code == 403


def test_a_grid_workers_own_report_goes_to_the_community(api: Api) -> None:
    own = _report(api, "02", "gw01", "grid_worker")
    assert _waiting(api, own) == [("review", "community_dispatcher", COMMUNITY)]
    # A stream without a centre: the channel's review level decides (12345: the street).
    streams = api.ctx.catalog.streams
    streams["public_service"] = {**streams["public_service"], "centre": None}
    public = _report(api, "01", "hotline-sys", "hotline_12345")
    assert _waiting(api, public) == [("review", "street_dispatcher", STREET)]


def test_a_centre_that_registers_can_still_refuse(api: Api) -> None:
    city = _report(api, "02", "gw01", "resident_app")
    step(api.ctx, city, "review", "zx-cg", {"decision": "reject", "reason": "重复上报，已有案件"})
    detail = cases.get_case(api.ctx, load_actor(api.ctx, "admin"), city)
    assert (detail.case.status, _waiting(api, city)) == ("rejected", [])
