"""An inbox counts its tasks exactly only up to a cap and then says "N+", and pages reach the
most urgent tasks up to that cap: a page of a big inbox reads only what it shows. Each way
of seeing a task (a role in a unit, one's own tasks, a supervised subtree) is read apart and
merged, so a task seen two ways shows once and the order holds across them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.processes.helpers import report
from workflows.adapters import queries
from workflows.services import cases, supervision
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext


def test_the_count_stops_at_the_cap(ctx: GridcaseContext, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(5):
        report(ctx)
    dispatcher = load_actor(ctx, "cd01")
    page = cases.inbox(ctx, dispatcher, cases.InboxFilter(), per_page=2)
    assert (page.total, page.more, len(page.items)) == (5, False, 2)
    monkeypatch.setattr(queries, "COUNT_CAP", 3)
    monkeypatch.setattr(cases, "COUNT_CAP", 3)
    page = cases.inbox(ctx, dispatcher, cases.InboxFilter(), per_page=2)
    assert (page.total, page.more, len(page.items)) == (3, True, 2)
    last = cases.inbox(ctx, dispatcher, cases.InboxFilter(), page=2, per_page=2)
    assert (len(last.items), last.has_next, last.more) == (1, False, True)
    past = cases.inbox(ctx, dispatcher, cases.InboxFilter(), page=3, per_page=2)
    assert (past.items, past.more) == ([], True)  # a filter finds the rest


def _set(ctx: GridcaseContext, task_id: str, **values: object) -> None:
    with ctx.uow() as uow:
        record = uow.tasks.get(task_id)
        for name, value in values.items():
            setattr(record, name, value)
        uow.commit()


def test_ways_of_seeing_merge_in_urgency_order(ctx: GridcaseContext) -> None:
    numbers = [report(ctx).case.number for _ in range(4)]
    dispatcher = load_actor(ctx, "cd01")
    tasks = {t.case.number: t.task for t in cases.inbox(ctx, dispatcher, cases.InboxFilter()).items}
    now = datetime.now(UTC)
    # The second case's review is handed to a department handler by name (seen by its
    # assignee, no longer by cd01's role); the third is also assigned to cd01 (seen twice);
    # the fourth has no deadline.
    department = ctx.directory.get("dept-cg")
    handed = {
        "role": "department_handler",
        "unit_key": department.key,
        "unit_path": department.path,
    }
    _set(ctx, tasks[numbers[1]].id, assignee="cd01", **handed)
    _set(ctx, tasks[numbers[2]].id, assignee="cd01")
    for i, number in enumerate(numbers):
        due = None if i == 3 else now + timedelta(hours=10 - 3 * i)
        _set(ctx, tasks[number].id, due_at=due)
    page = cases.inbox(ctx, dispatcher, cases.InboxFilter())
    assert [v.case.number for v in page.items] == [numbers[2], numbers[1], numbers[0], numbers[3]]
    assert page.total == 4
    mine = cases.inbox(ctx, dispatcher, cases.InboxFilter(mine=True))
    assert [v.case.number for v in mine.items] == [numbers[2], numbers[1]]
    second = cases.inbox(ctx, dispatcher, cases.InboxFilter(), page=2, per_page=3)
    assert [v.case.number for v in second.items] == [numbers[3]]
    street = load_actor(ctx, "sup-dh")  # supervises the street's subtree
    seen = [v.case.number for v in cases.inbox(ctx, street, cases.InboxFilter()).items]
    assert seen[:3] == [numbers[2], numbers[0], numbers[3]] and numbers[1] not in seen


def test_the_console_counts_to_the_cap_too(
    ctx: GridcaseContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    numbers = [report(ctx).case.number for _ in range(5)]
    dispatcher = load_actor(ctx, "cd01")
    for view in cases.inbox(ctx, dispatcher, cases.InboxFilter()).items:
        if view.case.number in numbers:
            _set(ctx, view.task.id, due_at=datetime.now(UTC) - timedelta(hours=1))
    chief = load_actor(ctx, "sup01")
    view = supervision.console(ctx, chief)
    assert (view.totals["overdue"], "overdue" in view.more) == (5, False)
    monkeypatch.setattr(queries, "COUNT_CAP", 3)
    view = supervision.console(ctx, chief)
    assert (view.totals["overdue"], "overdue" in view.more) == (3, True)
    assert len(view.lists["overdue"]) == 5  # the list shows its 200 as before


def test_the_heatmap_counts_waiting_steps_and_their_age(ctx: GridcaseContext) -> None:
    for _ in range(2):
        report(ctx)
    ctx.clock.advance(hours=3)
    report(ctx)
    heat = supervision.heat(ctx, load_actor(ctx, "sup01"), "closed_loop").elements
    assert heat["review"]["count"] == 3
    assert heat["review"]["avg_hours"] == pytest.approx(2.0, abs=0.1)  # (3 + 3 + 0) / 3


def test_a_step_of_no_case_is_neither_listed_nor_counted(ctx: GridcaseContext) -> None:
    """Care visits and volunteer orders have their own lists: the inbox counts what it lists."""
    numbers = [report(ctx).case.number for _ in range(3)]
    with ctx.uow() as uow:  # the first becomes an instance of no case, as a care visit is
        uow.session.delete(uow.cases.by_number(numbers[0]))
        uow.commit()
    page = cases.inbox(ctx, load_actor(ctx, "cd01"), cases.InboxFilter())
    assert len(page.items) == page.total
    assert numbers[0] not in {v.case.number for v in page.items}
