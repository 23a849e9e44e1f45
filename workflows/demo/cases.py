"""A handful of demo cases at every stage of the closed loop, and three 12345 calls, so that
a newcomer's first `make run` shows full inboxes (the centres' too), a busy console and real
timelines. Everything but the one
overdue deadline goes through the same use cases the UI calls; seeded once, only into an
empty database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from engine import timers as instance_timers
from workflows.services import cases, hotline, residents, sensors, timers
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext

GRID1, GRID2, GRID3 = "339901001001001", "339901001001002", "339901001001003"

# (reporter, category, grid, description, address, steps: (element, user, data) …)
STORIES: list[tuple[str, str, str, str, str, list[tuple[str, str, dict[str, Any]]]]] = [
    ("gw01", "02", GRID1, "东湖路与湖滨路口人行道被占道经营，行人绕行", "东湖路18号", []),
    ("gw02", "01", GRID2, "小区东门外井盖破损，存在安全隐患", "湖滨小区东门", []),
    (
        "gw01",
        "02",
        GRID1,
        "绿化带内垃圾堆放三天未清运",
        "东湖路32号",
        [
            ("review", "cd01", {"decision": "accept", "comment": "属实"}),
        ],
    ),
    (
        "gw03",
        "02",
        GRID3,
        "沿街商铺油烟直排，居民投诉",
        "文昌街7号",
        [
            ("review", "cd01", {"decision": "accept"}),
            ("dispatch", "cd01", {"department": "dept-cg"}),
        ],
    ),
    (
        "gw01",
        "02",
        GRID1,
        "共享单车乱停放堵塞消防通道",
        "东湖路5号",
        [
            ("review", "cd01", {"decision": "accept"}),
            ("dispatch", "cd01", {"department": "dept-sj"}),
            ("sign", "dh-sj", {"decision": "return", "reason": "不属于市场监管职责，建议派城管"}),
            ("dispatch", "cd01", {"department": "dept-cg"}),
            ("sign", "dh-cg", {"decision": "accept"}),
        ],
    ),
    (
        "gw01",
        "02",
        GRID1,
        "路灯连续三晚不亮",
        "东湖路路灯 DH-12",
        [
            ("review", "cd01", {"decision": "accept"}),
            ("dispatch", "cd01", {"department": "dept-cg"}),
            ("sign", "dh-cg", {"decision": "accept"}),
            ("handle", "dh-cg", {"result": "已更换灯具，恢复照明"}),
        ],
    ),
    (
        "gw01",
        "02",
        GRID1,
        "楼道堆放杂物",
        "东湖小区2幢",
        [
            ("review", "cd01", {"decision": "accept"}),
            ("dispatch", "cd01", {"department": "dept-cg"}),
            ("sign", "dh-cg", {"decision": "accept"}),
            ("handle", "dh-cg", {"result": "已清理并张贴告知书"}),
            ("verify", "gw01", {"fixed": True, "comment": "现场已清理"}),
            ("evaluate", "gw01", {"satisfaction": "satisfied"}),
        ],
    ),
    (
        "gw03",
        "02",
        GRID3,
        "夜间施工噪音扰民",
        "文昌街工地",
        [
            ("review", "cd01", {"decision": "accept"}),
            ("dispatch", "cd01", {"department": "dept-sj"}),
        ],
    ),
    ("gw02", "15", GRID2, "邻里因漏水赔偿发生纠纷", "湖滨小区5幢", []),
]
OVERDUE = 7  # the story whose signing deadline has passed
# Calls at the 12345 desk: a public-service work order for the 12345 centre, a city-management
# one the digital city-management centre registers, one answered directly (its return visit
# waits in rx01's inbox).
CALLS = [
    hotline.Call(
        "赵先生",
        "13912345678",
        "01",
        "小区地下车库夜间有人撬电动车锁",
        grid=GRID2,
        address="湖滨小区地下车库",
    ),
    hotline.Call(
        "钱女士",
        "13698765432",
        "02",
        "楼下餐馆油烟直排进窗户",
        grid=GRID1,
        address="东湖路21号",
        event_code=None,
    ),
    hotline.Call(
        "孙女士",
        "13511112222",
        "02",
        "咨询厨余垃圾每天几点可以投放",
        grid=GRID3,
        answer="厨余垃圾投放时间为每天7:00–9:00、18:00–20:00，已告知小区投放点位置",
    ),
]


# A resident's report from the public page (随手拍), without an account: the centre registers it.
RESIDENT_REPORT = residents.Report(
    "02",
    "小区南门人行道上的井盖松动，踩上去会响，晚上看不清容易绊倒",
    address="东湖小区南门人行道",
)


def _step(ctx: GridcaseContext, number: str, element: str, user: str, data: Mapping) -> None:
    actor = load_actor(ctx, user)
    detail = cases.get_case(ctx, actor, number)
    ready = [t.task for t in detail.tasks if t.task.state == "ready"]
    task = next(t for t in ready if t.element_id == element and ctx.permissions.may_work(actor, t))
    cases.complete(ctx, actor, task.id, data)


def seed_demo_cases(ctx: GridcaseContext) -> int:
    """Create the demo cases unless the database already has cases; returns how many."""
    with ctx.uow() as uow:
        if uow.cases.count() > 0:
            return 0
    numbers = []
    for reporter, category, grid, text, address, steps in STORIES:
        new = cases.NewCase(category, text, grid=grid, address=address)
        number = cases.report(ctx, load_actor(ctx, reporter), new).number
        for element, user, data in steps:
            _step(ctx, number, element, user, data)
        numbers.append(number)
    _make_overdue(ctx, numbers[OVERDUE])
    alert = sensors.Alert(
        device_id="WM-0231",
        kind="water_idle",
        observed_at=ctx.clock.now(),
        reading={"idle_hours": 49},
        grid=GRID2,
        address="湖滨小区3幢201（独居老人）",
    )
    sensors.receive_alert(ctx, load_actor(ctx, "iot-gw"), alert)
    desk = load_actor(ctx, "rx01")
    for call in CALLS:
        hotline.take_call(ctx, desk, call)
    grid = ctx.directory.get(GRID1)
    place = replace(RESIDENT_REPORT, lat=grid.lat, lon=grid.lon)
    residents.report(ctx, None, place)
    return len(numbers) + 1 + len(CALLS) + 1


def _make_overdue(ctx: GridcaseContext, number: str) -> None:
    """As if the department had let the signing deadline pass: its timer fires now."""
    with ctx.uow() as uow:
        instance_id = uow.cases.by_number(number).instance_id or 0
    detail = cases.get_case(ctx, load_actor(ctx, "admin"), number)
    overdue = next(t for t in detail.timers if t.kind == "overdue")
    with ctx.uow() as uow:
        instance_timers.move_timer(
            uow, ctx.runtime, instance_id, overdue.task_id, uow.now(), "demo", "演示"
        )
        uow.commit()
    timers.fire(ctx, instance_id)
