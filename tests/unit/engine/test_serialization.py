"""Workflow state round-trips as JSON without its spec and carries on around the cached one."""

from __future__ import annotations

import json

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from engine.host import EndState, WorkflowHost


def test_a_loaded_workflow_has_the_same_ready_tasks_and_data(host, spec) -> None:
    parsed = spec("review")
    wf = host.start(parsed, {"amount": 10})
    host.complete(wf, host.ready_tasks(wf)[0].id, {"decision": "accept"})
    loaded = host.load(parsed, host.dump(wf))
    assert host.ready_tasks(loaded) == host.ready_tasks(wf)
    assert host.data(loaded) == {"amount": 10, "decision": "accept"}


def test_a_loaded_workflow_carries_on_to_its_end(spec) -> None:
    parsed = spec("review")
    writer, reader = WorkflowHost(), WorkflowHost()  # as two web requests would
    wf = writer.start(parsed, {"amount": 9})
    writer.complete(wf, writer.ready_tasks(wf)[0].id, {"decision": "accept"})
    loaded = reader.load(parsed, writer.dump(wf))
    reader.complete(loaded, reader.ready_tasks(loaded)[0].id, {"people": 3})
    assert reader.end_state(loaded) == EndState("end_accepted", {"status": "accepted"})
    assert reader.data(loaded)["share"] == 3
    assert [e.element_id for e in reader.look(loaded).emitted] == ["share"]


def test_armed_timers_and_awaited_messages_survive_a_round_trip(host, clock, spec) -> None:
    deadline, reply = spec("deadline"), spec("reply")
    wf = host.start(deadline, {})
    loaded = host.load(deadline, host.dump(wf))
    assert host.waiting_timers(loaded) == host.waiting_timers(wf)
    clock.advance(hours=3)
    host.fire_due_timers(loaded)
    assert [t.element_id for t in host.ready_tasks(loaded)] == ["escalate"]

    wf = host.start(reply, {})
    host.complete(wf, host.ready_tasks(wf)[0].id, {})
    assert host.waiting_messages(host.load(reply, host.dump(wf))) == ["reply"]


def test_what_was_emitted_stays_reported_after_a_round_trip(host, spec) -> None:
    parsed = spec("review")
    wf = host.start(parsed, {"amount": 10})
    host.complete(wf, host.ready_tasks(wf)[0].id, {"decision": "accept"})
    host.complete(wf, host.ready_tasks(wf)[0].id, {"people": 2})
    assert len(host.look(wf).emitted) == 1
    assert host.look(host.load(parsed, host.dump(wf))).emitted == []


def test_the_state_does_not_embed_the_spec(host, spec) -> None:
    parsed = spec("review")
    wf = host.start(parsed, {"amount": 10})
    state = host.dump(wf)
    full = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    with_spec = full.serialize_json(wf)

    assert json.loads(state)["spec"] == "review"
    assert "task_specs" not in state
    assert "amount / people" not in state  # the script lives in the diagram only
    assert "task_specs" in with_spec and "amount / people" in with_spec
    assert len(state) < len(with_spec) / 2
