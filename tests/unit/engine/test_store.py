"""The instance store on in-memory SQLite: the task projection, the journal and the wake-up
row follow the workflow inside the caller's transaction; the unit of work commits once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import sessionmaker

from engine import timers
from engine.assignment import Assignment, ReadyTask
from engine.clock import ShiftedClock
from engine.db import Base, make_database, make_session_factory
from engine.deployment import BpmnSource, deploy
from engine.errors import ConflictError, NotFoundError
from engine.instances import Runtime, complete_task, start_instance
from engine.models import JournalEntry, ProcessInstance, ProcessVersion, TaskRecord, Wakeup
from engine.uow import UnitOfWork

ENGINE_TABLES = [m.__table__ for m in (ProcessVersion, ProcessInstance, TaskRecord, JournalEntry)]
ENGINE_TABLES.append(Wakeup.__table__)


class FakeAssigner:
    """Role from the lane, unit from the task's ``unit`` property."""

    def assign(self, task: ReadyTask) -> Assignment:
        unit = task.properties.get("unit")
        return Assignment(role=f"{task.lane}_role", unit_key=unit, unit_path=f"/city/{unit}/")


@pytest.fixture
def session_factory() -> Iterator[sessionmaker]:
    engine = make_database("sqlite://")
    Base.metadata.create_all(engine, tables=ENGINE_TABLES)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def runtime(host, registry) -> Runtime:
    return Runtime(host, registry, FakeAssigner())


@pytest.fixture
def uow(session_factory, clock) -> Callable[[], UnitOfWork]:
    return lambda: UnitOfWork(session_factory, clock)


@pytest.fixture
def started(uow, runtime, registry, bpmn_xml) -> Callable[[str, dict], tuple[int, str]]:
    """Deploy a fixture process, start an instance and commit; returns the instance id and
    the id of its first ready task."""

    def start(name: str, data: dict) -> tuple[int, str]:
        with uow() as work:
            deploy(work, registry, BpmnSource(f"{name}.bpmn", bpmn_xml(name), {}), "admin")
            result = start_instance(work, runtime, name, "K-1", data, "alice")
            work.commit()
        return result.instance.id, result.ready[0].id

    return start


def _actions(work: UnitOfWork, instance_id: int) -> list[str]:
    return [e.action for e in work.journal.for_instance(instance_id)]


def _tasks(work: UnitOfWork, instance_id: int) -> list[tuple[str, str]]:
    return [(t.element_id, t.state) for t in work.tasks.for_instance(instance_id)]


def test_only_the_engine_tables_are_needed(session_factory) -> None:
    with session_factory() as session:
        names = session.connection().exec_driver_sql("SELECT name FROM sqlite_master").all()
    assert {"process_versions", "process_instances", "tasks", "journal", "wakeups"} <= {
        n for (n,) in names
    }


def test_deploying_the_same_file_twice_keeps_one_version(uow, registry, bpmn_xml) -> None:
    source = BpmnSource("review.bpmn", bpmn_xml("review"), {})
    with uow() as work:
        first = deploy(work, registry, source, "admin")
        again = deploy(work, registry, source, "admin")
        work.commit()
    assert (first.created, again.created) == (True, False)
    assert again.version.id == first.version.id
    assert (first.version.process_id, first.version.version) == ("review", 1)


def test_starting_an_undeployed_process_is_not_found(uow, runtime) -> None:
    with uow() as work, pytest.raises(NotFoundError):
        start_instance(work, runtime, "review", "K-1", {}, "alice")


def test_start_projects_the_first_task_with_role_and_unit_from_the_assigner(
    uow, started, clock
) -> None:
    instance_id, task_id = started("review", {"amount": 10})
    with uow() as work:
        [record] = work.tasks.for_instance(instance_id)
        assert record.id == task_id
        assert (record.element_id, record.title, record.lane) == (
            "check",
            "Check the request",
            "clerk",
        )
        assert (record.role, record.unit_key, record.unit_path) == (
            "clerk_role",
            "office",
            "/city/office/",
        )
        assert record.state == "ready"
        assert record.properties == {"unit": "office", "status": "checking"}
        assert abs(record.created_at - clock.now()) < timedelta(minutes=1)

        entries = work.journal.for_instance(instance_id)
        assert [(e.action, e.actor) for e in entries] == [
            ("started", "alice"),
            ("opened", "system"),
        ]
        assert entries[0].payload == {"version": 1, "amount": 10}
        assert entries[1].payload == {"role": "clerk_role", "unit": "office", "assignee": None}
        assert work.instances.get(instance_id).status == "running"


def test_completing_keeps_the_done_row_opens_the_next_and_journals(uow, runtime, started) -> None:
    instance_id, task_id = started("review", {"amount": 10})
    with uow() as work:
        result = complete_task(work, runtime, task_id, {"decision": "accept"}, "bob")
        work.commit()
    assert [r.element_id for r in result.opened] == ["approve"]
    assert [r.element_id for r in result.closed] == ["check"]
    with uow() as work:
        assert _tasks(work, instance_id) == [("check", "completed"), ("approve", "ready")]
        done = work.tasks.get(task_id)
        assert (done.completed_by, done.completed_at is not None) == ("bob", True)
        approve = work.tasks.ready_for_instance(instance_id)[0]
        assert (approve.role, approve.unit_key) == ("boss_role", "board")
        assert _actions(work, instance_id) == ["started", "opened", "completed", "opened"]
        assert work.journal.for_instance(instance_id)[2].payload == {"decision": "accept"}


def test_the_end_event_completes_the_instance(uow, runtime, started) -> None:
    instance_id, task_id = started("review", {"amount": 10})
    with uow() as work:
        result = complete_task(work, runtime, task_id, {"decision": "reject"}, "bob")
        work.commit()
    assert result.end is not None and result.end.element_id == "end_rejected"
    with uow() as work:
        instance = work.instances.get(instance_id)
        assert (instance.status, instance.end_event) == ("completed", "end_rejected")
        assert _actions(work, instance_id)[-1] == "ended"
        assert work.tasks.ready_for_instance(instance_id) == []


def test_nothing_is_kept_when_the_caller_does_not_commit(uow, runtime, started) -> None:
    instance_id, task_id = started("review", {"amount": 10})
    with uow() as work:
        before = work.instances.get(instance_id)
    with uow() as work:
        result = complete_task(work, runtime, task_id, {"decision": "accept"}, "bob")
        assert [r.element_id for r in result.opened] == ["approve"]
        assert _tasks(work, instance_id) == [("check", "completed"), ("approve", "ready")]
        # leaves without commit
    with uow() as work:
        assert _tasks(work, instance_id) == [("check", "ready")]
        assert _actions(work, instance_id) == ["started", "opened"]
        instance = work.instances.get(instance_id)
        assert (instance.state, instance.lock_version) == (before.state, before.lock_version)


def test_completing_a_task_twice_is_a_conflict(uow, runtime, started) -> None:
    _, task_id = started("review", {"amount": 10})
    with uow() as work:
        complete_task(work, runtime, task_id, {"decision": "accept"}, "bob")
        work.commit()
    with uow() as work, pytest.raises(ConflictError):
        complete_task(work, runtime, task_id, {"decision": "reject"}, "carol")


def test_completing_an_unknown_task_is_not_found(uow, runtime, started) -> None:
    started("review", {"amount": 10})
    with uow() as work, pytest.raises(NotFoundError):
        complete_task(work, runtime, "00000000-0000-4000-8000-000000000000", {}, "bob")


def _bump_version(work: UnitOfWork, instance_id: int) -> None:
    """What another worker's commit does to the row between our read and our write (one
    in-memory SQLite connection cannot hold two transactions, so it is written here)."""
    work.session.execute(
        update(ProcessInstance)
        .where(ProcessInstance.id == instance_id)
        .values(lock_version=ProcessInstance.lock_version + 1)
        .execution_options(synchronize_session=False)
    )


def test_a_change_made_since_the_instance_was_read_is_a_conflict(uow, runtime, started) -> None:
    instance_id, task_id = started("review", {"amount": 10})
    with uow() as work:
        seen = work.instances.get(instance_id)  # kept, as a use case keeps what it read
        _bump_version(work, instance_id)
        complete_task(work, runtime, task_id, {"decision": "accept"}, "bob")
        with pytest.raises(ConflictError):  # at the one flush, the commit's
            work.commit()
        assert seen.status == "running"
    with uow() as work:
        assert _tasks(work, instance_id) == [("check", "ready")]
        assert _actions(work, instance_id) == ["started", "opened"]


def test_each_write_bumps_the_instance_version(uow, runtime, started) -> None:
    instance_id, task_id = started("review", {"amount": 10})
    with uow() as work:
        before = work.instances.get(instance_id).lock_version
    with uow() as work:
        complete_task(work, runtime, task_id, {"decision": "accept"}, "bob")
        work.commit()
    with uow() as work:
        assert work.instances.get(instance_id).lock_version > before


def test_the_wakeup_row_holds_the_earliest_timer(uow, runtime, started, clock) -> None:
    start = clock.now()
    instance_id, task_id = started("deadline", {})
    with uow() as work:
        wakeup = work.wakeups.get(instance_id)
        assert (wakeup.element_id, wakeup.kind) == ("warning", "warning")
        assert abs(wakeup.due_at - (start + timedelta(hours=1))) < timedelta(minutes=1)
        record = work.tasks.get(task_id)
        assert abs(record.due_at - (start + timedelta(hours=2))) < timedelta(minutes=1)

    clock.advance(hours=1, minutes=1)
    with uow() as work:
        fired = timers.fire_due(work, runtime, instance_id, clock.now())
        work.commit()
    assert [e.kind for e in fired.events] == ["warning"]
    with uow() as work:
        wakeup = work.wakeups.get(instance_id)
        assert (wakeup.element_id, wakeup.kind) == ("overdue", "overdue")
        assert _actions(work, instance_id)[-1] == "warning"

    with uow() as work:
        complete_task(work, runtime, task_id, {}, "bob")
        work.commit()
    with uow() as work:
        assert work.wakeups.get(instance_id) is None


def test_fire_due_does_nothing_before_the_wakeup_time(uow, runtime, started, clock) -> None:
    instance_id, _ = started("deadline", {})
    with uow() as work:
        assert timers.fire_due(work, runtime, instance_id, clock.now()) is None


def test_after_commit_work_runs_only_once_committed(uow) -> None:
    calls: list[tuple[str, int]] = []
    with uow() as work:
        work.after_commit(lambda n: calls.append(("committed", n)), 1)
        work.on_rollback(lambda n: calls.append(("rolled back", n)), 2)
        assert calls == []
        work.commit()
        assert calls == [("committed", 1)]
    assert calls == [("committed", 1)]


def test_leaving_without_commit_runs_only_the_undo_work(uow) -> None:
    calls: list[str] = []
    with uow() as work:
        work.after_commit(calls.append, "committed")
        work.on_rollback(calls.append, "rolled back")
    assert calls == ["rolled back"]

    calls.clear()
    with pytest.raises(RuntimeError), uow() as work:
        work.after_commit(calls.append, "committed")
        work.on_rollback(calls.append, "rolled back")
        raise RuntimeError("use case failed")
    assert calls == ["rolled back"]


def test_a_commit_lost_to_a_concurrent_change_runs_the_undo_work(uow, started) -> None:
    instance_id, _ = started("review", {"amount": 10})
    calls: list[str] = []
    with uow() as work:
        instance = work.instances.get(instance_id)
        work.after_commit(calls.append, "committed")
        work.on_rollback(calls.append, "rolled back")
        _bump_version(work, instance_id)
        instance.error = "edited"
        with pytest.raises(ConflictError):
            work.commit()
    assert calls == ["rolled back"]


def test_failing_after_commit_work_does_not_undo_the_commit(uow, started) -> None:
    instance_id, _ = started("review", {"amount": 10})
    calls: list[str] = []

    def boom() -> None:
        raise RuntimeError("redis is down")

    with uow() as work:
        work.instances.get(instance_id).error = "kept"
        work.after_commit(boom)
        work.after_commit(calls.append, "second")
        work.on_rollback(calls.append, "rolled back")
        work.commit()
    assert calls == ["second"]
    with uow() as work:
        assert work.instances.get(instance_id).error == "kept"


def test_the_unit_of_work_tells_time_by_its_clock(session_factory) -> None:
    clock = ShiftedClock()
    clock.advance(days=400)
    with UnitOfWork(session_factory, clock) as work:
        assert abs(work.now() - clock.now()) < timedelta(seconds=5)
        clock.advance(days=1)
        assert abs(work.now() - clock.now()) < timedelta(seconds=5)
