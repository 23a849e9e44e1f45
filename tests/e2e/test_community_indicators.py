"""The community side in the indicators: care visits per grid and volunteer orders per
community, through the API, for those who keep the register, assess or see service
records; counts only, and nothing for a department handler."""

from __future__ import annotations

from datetime import timedelta

from tests.app_fixtures import Api
from tests.integration.test_order_pool import claim, post
from workflows.services import key_persons, timers
from workflows.services.accounts import load_actor
from workflows.services.key_persons import PersonDraft

GRID1 = "339901001001001"
DONGHU = "339901001001000"


def test_care_visits_and_orders_in_the_indicators(api: Api) -> None:
    ctx = api.ctx
    gw = load_actor(ctx, "gw01")
    draft = PersonDraft(grid=GRID1, name="孙立", categories=["elderly_alone"], risk_level="high")
    key_persons.register(ctx, gw, draft)  # every 3 days
    order = post(ctx, needed=1)
    claim(ctx, "dangyuan1", order.id)
    ctx.clock.advance(days=4)
    timers.fire_all_due(ctx)

    day = ctx.clock.now().astimezone(ctx.calendar.timezone).date()
    query = f"?from={(day - timedelta(days=5)).isoformat()}&to={day.isoformat()}"
    for user in ("gw01", "zd01", "cmd01"):
        body = api.get(user, f"/api/v1/indicators/care-visits{query}").get_json()
        [row] = [r for r in body["grids"] if r["grid"] == GRID1]
        assert (row["due"], row["on_time"], row["missed"], row["overdue_now"]) == (1, 0, 1, 1)
        assert "孙立" not in str(body)
    assert api.get("dh-cg", f"/api/v1/indicators/care-visits{query}").get_json()["grids"] == []
    # the map's grids carry the count of visits overdue, never a person
    grids = api.get("cmd01", "/api/v1/map/grids").get_json()["features"]
    [mine] = [f["properties"] for f in grids if f["id"] == GRID1]
    assert mine["care_overdue"] == 1 and "孙立" not in str(grids)

    for user in ("cd01", "cmd01"):
        body = api.get(user, f"/api/v1/indicators/orders{query}").get_json()
        [row] = [u for u in body["units"] if u["unit"] == DONGHU]
        assert (row["posted"], row["filled"]) == (1, 1), user
    assert api.get("dh-cg", f"/api/v1/indicators/orders{query}").get_json()["units"] == []
    assert api.get("cd01", "/api/v1/indicators/orders?from=2026-13-01").status_code == 400
