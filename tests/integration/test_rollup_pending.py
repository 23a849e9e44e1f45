"""A step notes the roll-up buckets it changed as pending (one statement) instead of counting
them again; the next reader of the indicators, or the sweep, counts them. No reader sees the
roll-up behind what was committed before it asked, and a step made while a settle holds the
pending rows is counted by the next one."""

from __future__ import annotations

import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from tests.processes.helpers import GRID1, report, step
from workflows.adapters import indicator_rollup
from workflows.adapters.models import IndicatorDay, RollupPending
from workflows.services import indicators
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2030, 3, 11)


def _pending(ctx: GridcaseContext) -> list[tuple[date, str, bool, bool]]:
    with ctx.uow() as uow:
        rows = uow.session.scalars(select(RollupPending)).all()
        return sorted((r.day, r.grid_key, r.cases, r.marks) for r in rows)


def _stored_reported(ctx: GridcaseContext) -> int:
    with ctx.uow() as uow:
        found = select(func.coalesce(func.sum(IndicatorDay.reported), 0)).where(
            IndicatorDay.span == "day", IndicatorDay.day == DAY, IndicatorDay.grid_key == GRID1
        )
        return int(uow.session.scalar(found) or 0)


def _table(ctx: GridcaseContext) -> dict[str, float]:
    request = indicators.IndicatorRequest(DAY, DAY, "grid", "339901000000000")
    found = indicators.table(ctx, load_actor(ctx, "sup01"), request)
    row = next(r for r in found.rows if r.key == GRID1)
    return {"reported": row.counts["reported"], "valid": row.counts["valid"]}


def test_a_step_notes_its_bucket_and_the_next_reader_counts_it(ctx: GridcaseContext) -> None:
    ctx.clock.advance_to(datetime(2030, 3, 11, 9, 0, tzinfo=SHANGHAI))
    indicators.settle_rollup(ctx)
    number = report(ctx).case.number
    assert _pending(ctx) == [(DAY, GRID1, True, False)]
    assert _stored_reported(ctx) == 0  # not counted yet
    assert _table(ctx) == {"reported": 1, "valid": 1}  # the reader counted it first
    assert _pending(ctx) == [] and _stored_reported(ctx) == 1
    step(ctx, number, "review", "cd01", {"decision": "reject", "reason": "重复"})
    assert indicators.settle_rollup(ctx) == 1  # as the sweep does
    assert indicators.settle_rollup(ctx) == 0
    assert _table(ctx) == {"reported": 1, "valid": 0}


def test_a_step_while_a_settle_holds_the_rows_is_counted_next_time(ctx: GridcaseContext) -> None:
    ctx.clock.advance_to(datetime(2030, 3, 11, 9, 0, tzinfo=SHANGHAI))
    report(ctx)
    second = report(ctx).case.number
    stepped = threading.Event()

    def review_second() -> None:
        step(ctx, second, "review", "cd01", {"decision": "reject", "reason": "重复"})
        stepped.set()

    with ctx.uow() as uow:
        assert uow.rollup is not None
        assert indicator_rollup.settle(uow.session, uow.rollup) == 1  # rows locked, counted
        worker = threading.Thread(target=review_second)
        worker.start()  # on PostgreSQL it waits for the pending row; on SQLite for the lock
        uow.commit()
    worker.join()
    assert stepped.is_set()
    assert _pending(ctx) == [(DAY, GRID1, True, False)]  # noted again after the settle
    assert _table(ctx) == {"reported": 2, "valid": 1}
