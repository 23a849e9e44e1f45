"""Delegating a task to a colleague and naming an out-of-office substitute (代班), on SQLite
and on the real PostgreSQL server."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.db import utcnow
from tests.processes.helpers import accepted, ready, step
from workflows.adapters.queries import InboxFilter
from workflows.domain.errors import FieldErrors, ForbiddenError
from workflows.services import cases, delegation
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext


def _signing(ctx: GridcaseContext) -> tuple[str, str]:
    number = accepted(ctx)
    step(ctx, number, "dispatch", "cd01", {"department": "dept-cg"})
    return number, ready(ctx, number)[0].id


def test_delegate_to_a_colleague_of_the_same_unit_is_journaled(ctx: GridcaseContext) -> None:
    number, task_id = _signing(ctx)
    me = load_actor(ctx, "dh-cg")
    assert [name for name, _ in delegation.colleagues(ctx, me, task_id)] == ["dh-cg2"]

    with pytest.raises(FieldErrors) as err:
        delegation.delegate(ctx, me, task_id, "dh-sj", "请代办")
    assert "to" in err.value.fields  # not a handler of this department
    with pytest.raises(FieldErrors):
        delegation.delegate(ctx, me, task_id, "dh-cg2", " ")
    with pytest.raises(ForbiddenError):
        delegation.delegate(ctx, load_actor(ctx, "dh-sj"), task_id, "dh-cg2", "越权")

    delegation.delegate(ctx, me, task_id, "dh-cg2", "本人外出执法")
    detail = cases.get_case(ctx, load_actor(ctx, "admin"), number)
    assert ready(ctx, number)[0].assignee == "dh-cg2"
    entry = [e for e in detail.history if e.action == "delegated"][-1]
    assert (entry.actor, entry.reason) == ("dh-cg", "本人外出执法")
    assert entry.payload["to"]["assignee"] == "dh-cg2"
    cases.complete(ctx, load_actor(ctx, "dh-cg2"), task_id, {"decision": "accept"})


def test_substitute_acts_only_inside_the_range(ctx: GridcaseContext) -> None:
    number, task_id = _signing(ctx)
    absent = load_actor(ctx, "dh-cg")
    cases.claim(ctx, absent, task_id)
    stand_in = load_actor(ctx, "dh-jt")
    assert not ctx.permissions.may_work(stand_in, ready(ctx, number)[0])

    later = utcnow() + timedelta(days=1)
    future = delegation.set_substitute(
        ctx, absent, "dh-jt", later, later + timedelta(days=2), "年休假"
    )
    assert load_actor(ctx, "dh-jt").acting_for == ()  # not yet
    with pytest.raises(FieldErrors) as err:
        delegation.set_substitute(ctx, absent, "dh-ga", later, later + timedelta(hours=1), "重叠")
    assert "starts_at" in err.value.fields
    with pytest.raises(FieldErrors) as err:
        delegation.set_substitute(ctx, absent, "dh-cg", utcnow(), later, "自己")
    assert "substitute" in err.value.fields
    delegation.cancel_substitute(ctx, absent, future.id)

    now = delegation.set_substitute(
        ctx, absent, "dh-jt", utcnow() - timedelta(minutes=1), later, "临时外出"
    )
    stand_in = load_actor(ctx, "dh-jt")
    assert stand_in.acting_for == ("dh-cg",)
    page = cases.inbox(ctx, stand_in, InboxFilter())
    assert number in [item.case.number for item in page.items]
    _mine, standing_in = delegation.substitutions(ctx, stand_in)
    assert [s.username for s in standing_in] == ["dh-cg"]

    delegation.cancel_substitute(ctx, absent, now.id)
    stand_in = load_actor(ctx, "dh-jt")
    assert stand_in.acting_for == ()
    with pytest.raises(ForbiddenError):
        cases.complete(ctx, stand_in, task_id, {"decision": "accept"})

    delegation.set_substitute(ctx, absent, "dh-jt", utcnow(), later, "再次外出")
    cases.complete(ctx, load_actor(ctx, "dh-jt"), task_id, {"decision": "accept"})
    detail = cases.get_case(ctx, load_actor(ctx, "admin"), number)
    assert [e.actor for e in detail.history if e.action == "completed"][-1] == "dh-jt"
