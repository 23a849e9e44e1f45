"""The only module that drives SpiffWorkflow objects. They never leave ``engine``.

Callers get plain :class:`ReadyTask` views and opaque :class:`BpmnWorkflow` handles that they
pass back to the host; they never call Spiff methods themselves.

Time: SpiffWorkflow reads the wall clock itself when a timer is reached (a duration timer's
due time) and when timers are refreshed (has it fired?). The host hands Spiff its own
:class:`~engine.clock.Clock` instead, for the length of each call that runs the workflow, so
that a test moving the clock moves Spiff's timers too.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.defaults import EndEvent, StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException, TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from engine.assignment import ReadyTask
from engine.clock import Clock, SystemClock
from engine.errors import ConflictError, NotFoundError, ScriptError, WorkflowStepError
from engine.script_sandbox import RestrictedScriptEngine
from engine.serialization import StateSerializer
from engine.spec_registry import ParsedSpec


@dataclass(frozen=True)
class WaitingTimer:
    """A timer event waiting to fire; ``activity_id`` is the task it is attached to."""

    task_id: str
    element_id: str
    kind: str | None
    due: datetime
    activity_id: str | None
    name: str = ""  # as the diagram names it ("报到超时 Late")


@dataclass(frozen=True)
class Emitted:
    """A flow node marked ``emit`` (warning, overdue …) that completed since the last look."""

    element_id: str
    kind: str
    data: Mapping[str, Any]


@dataclass(frozen=True)
class Message:
    """A BPMN message thrown by one workflow for the host to route to another."""

    name: str
    payload: Any


@dataclass(frozen=True)
class EndState:
    """Where a finished workflow ended."""

    element_id: str
    properties: Mapping[str, str]


@dataclass(frozen=True)
class Look:
    """Where a workflow stands after a step (see :meth:`WorkflowHost.look`)."""

    ready: list[ReadyTask]
    timers: list[WaitingTimer]
    statuses: list[str]  # the ``status`` properties of the events it waits on
    emitted: list[Emitted]
    end: EndState | None
    data: dict[str, Any]


class _ClockInUse(threading.local):
    """The clock of the host running Spiff code in this thread (None: the machine's)."""

    clock: Clock | None = None


_clock_in_use = _ClockInUse()


class _AnyDatetime(type):
    """Lets Spiff's ``isinstance(x, datetime)`` keep accepting plain datetimes."""

    def __instancecheck__(cls, instance: object) -> bool:
        return isinstance(instance, datetime)


class _HostDatetime(datetime, metaclass=_AnyDatetime):
    """``datetime`` as Spiff's timer module sees it: ``now()`` asks the host's clock."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        clock = _clock_in_use.clock
        current = clock.now() if clock is not None else datetime.now(UTC)
        if tz is None:
            return current.astimezone().replace(tzinfo=None)
        return current.astimezone(tz)


spiff_timer.datetime = _HostDatetime  # type: ignore[misc]


def _on_host_clock(method: Callable[..., Any]) -> Callable[..., Any]:
    """Run a host method that drives the workflow with the host's clock as Spiff's now."""

    @functools.wraps(method)
    def wrapped(self: WorkflowHost, *args: Any, **kwargs: Any) -> Any:
        with self.clock_in_use():
            return method(self, *args, **kwargs)

    return wrapped


def _completed(wf: BpmnWorkflow) -> list[Any]:
    """Every completed task, also inside a running multi-instance activity: filtering on
    the state in ``get_tasks`` does not descend below a task that is not finished itself,
    so a subprocess instance's steps (a department's report-in) were found only once all
    instances had finished."""
    return [t for t in wf.get_tasks() if t.state == TaskState.COMPLETED]


def _properties(task: Any) -> Mapping[str, str]:
    return getattr(task.task_spec, "extensions", {}).get("properties", {})


def _element_of(err: Exception) -> str | None:
    spec = getattr(err, "task_spec", None)
    return getattr(spec, "bpmn_id", None) or getattr(spec, "name", None)


def _explain(err: Exception) -> str:
    """The restricted evaluator's reason when Spiff wrapped one (as the cause, as the
    exception it carries, or as the error it was handling), else Spiff's message."""
    for cause in (err.__cause__, getattr(err, "exception", None), err.__context__):
        if isinstance(cause, ScriptError):
            return f"{err}: {cause}" if str(cause) not in str(err) else str(err)
    return str(err)


def _set_data(task: Any, variables: Mapping[str, Any]) -> None:
    """Set variables on a waiting task, and on the boundary-event split above it: a
    boundary event re-reads its data from there when it fires."""
    task.set_data(**variables)
    if isinstance(task.parent.task_spec, BoundaryEventSplit):
        task.parent.set_data(**variables)


def _ready_view(task: Any) -> ReadyTask:
    # Spiff gives a task inside a subprocess the subprocess's lane; a ``lane`` property
    # lets a designer put one such task in another role's lane.
    return ReadyTask(
        id=str(task.id),
        element_id=task.task_spec.bpmn_id,
        title=task.task_spec.bpmn_name or task.task_spec.bpmn_id,
        lane=_properties(task).get("lane") or task.task_spec.lane,
        properties=dict(_properties(task)),
        data=task.data,
    )


def _waiting_timer(task: Any) -> WaitingTimer | None:
    """The armed timer a waiting task is, with its due time (None: not a timer, or one
    Spiff has not given a time yet)."""
    definition = getattr(task.task_spec, "event_definition", None)
    if not isinstance(definition, TimerEventDefinition):
        return None
    value = task.internal_data.get("event_value")
    if isinstance(value, dict):
        value = value.get("next")
    if not value:
        return None
    activity = next((s for s in task.parent.children if s is not task and s.task_spec.manual), None)
    return WaitingTimer(
        task_id=str(task.id),
        element_id=task.task_spec.bpmn_id,
        kind=_properties(task).get("timer"),
        due=TimerEventDefinition.get_datetime(value),
        activity_id=str(activity.id) if activity is not None else None,
        name=task.task_spec.bpmn_name or "",
    )


def _variables(wf: BpmnWorkflow, ready: list[Any]) -> dict[str, Any]:
    """See :meth:`WorkflowHost.data`; ``ready``: the workflow's ready user tasks."""
    if wf.is_completed():
        return dict(wf.data) or dict(wf.last_task.data if wf.last_task else {})
    newest = max(ready, key=lambda t: t.last_state_change, default=wf.last_task)
    return dict(newest.data) if newest is not None else {}


def _take_emitted(task: Any) -> Emitted | None:
    """A completed node's ``emit`` event if not reported before; marks it reported."""
    kind = _properties(task).get("emit")
    if not kind or task.internal_data.get("gridcase_emitted"):
        return None
    task.internal_data["gridcase_emitted"] = True
    return Emitted(task.task_spec.bpmn_id, kind, dict(task.data))


# Engine steps (scripts, gateways, events) one call may run before it stops: a person's
# completion moves the closed loop a few dozen. (Left alone, SpiffWorkflow 3.2 runs a
# cycle until its task tree is 1,000 deep, then silently finds nothing ready: the case
# would be stuck with no error, after seconds of work.)
MAX_ENGINE_STEPS = 500


class _Runaway(Exception):
    def __init__(self, element_id: str | None):
        super().__init__(element_id)
        self.element_id = element_id


class WorkflowHost:
    """Starts, advances, serializes and inspects workflows with the restricted script engine."""

    def __init__(
        self,
        functions: Mapping[str, Callable[..., Any]] | None = None,
        clock: Clock | None = None,
    ):
        self.script_engine = RestrictedScriptEngine(functions)
        self.serializer = StateSerializer()
        self.clock: Clock = clock or SystemClock()

    @contextmanager
    def clock_in_use(self) -> Iterator[None]:
        """Make this host's clock Spiff's clock in this thread (re-entrant)."""
        previous = _clock_in_use.clock
        _clock_in_use.clock = self.clock
        try:
            yield
        finally:
            _clock_in_use.clock = previous

    @_on_host_clock
    def start(
        self, parsed: ParsedSpec, data: Mapping[str, Any], message: Message | None = None
    ) -> BpmnWorkflow:
        """Create a workflow, seed its start data and run it to the first waiting point;
        ``message`` triggers a message start event."""
        wf = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=self.script_engine)
        for task in wf.get_tasks(state=TaskState.READY):
            task.data.update(data)
        self._advance(wf)
        if message is not None:
            self.deliver(wf, message)
        return wf

    @staticmethod
    def start_message(parsed: ParsedSpec) -> str | None:
        """The message a process's start event waits for, if it starts on a message."""
        for spec in parsed.spec.task_specs.values():
            definition = getattr(spec, "event_definition", None)
            if isinstance(spec, StartEvent) and isinstance(definition, MessageEventDefinition):
                return definition.name
        return None

    def waiting_messages(self, wf: BpmnWorkflow) -> list[str]:
        """Names of the messages the workflow is waiting for."""
        return [
            t.task_spec.event_definition.name
            for t in wf.get_tasks(state=TaskState.WAITING)
            if isinstance(getattr(t.task_spec, "event_definition", None), MessageEventDefinition)
        ]

    @_on_host_clock
    def deliver(self, wf: BpmnWorkflow, message: Message) -> None:
        """Hand a message to the catch event waiting for it and run on.

        Raises:
            ConflictError: nothing in the workflow waits for this message.
            WorkflowStepError: a condition or script failed further on.
        """
        waiting = [
            t
            for t in wf.get_tasks(state=TaskState.WAITING)
            if isinstance(getattr(t.task_spec, "event_definition", None), MessageEventDefinition)
            and t.task_spec.event_definition.name == message.name
        ]
        if not waiting:
            raise ConflictError(f"the workflow is not waiting for message {message.name!r}")
        # Send the waiting event's own definition: Spiff matches by class as well as name.
        event = BpmnEvent(waiting[0].task_spec.event_definition, payload=message.payload)
        try:
            wf.send_event(event)
        except SpiffWorkflowException as err:
            raise WorkflowStepError(_explain(err), _element_of(err)) from err
        self._advance(wf)

    def element_states(self, wf: BpmnWorkflow) -> dict[str, set[str]]:
        """Which diagram elements have completed and which are active now (for drawing the
        process on the case page); elements of subprocesses are included."""
        states: dict[str, set[str]] = {"completed": set(), "active": set()}
        for task in wf.get_tasks():
            element = getattr(task.task_spec, "bpmn_id", None)
            if not element:
                continue
            if task.state == TaskState.COMPLETED:
                states["completed"].add(element)
            elif task.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED):
                states["active"].add(element)
        return states

    def take_messages(self, wf: BpmnWorkflow) -> list[Message]:
        """Messages thrown that nothing inside the workflow caught (for the host to route)."""
        return [
            Message(e.event_definition.name, e.payload)
            for e in wf.get_events()
            if isinstance(e.event_definition, MessageEventDefinition)
        ]

    def load(self, parsed: ParsedSpec, state: str) -> BpmnWorkflow:
        """Rebuild a stored workflow around its cached spec."""
        wf = self.serializer.load(state, parsed.spec, parsed.subprocess_specs)
        wf.script_engine = self.script_engine
        return wf

    def dump(self, wf: BpmnWorkflow) -> str:
        return self.serializer.dump(wf)

    def ready_tasks(self, wf: BpmnWorkflow) -> list[ReadyTask]:
        """The user tasks waiting for people, in tree order."""
        return [_ready_view(t) for t in wf.get_tasks(state=TaskState.READY, manual=True)]

    def look(self, wf: BpmnWorkflow) -> Look:
        """Where the workflow stands after a step, from one walk of its task tree (the
        separate reads below each walk it again); emitted nodes are marked reported."""
        ready, timers, statuses, emitted = [], [], [], []
        for task in wf.get_tasks():
            state = task.state
            if state == TaskState.READY:
                if task.task_spec.manual:
                    ready.append(task)
            elif state == TaskState.WAITING:
                timer = _waiting_timer(task)
                if timer is not None:
                    timers.append(timer)
                if "status" in _properties(task):
                    statuses.append(_properties(task)["status"])
            elif state == TaskState.COMPLETED:
                event = _take_emitted(task)
                if event is not None:
                    emitted.append(event)
        return Look(
            ready=[_ready_view(t) for t in ready],
            timers=timers,
            statuses=statuses,
            emitted=emitted,
            end=self.end_state(wf),
            data=_variables(wf, ready),
        )

    @_on_host_clock
    def complete(self, wf: BpmnWorkflow, task_id: str, data: Mapping[str, Any]) -> None:
        """Complete a ready user task with ``data`` and run on to the next waiting point.

        Raises:
            NotFoundError: the workflow has no such task.
            ConflictError: the task is not waiting (already completed or cancelled).
            WorkflowStepError: a condition or script failed further on.
        """
        try:
            task = wf.get_task_from_id(UUID(task_id))
        except (ValueError, TaskNotFoundException) as err:
            raise NotFoundError(f"task {task_id} not found") from err
        if task.state != TaskState.READY or not task.task_spec.manual:
            state = TaskState.get_name(task.state)
            raise ConflictError(f"task {task_id} is not waiting (state {state})")
        task.set_data(**data)
        try:
            task.run()
        except SpiffWorkflowException as err:
            raise WorkflowStepError(_explain(err), _element_of(err)) from err
        self._advance(wf)

    def _advance(self, wf: BpmnWorkflow) -> None:
        """Run the engine's own steps until everything waits for a person, a timer or a
        message — at most ``MAX_ENGINE_STEPS`` of them: a cycle with nothing to wait for
        is an error naming where it was, not a request that never ends."""
        steps = 0

        def counted(task: Any) -> None:
            nonlocal steps
            steps += 1
            if steps > MAX_ENGINE_STEPS:
                raise _Runaway(task.task_spec.bpmn_id)

        try:
            wf.do_engine_steps(did_complete_task=counted)
        except _Runaway as err:
            raise WorkflowStepError(
                f"the process ran {MAX_ENGINE_STEPS} steps without waiting for anyone or "
                f"anything: a loop in the diagram around {err.element_id!r}?",
                err.element_id,
            ) from None
        except SpiffWorkflowException as err:
            raise WorkflowStepError(_explain(err), _element_of(err)) from err

    @_on_host_clock
    def fire_due_timers(self, wf: BpmnWorkflow) -> None:
        """Let every timer whose time has come fire, and run on to the next waiting point."""
        wf.refresh_timers()
        self._advance(wf)

    def waiting_timers(self, wf: BpmnWorkflow) -> list[WaitingTimer]:
        """Every armed timer with its due time (Spiff computes it when the timer is reached)."""
        timers = (_waiting_timer(t) for t in wf.get_tasks(state=TaskState.WAITING))
        return [t for t in timers if t is not None]

    def move_timer(self, wf: BpmnWorkflow, timer_task_id: str, due: datetime) -> None:
        """Re-arm a waiting timer for a new time (extensions, suspension, supervisors).

        Raises:
            NotFoundError: no such waiting timer.
        """
        try:
            task = wf.get_task_from_id(UUID(timer_task_id))
        except (ValueError, TaskNotFoundException) as err:
            raise NotFoundError(f"no timer {timer_task_id}") from err
        if task.state != TaskState.WAITING:
            raise NotFoundError(f"timer {timer_task_id} is not waiting")
        value = task.internal_data.get("event_value")
        if isinstance(value, dict):  # a cycle timer: only its next firing moves
            value["next"] = due.isoformat()
        else:
            task.internal_data["event_value"] = due.isoformat()

    @_on_host_clock
    def rewind(self, wf: BpmnWorkflow, element_id: str) -> str:
        """Go back to the last completed run of a user task: it is ready again (same task id),
        and what came after it is undone (timers of the later steps are withdrawn).

        Raises:
            NotFoundError: the element was never completed in this workflow.
            WorkflowStepError: running on from there failed.
        """
        runs = [
            t for t in _completed(wf) if t.task_spec.manual and t.task_spec.bpmn_id == element_id
        ]
        if not runs:
            raise NotFoundError(f"{element_id} has not been done yet")
        target = max(runs, key=lambda t: t.last_state_change)
        wf.reset_from_task_id(target.id)
        # SpiffWorkflow 3.2.0 leaves the timers of the removed branch registered with the
        # event manager; the next refresh would then trip over tasks that have no parent.
        registered = wf.event_manager.tasks
        for task_id in [i for i, t in registered.items() if t.workflow.tasks.get(i) is not t]:
            del registered[task_id]
        self._advance(wf)
        return str(target.id)

    def edit_data(self, wf: BpmnWorkflow, variables: Mapping[str, Any]) -> dict[str, Any]:
        """Overwrite variables on every waiting task (they carry them on); returns the
        values they had before."""
        waiting = wf.get_tasks(state=TaskState.READY | TaskState.WAITING)
        before = {k: next((t.data.get(k) for t in waiting if k in t.data), None) for k in variables}
        for task in waiting:
            _set_data(task, variables)
        return before

    def terminate(self, wf: BpmnWorkflow) -> None:
        """Cancel the whole workflow (a supervisor ends the case)."""
        wf.cancel()

    def set_task_data(
        self, wf: BpmnWorkflow, task_ids: list[str], variables: Mapping[str, Any]
    ) -> None:
        """Overwrite process variables on waiting tasks; they carry them to later steps."""
        for task_id in task_ids:
            _set_data(wf.get_task_from_id(UUID(task_id)), variables)

    def end_state(self, wf: BpmnWorkflow) -> EndState | None:
        """The end event a completed workflow reached, or None while it runs."""
        if not wf.is_completed():
            return None
        ends = [
            t
            for t in wf.get_tasks(state=TaskState.COMPLETED, spec_class=EndEvent)
            if t.workflow is wf
        ]
        if not ends:
            return None
        last = max(ends, key=lambda t: t.last_state_change)
        return EndState(
            element_id=last.task_spec.bpmn_id,
            properties=dict(last.task_spec.extensions.get("properties", {})),
        )

    def data(self, wf: BpmnWorkflow) -> dict[str, Any]:
        """The current process variables: those of the newest waiting user task, else of the
        most recently finished task (branches of a parallel split carry their own copies)."""
        ready = [] if wf.is_completed() else wf.get_tasks(state=TaskState.READY, manual=True)
        return _variables(wf, ready)
