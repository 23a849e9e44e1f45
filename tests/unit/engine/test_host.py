"""The workflow host runs small processes: ready tasks, completion, errors, ends, emitted
events, messages and rewinding."""

from __future__ import annotations

import uuid

import pytest

from engine.errors import ConflictError, NotFoundError, WorkflowStepError
from engine.host import MAX_ENGINE_STEPS, Emitted, EndState, Message, WorkflowHost


def test_start_opens_the_first_user_task_with_its_lane_and_properties(host, spec) -> None:
    wf = host.start(spec("review"), {"amount": 10})
    [task] = host.ready_tasks(wf)
    assert task.element_id == "check"
    assert task.title == "Check the request"
    assert task.lane == "clerk"
    assert task.properties == {"unit": "office", "status": "checking"}
    assert task.data == {"amount": 10}
    uuid.UUID(task.id)


def test_completing_carries_the_data_to_the_next_task(host, spec) -> None:
    wf = host.start(spec("review"), {"amount": 10})
    [check] = host.ready_tasks(wf)
    host.complete(wf, check.id, {"decision": "accept"})
    [approve] = host.ready_tasks(wf)
    assert (approve.element_id, approve.lane) == ("approve", "boss")
    assert approve.properties == {"unit": "board"}
    assert approve.data == {"amount": 10, "decision": "accept"}
    assert host.data(wf) == {"amount": 10, "decision": "accept"}


def test_completing_a_task_twice_is_a_conflict(host, spec) -> None:
    wf = host.start(spec("review"), {"amount": 10})
    [check] = host.ready_tasks(wf)
    host.complete(wf, check.id, {"decision": "accept"})
    with pytest.raises(ConflictError):
        host.complete(wf, check.id, {"decision": "reject"})
    assert [t.element_id for t in host.ready_tasks(wf)] == ["approve"]


@pytest.mark.parametrize("task_id", ["6f1f3c1e-0d6b-4f3e-9a55-2b1f0c9d7e10", "not-a-task-id"])
def test_an_unknown_task_is_not_found(host, spec, task_id: str) -> None:
    wf = host.start(spec("review"), {"amount": 10})
    with pytest.raises(NotFoundError):
        host.complete(wf, task_id, {})


def test_a_failing_script_names_its_element(host, spec) -> None:
    wf = host.start(spec("review"), {"amount": 10})
    host.complete(wf, host.ready_tasks(wf)[0].id, {"decision": "accept"})
    with pytest.raises(WorkflowStepError) as err:
        host.complete(wf, host.ready_tasks(wf)[0].id, {"people": 0})
    assert err.value.element_id == "share"
    assert "division by zero" in str(err.value)


def test_a_failing_condition_names_the_gateway(host, spec) -> None:
    wf = host.start(spec("review"), {"amount": 10})
    with pytest.raises(WorkflowStepError) as err:
        host.complete(wf, host.ready_tasks(wf)[0].id, {})  # no 'decision' for the condition
    assert err.value.element_id == "decide"


def test_a_failing_condition_says_why(host, spec) -> None:
    wf = host.start(spec("review"), {"amount": 10})
    with pytest.raises(WorkflowStepError) as err:
        host.complete(wf, host.ready_tasks(wf)[0].id, {})
    assert "unknown name 'decision'" in str(err.value)


def test_end_state_is_none_while_running_then_names_the_end_event(host, spec) -> None:
    wf = host.start(spec("review"), {"amount": 10})
    assert host.end_state(wf) is None
    host.complete(wf, host.ready_tasks(wf)[0].id, {"decision": "reject"})
    assert host.ready_tasks(wf) == []
    assert host.end_state(wf) == EndState("end_rejected", {"status": "rejected"})


def test_the_accepted_path_ends_with_the_script_result(host, spec) -> None:
    wf = host.start(spec("review"), {"amount": 10})
    host.complete(wf, host.ready_tasks(wf)[0].id, {"decision": "accept"})
    host.complete(wf, host.ready_tasks(wf)[0].id, {"people": 4})
    assert host.end_state(wf) == EndState("end_accepted", {"status": "accepted"})
    assert host.data(wf)["share"] == 2.5


def test_an_emitting_node_is_reported_once(host, spec) -> None:
    wf = host.start(spec("review"), {"amount": 10})
    host.complete(wf, host.ready_tasks(wf)[0].id, {"decision": "accept"})
    assert host.look(wf).emitted == []
    host.complete(wf, host.ready_tasks(wf)[0].id, {"people": 4})
    [event] = host.look(wf).emitted
    assert event == Emitted("share", "shared", event.data)
    assert event.data["share"] == 2.5
    assert host.look(wf).emitted == []


def test_a_message_reaches_the_waiting_catch_event(host, spec) -> None:
    wf = host.start(spec("reply"), {})
    host.complete(wf, host.ready_tasks(wf)[0].id, {"question": "when?"})
    assert host.ready_tasks(wf) == []
    assert host.waiting_messages(wf) == ["reply"]
    host.deliver(wf, Message("reply", {"answer": "tomorrow"}))
    [read] = host.ready_tasks(wf)
    assert read.element_id == "read"
    assert read.data == {"question": "when?", "reply": {"answer": "tomorrow"}}
    assert host.waiting_messages(wf) == []


def test_a_message_nobody_waits_for_is_a_conflict(host, spec) -> None:
    wf = host.start(spec("reply"), {})
    with pytest.raises(ConflictError):
        host.deliver(wf, Message("reply", {}))  # still at the first user task
    host.complete(wf, host.ready_tasks(wf)[0].id, {})
    with pytest.raises(ConflictError):
        host.deliver(wf, Message("other", {}))
    assert host.waiting_messages(wf) == ["reply"]


def test_rewind_reopens_a_completed_user_task(host, spec) -> None:
    wf = host.start(spec("review"), {"amount": 10})
    [check] = host.ready_tasks(wf)
    host.complete(wf, check.id, {"decision": "accept"})
    assert host.rewind(wf, "check") == check.id
    [again] = host.ready_tasks(wf)
    assert (again.id, again.element_id) == (check.id, "check")
    assert again.data == {"amount": 10}
    host.complete(wf, again.id, {"decision": "reject"})
    assert host.end_state(wf) == EndState("end_rejected", {"status": "rejected"})


def test_rewind_to_a_step_not_yet_done_is_not_found(host, spec) -> None:
    wf = host.start(spec("review"), {"amount": 10})
    with pytest.raises(NotFoundError):
        host.rewind(wf, "approve")


def test_hosts_share_nothing_but_the_parsed_spec(spec) -> None:
    parsed = spec("review")
    first, second = WorkflowHost(), WorkflowHost()
    wf1 = first.start(parsed, {"amount": 1})
    wf2 = second.start(parsed, {"amount": 2})
    first.complete(wf1, first.ready_tasks(wf1)[0].id, {"decision": "reject"})
    assert first.end_state(wf1) is not None
    assert [t.data["amount"] for t in second.ready_tasks(wf2)] == [2]


def test_a_loop_that_never_waits_is_stopped_and_named(host, spec) -> None:
    """An attack (or a slip): a cycle in the diagram with nothing to wait for. The host stops
    after MAX_ENGINE_STEPS steps with an error naming the element, instead of holding the
    request (and, embedded, the one database connection) for ever."""
    wf = host.start(spec("spin"), {"n": 0, "limit": 10})  # a bounded loop is fine
    [done] = host.ready_tasks(wf)
    assert done.element_id == "done" and host.data(wf)["n"] == 10
    with pytest.raises(WorkflowStepError) as err:
        host.start(spec("spin"), {"n": 0, "limit": 10**9})
    assert str(MAX_ENGINE_STEPS) in str(err.value)
    assert err.value.element_id in ("count", "again")


def _separately(host: WorkflowHost, wf) -> tuple:
    """What the one walk must agree with: each read on its own walk."""
    return (host.ready_tasks(wf), host.waiting_timers(wf), host.end_state(wf), host.data(wf))


@pytest.mark.parametrize(
    ("name", "answers"),
    [
        ("review", [{"decision": "accept"}, {"people": 4}]),
        ("reply", [{"question": "when?"}]),
        ("deadline", [{}]),
    ],
)
def test_one_walk_finds_what_the_separate_reads_find(host, spec, name, answers) -> None:
    wf = host.start(spec(name), {"amount": 10})
    for given in [*answers, None]:
        look = host.look(wf)
        assert (look.ready, look.timers, look.end, look.data) == _separately(host, wf)
        if given is None or not look.ready:
            break
        host.complete(wf, look.ready[0].id, given)
    if name == "reply":
        assert host.look(wf).statuses == [] and host.waiting_messages(wf) == ["reply"]
