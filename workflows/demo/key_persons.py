"""Demo key persons: three per grid across the categories, a few visits already made, a
few overdue (their cycle counted from 40 days ago), one linked to the demo water meter."""

from __future__ import annotations

from datetime import timedelta

from workflows.domain.permissions import Actor
from workflows.services import care_visits, key_persons, timers
from workflows.services.context import GridcaseContext
from workflows.services.key_persons import PersonDraft

DISTRICT = "339901000000000"
KEEPER = Actor(0, "demo", "演示数据", (("key_person_officer", DISTRICT),))
FAMILY = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = (
    "建国",
    "秀英",
    "志强",
    "桂兰",
    "海峰",
    "玉梅",
    "德明",
    "淑珍",
    "小龙",
    "春花",
    "子轩",
    "梓涵",
)
ROTATION = (
    (["elderly_alone"], "medium"),
    (["community_correction"], "low"),
    (["disabled", "hardship"], "low"),
    (["mental_disorder"], "high"),
    (["left_behind_child"], "low"),
    (["released"], "medium"),
    (["empty_nest"], "low"),
    (["petitioner"], "medium"),
    (["drug_user"], "high"),
    (["veteran"], "low"),
    (["at_risk_youth"], "medium"),
    (["elderly_alone", "disabled"], "high"),
)
WATER_METER = ("339901001001002", "WM-0231")


def _id_number(n: int) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    base = f"339901{1940 + n % 60:04d}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return base + "10X98765432"[sum(int(d) * w for d, w in zip(base, weights, strict=True)) % 11]


def seed_demo_key_persons(ctx: GridcaseContext) -> int:
    """Register the demo persons unless the register has any; returns how many."""
    with ctx.uow() as uow:
        if uow.key_persons.listed([g.key for g in ctx.directory.grids()], limit=1)[1]:
            return 0
    people = []
    for i, grid in enumerate(g.key for g in ctx.directory.grids()):
        for j in range(3):
            n = i * 3 + j
            categories, risk = ROTATION[n % len(ROTATION)]
            device = WATER_METER[1] if (grid, j) == (WATER_METER[0], 0) else ""
            draft = PersonDraft(
                grid=grid,
                name=FAMILY[n % len(FAMILY)] + GIVEN[(n * 7) % len(GIVEN)],
                id_number=_id_number(n),
                phone=f"139{n:08d}",
                address=f"{_street_of(ctx, grid)}{n % 9 + 1}幢{n % 5 + 1}0{j + 1}",
                categories=categories if not device else ["elderly_alone"],
                risk_level=risk,
                guardians=[{"name": "家属" + str(n), "relation": "子女", "phone": f"137{n:08d}"}],
                device_id=device,
            )
            people.append(key_persons.register(ctx, KEEPER, draft))
    _overdue(ctx, [p.id for p in people[::7]])
    timers.fire_all_due(ctx)
    _visit_some(ctx)
    return len(people)


def _street_of(ctx: GridcaseContext, grid: str) -> str:
    return ctx.directory.get(grid).name_zh.replace("网格", "")


def _overdue(ctx: GridcaseContext, ids: list[int]) -> None:
    """Re-plan these persons' visits as if the last one was made an interval and three days
    ago: due three days ago, and missed."""
    rules = ctx.catalog.key_persons
    with ctx.uow() as uow:
        for person_id in ids:
            person = uow.key_persons.get(person_id)
            care_visits.stop_cycle(ctx, uow, person, "demo")
            uow.flush()
            interval = rules.interval(person.categories, person.risk_level)
            last = uow.now() - interval - timedelta(days=3)
            care_visits.start_cycle(ctx, uow, person, last, "demo")
        uow.commit()


def _visit_some(ctx: GridcaseContext) -> None:
    """The first grid worker has made two of this week's visits."""
    from workflows.services.accounts import load_actor

    worker = load_actor(ctx, "gw01")
    for task in [t for t in care_visits.my_tasks(ctx, worker) if not t.overdue][:2]:
        answers = {
            "seen_in_person": True,
            "situation": "本人在家，身体状况良好，情绪稳定",
            "risk_level": task.person.risk_level,
            "needs": "希望社区协助申请助餐服务",
            "problem": "none",
        }
        care_visits.complete(ctx, worker, task.task.id, answers)
