"""Timer benchmark: many pending timers in the database, a burst falling due at once, and a
steady stream; fired by real ``gridcase worker`` processes.

Cloning: one real case is driven to "waiting for the department" through the use cases;
its stored state is then copied N times with fresh task ids (bulk inserts), so the database
holds N genuine instances whose timers the normal firing path handles.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from engine.models import JournalEntry, ProcessInstance, TaskRecord, Wakeup
from workflows.adapters.models import Case
from workflows.services import cases
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
GRID = "339901001001001"


@dataclass
class Template:
    instance: ProcessInstance
    case: Case
    tasks: list[TaskRecord]
    warning_value: str  # the warning timer's stored due time, replaced per clone


def _template(ctx: GridcaseContext) -> Template:
    far = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    reporter, dispatcher = load_actor(ctx, "gw01"), load_actor(ctx, "cd01")
    detail = cases.report_case(ctx, reporter, cases.NewCase("02", "bench 模板", grid=GRID))
    detail = cases.complete(ctx, dispatcher, detail.tasks[0].task.id, {"decision": "accept"})
    dispatch = next(t.task.id for t in detail.tasks if t.task.state == "ready")
    detail = cases.complete(ctx, dispatcher, dispatch, {"department": "dept-cg", "deadline": far})
    with ctx.uow() as uow:
        instance = uow.instances.get(detail.case.instance_id or 0)
        tasks = list(uow.tasks.ready_for_instance(instance.id))
        wakeup = uow.wakeups.get(instance.id)
        assert wakeup is not None and wakeup.kind == "warning"
        warning_value = re.search(
            rf'"{wakeup.timer_task_id}".*?"event_value": "([^"]+)"', instance.state
        )
        return Template(instance, detail.case, tasks, warning_value.group(1))  # type: ignore[union-attr]


def clone(
    ctx: GridcaseContext, template: Template, dues: list[datetime], batch: int = 2000
) -> list[int]:
    """Insert one instance per due time whose warning timer fires at that time."""
    ids: list[int] = []
    t = template
    uuids = sorted(set(UUID_RE.findall(t.instance.state)))
    for start in range(0, len(dues), batch):
        chunk = dues[start : start + batch]
        with ctx.uow() as uow:
            first_number = uow.session.scalar(select(func.count()).select_from(Case)) or 0
            instance_rows, states = [], []
            for due in chunk:
                mapping = {u: str(uuid.uuid4()) for u in uuids}
                state = UUID_RE.sub(
                    lambda m, mp=mapping: mp.get(m.group(0), m.group(0)), t.instance.state
                )
                state = state.replace(t.warning_value, due.isoformat())
                states.append((state, mapping, due))
                instance_rows.append(
                    {
                        "version_id": t.instance.version_id,
                        "process_id": t.instance.process_id,
                        "business_key": "bench",
                        "status": "running",
                        "state": state,
                        "lock_version": 1,
                        "created_at": datetime.now(UTC),
                        "updated_at": datetime.now(UTC),
                        "paused_timers": {},
                    }
                )
            new_ids = list(
                uow.session.scalars(
                    insert(ProcessInstance).returning(ProcessInstance.id), instance_rows
                )
            )
            case_rows, task_rows, wake_rows = [], [], []
            for n, (instance_id, (_state, mapping, due)) in enumerate(
                zip(new_ids, states, strict=True)
            ):
                number = f"B{first_number + n:09d}"
                case_rows.append(
                    {
                        "number": number,
                        "instance_id": instance_id,
                        "process_id": "closed_loop",
                        "stream": t.case.stream,
                        "category": t.case.category,
                        "priority": t.case.priority,
                        "channel": t.case.channel,
                        "title": "bench",
                        "description": "bench",
                        "address": "",
                        "photos": [],
                        "grid_key": t.case.grid_key,
                        "review_unit_key": t.case.review_unit_key,
                        "department_key": "dept-cg",
                        "status": "dispatched",
                        "reporter_name": "bench",
                        "reporter_phone": "",
                        "return_count": 0,
                        "rework_count": 0,
                        "escalation_count": 0,
                        "alert_level": "normal",
                        "suspended": False,
                        "created_at": datetime.now(UTC),
                        "updated_at": datetime.now(UTC),
                    }
                )
                for task in t.tasks:
                    task_rows.append(
                        {
                            "id": mapping[task.id],
                            "instance_id": instance_id,
                            "business_key": number,
                            "element_id": task.element_id,
                            "title": task.title,
                            "lane": task.lane,
                            "role": task.role,
                            "unit_key": task.unit_key,
                            "unit_path": task.unit_path,
                            "form": task.form,
                            "properties": task.properties,
                            "state": "ready",
                            "created_at": datetime.now(UTC),
                            "due_at": task.due_at,
                        }
                    )
                wakeup = uow.wakeups.get(t.instance.id)
                wake_rows.append(
                    {
                        "instance_id": instance_id,
                        "due_at": due,
                        "element_id": wakeup.element_id,
                        "timer_task_id": mapping[wakeup.timer_task_id],
                        "kind": "warning",
                    }
                )
            uow.session.execute(insert(Case), case_rows)
            uow.session.execute(insert(TaskRecord), task_rows)
            uow.session.execute(insert(Wakeup), wake_rows)
            uow.commit()
        ids += new_ids
    return ids


def _start_workers(ctx: GridcaseContext, n: int, log_dir: Path) -> list[subprocess.Popen]:
    env_cmd = [str(Path(sys.executable).parent / "gridcase"), "worker"]
    env = {
        **os.environ,
        "GRIDCASE_DATABASE_URL": ctx.settings.database_url,
        "GRIDCASE_REDIS_URL": ctx.settings.redis_url or "",
    }
    log_dir.mkdir(parents=True, exist_ok=True)
    return [
        subprocess.Popen(
            env_cmd, env=env, stdout=(log_dir / f"w{i}.log").open("wb"), stderr=subprocess.STDOUT
        )
        for i in range(n)
    ]


def _fired_at(ctx: GridcaseContext, ids: list[int]) -> dict[int, datetime]:
    with ctx.uow() as uow:
        rows = uow.session.execute(
            select(JournalEntry.instance_id, func.min(JournalEntry.at))
            .where(JournalEntry.action == "warning", JournalEntry.instance_id.in_(ids))
            .group_by(JournalEntry.instance_id)
        )
        return {i: at for i, at in rows}


def _wait_all(ctx: GridcaseContext, ids: list[int], timeout: float) -> dict[int, datetime]:
    deadline = time.monotonic() + timeout
    fired: dict[int, datetime] = {}
    while time.monotonic() < deadline:
        fired = {}
        for start in range(0, len(ids), 5000):
            fired.update(_fired_at(ctx, ids[start : start + 5000]))
        if len(fired) == len(ids):
            break
        time.sleep(1)
    return fired


def run(
    ctx: GridcaseContext,
    pending: int,
    burst: int,
    rate: int,
    seconds: int,
    workers: int,
    log_dir: Path,
) -> str:
    """Pending timers far ahead, a burst due at once (drain rate), then, once the burst is
    drained, a steady stream (firing lag)."""
    template = _template(ctx)
    far = datetime.now(UTC) + timedelta(days=1)
    started = time.perf_counter()
    clone(ctx, template, [far + timedelta(seconds=i % 3600) for i in range(pending - burst)])
    burst_due = datetime.now(UTC) + timedelta(seconds=max(30, burst / 500))
    burst_ids = clone(ctx, template, [burst_due] * burst)
    setup = time.perf_counter() - started
    for instance_id in burst_ids:
        ctx.jobs.wake_at(instance_id, burst_due)
    procs = _start_workers(ctx, workers, log_dir)
    try:
        time.sleep(max((burst_due - datetime.now(UTC)).total_seconds(), 0))
        fired = _wait_all(ctx, burst_ids, timeout=1200)
        last = max(fired.values()) if fired else burst_due
        drain = len(fired) / max((last - burst_due).total_seconds(), 1e-3)

        steady_start = datetime.now(UTC) + timedelta(seconds=15)
        steady_dues = [steady_start + timedelta(seconds=i / rate) for i in range(rate * seconds)]
        steady_ids = clone(ctx, template, steady_dues)
        for instance_id, due in zip(steady_ids, steady_dues, strict=True):
            ctx.jobs.wake_at(instance_id, due)
        time.sleep(max((steady_dues[-1] - datetime.now(UTC)).total_seconds() + 5, 0))
        steady = _wait_all(ctx, steady_ids, timeout=300)
        lags = sorted(
            (steady[i] - due).total_seconds()
            for i, due in zip(steady_ids, steady_dues, strict=True)
            if i in steady
        )
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(10)
    q = statistics.quantiles(lags, n=100) if len(lags) > 1 else [0.0] * 99
    return (
        f"{pending} pending timers ({setup:.0f} s to create); burst of {burst} due at once: "
        f"{len(fired)} fired, drain {drain:.0f}/s with {workers} workers; "
        f"then steady {rate}/s for {seconds} s: {len(lags)} fired, lag p50 {q[49]:.2f} s, "
        f"p99 {q[98]:.2f} s"
    )
