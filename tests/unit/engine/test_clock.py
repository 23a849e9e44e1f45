"""Timers follow the host's injected clock, never the wall clock; the shifted clock only
moves forward."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow

from engine.clock import ShiftedClock, SystemClock
from engine.errors import NotFoundError
from engine.host import WorkflowHost

TWO_HOURS = timedelta(hours=2)


def _timers(host: WorkflowHost, wf) -> dict:
    return {t.element_id: t for t in host.waiting_timers(wf)}


def _ready(host: WorkflowHost, wf) -> list[str]:
    return [t.element_id for t in host.ready_tasks(wf)]


def _about(delta: timedelta, expected: timedelta) -> bool:
    """Within a minute of ``expected`` (the shifted clock keeps ticking)."""
    return abs(delta - expected) < timedelta(minutes=1)


def test_a_duration_timer_gets_its_due_time_from_the_host_clock(host, clock, spec) -> None:
    before = clock.now()
    wf = host.start(spec("appointment"), {})
    after = clock.now()
    [timer] = host.waiting_timers(wf)
    assert timer.element_id == "cool_down"
    assert before + TWO_HOURS <= timer.due <= after + TWO_HOURS
    assert timer.due - datetime.now(UTC) > timedelta(days=29)  # not the wall clock's


def test_a_timer_fires_only_once_the_clock_has_passed_it(host, clock, spec) -> None:
    wf = host.start(spec("appointment"), {"visit_at": "2099-01-01T00:00:00+00:00"})
    host.fire_due_timers(wf)
    assert list(_timers(host, wf)) == ["cool_down"]
    clock.advance(hours=1, minutes=59)
    host.fire_due_timers(wf)
    assert list(_timers(host, wf)) == ["cool_down"]
    clock.advance(hours=1)
    host.fire_due_timers(wf)
    assert list(_timers(host, wf)) == ["until_visit"]


def test_boundary_timers_warn_then_cancel_the_task(host, clock, spec) -> None:
    start = clock.now()
    wf = host.start(spec("deadline"), {})
    timers = _timers(host, wf)
    assert {k: t.kind for k, t in timers.items()} == {"warning": "warning", "overdue": "overdue"}
    [work] = host.ready_tasks(wf)
    assert {t.activity_id for t in timers.values()} == {work.id}
    assert _about(timers["warning"].due - start, timedelta(hours=1))
    assert _about(timers["overdue"].due - start, TWO_HOURS)

    clock.advance(hours=1, minutes=1)
    host.fire_due_timers(wf)
    assert [(e.element_id, e.kind) for e in host.look(wf).emitted] == [("warning", "warning")]
    assert _ready(host, wf) == ["work"]  # a non-interrupting timer leaves the task open
    assert list(_timers(host, wf)) == ["overdue"]

    clock.advance(hours=1)
    host.fire_due_timers(wf)
    assert _ready(host, wf) == ["escalate"]  # the interrupting one cancels it
    assert host.waiting_timers(wf) == []


def test_a_time_date_timer_is_due_at_the_time_its_expression_gives(host, clock, spec) -> None:
    visit = (clock.now() + timedelta(days=3)).replace(microsecond=0)
    wf = host.start(spec("appointment"), {"visit_at": visit.isoformat()})
    clock.advance(hours=3)
    host.fire_due_timers(wf)
    [timer] = host.waiting_timers(wf)
    assert (timer.element_id, timer.due) == ("until_visit", visit)

    clock.advance(days=2, hours=20)
    host.fire_due_timers(wf)
    assert _ready(host, wf) == []
    clock.advance_to(visit)
    host.fire_due_timers(wf)
    assert _ready(host, wf) == ["visit"]


def test_moving_a_timer_later_re_arms_it(host, clock, spec) -> None:
    wf = host.start(spec("appointment"), {"visit_at": "2099-01-01T00:00:00+00:00"})
    [timer] = host.waiting_timers(wf)
    later = clock.now() + timedelta(hours=5)
    host.move_timer(wf, timer.task_id, later)
    assert host.waiting_timers(wf)[0].due == later

    clock.advance(hours=3)
    host.fire_due_timers(wf)
    assert list(_timers(host, wf)) == ["cool_down"]
    clock.advance(hours=2, minutes=1)
    host.fire_due_timers(wf)
    assert list(_timers(host, wf)) == ["until_visit"]


def test_moving_a_timer_to_now_lets_it_fire_at_once(host, clock, spec) -> None:
    wf = host.start(spec("appointment"), {"visit_at": "2099-01-01T00:00:00+00:00"})
    [timer] = host.waiting_timers(wf)
    host.move_timer(wf, timer.task_id, clock.now())
    host.fire_due_timers(wf)
    assert list(_timers(host, wf)) == ["until_visit"]


def test_moving_a_timer_that_is_not_waiting_is_not_found(host, spec) -> None:
    wf = host.start(spec("deadline"), {})
    [work] = host.ready_tasks(wf)
    with pytest.raises(NotFoundError):
        host.move_timer(wf, work.id, datetime.now(UTC))


@pytest.mark.parametrize("timer_id", ["00000000-0000-4000-8000-000000000000", "no-such-timer"])
def test_moving_an_unknown_timer_is_not_found(host, spec, timer_id: str) -> None:
    wf = host.start(spec("deadline"), {})
    with pytest.raises(NotFoundError):
        host.move_timer(wf, timer_id, datetime.now(UTC))


def test_a_cycle_timer_re_arms_after_each_firing(host, clock, spec) -> None:
    start = clock.now()
    wf = host.start(spec("reminder"), {})
    dues = []
    for _ in range(4):
        dues += [t.due - start for t in host.waiting_timers(wf)]
        clock.advance(hours=1, minutes=1)
        host.fire_due_timers(wf)
        assert _ready(host, wf) == ["work"]
    assert len(dues) == 3  # R3: three reminders, then the timer is spent
    for n, due in enumerate(dues, start=1):
        assert _about(due, timedelta(hours=n)), dues


def test_a_cycle_timer_reminder_is_reported_when_it_fires(host, clock, spec) -> None:
    """The path of a cycle timer hangs below the still-waiting timer; its reminder is
    reported when it fires, not when the cycle is spent."""
    wf = host.start(spec("reminder"), {})
    clock.advance(hours=1, minutes=1)
    host.fire_due_timers(wf)
    assert [e.element_id for e in host.look(wf).emitted] == ["reminded"]


def test_moving_a_cycle_timer_keeps_it_cycling(host, clock, spec) -> None:
    wf = host.start(spec("reminder"), {})
    [timer] = host.waiting_timers(wf)
    host.move_timer(wf, timer.task_id, clock.now() + timedelta(hours=5))
    clock.advance(hours=5, minutes=1)
    host.fire_due_timers(wf)
    assert _ready(host, wf) == ["work"]
    assert len(host.waiting_timers(wf)) == 1


def test_hosts_with_different_clocks_in_one_thread_do_not_mix(spec) -> None:
    ahead = ShiftedClock()
    ahead.advance(days=100)
    shifted = WorkflowHost({"get_ready": lambda: True}, clock=ahead)
    plain = WorkflowHost({"get_ready": lambda: True}, clock=SystemClock())
    parsed = spec("appointment")

    wf_ahead = shifted.start(parsed, {})
    wf_plain = plain.start(parsed, {})
    due_ahead = shifted.waiting_timers(wf_ahead)[0].due
    due_plain = plain.waiting_timers(wf_plain)[0].due
    assert _about(due_ahead - datetime.now(UTC), timedelta(days=100) + TWO_HOURS)
    assert _about(due_plain - datetime.now(UTC), TWO_HOURS)


def test_hosts_running_at_the_same_time_in_two_threads_keep_their_own_clock(spec) -> None:
    """Host calls that overlap without nesting: "near" enters first and waits inside its
    script task until "far" is inside too; "near" then reaches its timer and returns while
    "far" is still inside, and only then does "far" reach its timer."""
    parsed = spec("appointment")
    first_inside, second_inside, first_done = (threading.Event() for _ in range(3))
    offsets = {"near": timedelta(days=1), "far": timedelta(days=300)}
    due: dict[str, timedelta] = {}
    failures: list[BaseException] = []

    def near_ready() -> bool:
        first_inside.set()
        return second_inside.wait(10)

    def far_ready() -> bool:
        second_inside.set()
        return first_done.wait(10)

    def run(name: str, get_ready, before=None, after=None) -> None:
        try:
            if before is not None:
                before.wait(10)
            clock = ShiftedClock()
            clock.advance(seconds=offsets[name].total_seconds())
            host = WorkflowHost({"get_ready": get_ready}, clock=clock)
            wf = host.start(parsed, {})
            due[name] = host.waiting_timers(wf)[0].due - clock.now()
        except BaseException as err:  # reported by the main thread
            failures.append(err)
        finally:
            if after is not None:
                after.set()

    threads = [
        threading.Thread(target=run, args=("near", near_ready), kwargs={"after": first_done}),
        threading.Thread(target=run, args=("far", far_ready), kwargs={"before": first_inside}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures, failures
    assert all(_about(due[name], TWO_HOURS) for name in offsets), due


def test_outside_host_calls_spiff_uses_the_machine_clock(host, clock, spec) -> None:
    parsed = spec("appointment")
    host.start(parsed, {})  # a host call on the shifted clock leaves nothing behind
    bare = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=host.script_engine)
    bare.do_engine_steps()
    assert _about(host.waiting_timers(bare)[0].due - datetime.now(UTC), TWO_HOURS)

    inside = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=host.script_engine)
    with host.clock_in_use():
        with WorkflowHost().clock_in_use():
            pass  # a nested host call restores the outer clock when it returns
        inside.do_engine_steps()
    assert _about(host.waiting_timers(inside)[0].due - clock.now(), TWO_HOURS)


def test_the_shifted_clock_moves_forward_only() -> None:
    clock = ShiftedClock()
    start = clock.now()
    assert start.tzinfo is not None
    moved = clock.advance(hours=3)
    assert moved - start >= timedelta(hours=3)
    assert clock.now() >= moved
    with pytest.raises(ValueError):
        clock.advance(minutes=-1)
    assert clock.now() >= moved


def test_advance_to_lands_just_after_the_target_and_never_goes_back() -> None:
    clock = ShiftedClock()
    target = clock.now() + timedelta(days=2)
    reached = clock.advance_to(target)
    assert target < reached < target + timedelta(seconds=1)
    again = clock.advance_to(target - timedelta(days=1))
    assert again >= reached
    assert again - reached < timedelta(seconds=1)
