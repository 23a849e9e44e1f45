"""The key-person register and its care visits: visit frequency per category and risk, the
warning and the missed visit's supervision, a visit opening a linked case, access control
for every role with each unmasking journaled, spreadsheet import with bad rows."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import Workbook

from engine.errors import FieldErrors
from workflows.domain.errors import ConflictError, NotFoundError
from workflows.services import (
    care_visits,
    cases,
    key_person_sheets,
    key_persons,
    notifications,
    timers,
)
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext
from workflows.services.key_persons import PersonDraft

GRID1 = "339901001001001"
GRID2 = "339901001001002"
OTHER_STREET_GRID = "339901002001001"
ID_NUMBER = "420202199001011231"


def _draft(**kw) -> PersonDraft:
    base = {
        "grid": GRID1,
        "name": "张三",
        "id_number": ID_NUMBER,
        "phone": "13800001234",
        "address": "东湖路8号3单元",
        "categories": ["community_correction"],
        "risk_level": "low",
        "guardians": [{"name": "张大", "relation": "父亲", "phone": "13900005678"}],
    }
    return PersonDraft(**(base | kw))


def _register(ctx: GridcaseContext, user: str = "gw01", **kw) -> key_persons.PersonView:
    return key_persons.register(ctx, load_actor(ctx, user), _draft(**kw))


def _fire_all(ctx: GridcaseContext) -> None:
    while timers.fire_all_due(ctx):
        pass


def test_visit_interval_follows_category_and_risk(ctx: GridcaseContext) -> None:
    now = ctx.clock.now()
    low = _register(ctx)
    assert low.next_visit_due == pytest.approx(now + timedelta(days=30), abs=timedelta(minutes=1))
    high = _register(ctx, name="李四", id_number="", risk_level="high")
    assert high.next_visit_due - now == pytest.approx(timedelta(days=7), abs=timedelta(minutes=1))
    # several categories: the shortest interval (elderly living alone at high risk: 3 days)
    both = _register(
        ctx, name="王五", id_number="", categories=["veteran", "elderly_alone"], risk_level="high"
    )
    assert both.next_visit_due - now == pytest.approx(timedelta(days=3), abs=timedelta(minutes=1))
    # a visit is in the inbox from 7 days before it is due: the monthly one not yet
    gw = load_actor(ctx, "gw01")
    _fire_all(ctx)
    assert {t.person.name for t in care_visits.my_tasks(ctx, gw)} == {"李四", "王五"}
    ctx.clock.advance(days=24)
    _fire_all(ctx)
    assert {t.person.name for t in care_visits.my_tasks(ctx, gw)} == {"张三", "李四", "王五"}


def _visit(ctx: GridcaseContext, name: str, user: str = "gw01", **answers):
    actor = load_actor(ctx, user)
    task = next(
        t for t in care_visits.my_tasks(ctx, actor) if t.person.name == name and not t.is_press
    )
    data = {"seen_in_person": True, "situation": "在家，情绪稳定", "risk_level": "low"}
    data |= {"problem": "none"} | answers
    return task, care_visits.complete(ctx, actor, task.task.id, data)


def test_visit_records_and_a_risk_change_shortens_the_interval(ctx: GridcaseContext) -> None:
    person = _register(ctx, risk_level="low")
    ctx.clock.advance(days=24)
    _fire_all(ctx)
    task, _ = _visit(ctx, "张三", risk_level="high")
    detail = key_persons.get(ctx, load_actor(ctx, "gw01"), person.id)
    assert detail.person.risk_level == "high"
    now = ctx.clock.now()
    assert detail.person.next_visit_due - now == pytest.approx(
        timedelta(days=7), abs=timedelta(minutes=1)
    )
    assert [v.visit.visited_at is not None for v in detail.visits] == [False, True]
    assert detail.changes[0].action == "visited"
    assert detail.changes[0].changes["risk_level"] == ["low", "high"]
    # the same task twice: a clear conflict
    with pytest.raises(ConflictError):
        care_visits.complete(
            ctx,
            load_actor(ctx, "gw01"),
            task.task.id,
            {"seen_in_person": True, "situation": "x", "risk_level": "low", "problem": "none"},
        )


def test_missed_visit_warns_then_goes_to_the_community(ctx: GridcaseContext) -> None:
    person = _register(ctx, categories=["elderly_alone"], risk_level="medium")  # every 7 days
    _fire_all(ctx)
    ctx.clock.advance(days=5, hours=1)  # warning 2 days before
    _fire_all(ctx)
    gw, gl = load_actor(ctx, "gw01"), load_actor(ctx, "gl01")
    kinds = [n.notice.kind for n in notifications.for_actor(ctx, gw)]
    assert "care_warning" in kinds
    assert care_visits.my_tasks(ctx, gl) == []
    ctx.clock.advance(days=2)
    _fire_all(ctx)
    [press] = care_visits.my_tasks(ctx, gl)
    assert press.is_press and press.person.id == person.id and press.overdue
    leader_kinds = [n.notice.kind for n in notifications.for_actor(ctx, gl)]
    with ctx.uow() as uow:
        counts = uow.key_persons.visit_counts(
            [GRID1], ctx.clock.now() - timedelta(days=30), ctx.clock.now(), ctx.clock.now()
        )
    assert "care_missed" in leader_kinds
    assert counts[GRID1] == {"due": 1, "done": 0, "on_time": 0, "missed": 1}
    # the visit stays open for the grid worker; done late, it counts as done, not on time,
    # and the press is over (nothing is left to press)
    _visit(ctx, "张三")
    assert care_visits.my_tasks(ctx, gl) == []
    with pytest.raises(ConflictError):
        care_visits.complete(ctx, gl, press.task.id, {"note": "已电话督促，今日补访"})
    with ctx.uow() as uow:
        counts = uow.key_persons.visit_counts(
            [GRID1], ctx.clock.now() - timedelta(days=30), ctx.clock.now(), ctx.clock.now()
        )
    assert counts[GRID1] == {"due": 1, "done": 1, "on_time": 0, "missed": 1}


def test_a_visit_that_finds_a_problem_opens_a_linked_case(ctx: GridcaseContext) -> None:
    person = _register(ctx, risk_level="high")
    _fire_all(ctx)
    _visit(
        ctx,
        "张三",
        problem="dispute",
        problem_description="与邻居因漏水发生争执，需要调解",
    )
    gw = load_actor(ctx, "gw01")
    detail = key_persons.get(ctx, gw, person.id)
    number = next(v.case_number for v in detail.visits if v.case_number)
    case = cases.get_case(ctx, load_actor(ctx, "cd01"), number).case
    assert (case.process_id, case.category) == ("dispute_mediation", "15")
    assert case.channel == "care_visit"
    # the case carries no personal data of the register
    for text in (case.title, case.description, case.reporter_name, case.reporter_phone):
        assert "张三" not in text and ID_NUMBER not in text and "13800001234" not in text


def test_who_sees_the_register_and_every_opening_is_journaled(ctx: GridcaseContext) -> None:
    person = _register(ctx)
    other = _register(ctx, "gw02", grid=GRID2, name="赵六", id_number="")
    allowed = {"gw01": {person.id}, "gl01": {person.id, other.id}, "cd01": {person.id, other.id}}
    allowed |= {"zd01": {person.id, other.id}}
    for user, ids in allowed.items():
        seen = {p.id for p in key_persons.find(ctx, load_actor(ctx, user)).people}
        assert seen == ids, user
    for user in ("gw02", "dh-cg", "designer", "sup01", "cmd01", "sd01", "admin"):
        if user == "gw02":
            assert {p.id for p in key_persons.find(ctx, load_actor(ctx, user)).people} == {other.id}
        else:
            assert key_persons.find(ctx, load_actor(ctx, user)).people == [], user
        with pytest.raises(NotFoundError):
            key_persons.get(ctx, load_actor(ctx, user), person.id)
        with pytest.raises(NotFoundError):
            key_persons.disclose(ctx, load_actor(ctx, user), person.id, ["phone"], "查看")

    gw = load_actor(ctx, "gw01")
    view = key_persons.get(ctx, gw, person.id).person
    assert view.id_number == "4202************31" and view.phone == "138****1234"
    assert view.guardians[0]["phone"] == "139****5678"
    with pytest.raises(FieldErrors) as err:
        key_persons.disclose(ctx, gw, person.id, ["id_number"], "")
    assert "reason" in err.value.fields
    opened = key_persons.disclose(ctx, gw, person.id, ["id_number", "phone"], "核对身份")
    assert (opened.id_number, opened.phone) == (ID_NUMBER, "13800001234")
    detail = key_persons.get(ctx, load_actor(ctx, "zd01"), person.id)
    assert detail.person.phone == "138****1234"  # opening is per request, not for everyone
    assert sorted((d.actor, d.field, d.reason) for d in detail.disclosures) == [
        ("gw01", "id_number", "核对身份"),
        ("gw01", "phone", "核对身份"),
    ]
    # the journal masks what it records
    created = detail.changes[-1]
    assert created.action == "created" and ID_NUMBER not in str(created.changes)
    # the export is masked
    rows = key_person_sheets.export_rows(ctx, gw)
    assert ID_NUMBER not in str(rows) and "13800001234" not in str(rows)


def test_a_grid_worker_cannot_register_outside_the_grid_and_duplicates_are_refused(
    ctx: GridcaseContext,
) -> None:
    _register(ctx)
    with pytest.raises(FieldErrors) as err:
        _register(ctx, grid=GRID2, id_number="")
    assert "grid" in err.value.fields
    with pytest.raises(FieldErrors) as err:
        _register(ctx, name="张三二")
    assert "id_number" in err.value.fields
    with pytest.raises(FieldErrors) as err:
        _register(ctx, id_number="420202199001011232", categories=["nonsense"], risk_level="x")
    assert {"id_number", "categories", "risk_level"} <= set(err.value.fields)


def _sheet(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号", "联系电话", "网格", "住址", "类别", "风险等级", "监护人"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_spreadsheet_import_reports_bad_rows_and_keeps_the_good(ctx: GridcaseContext) -> None:
    data = _sheet(
        [
            [
                "陈一",
                ID_NUMBER,
                "13800000001",
                "东湖社区第一网格",
                "东湖路1号",
                "独居老人",
                "高风险",
                "",
            ],
            ["陈二", "123", "13800000002", GRID1, "东湖路2号", "残疾人", "低风险", ""],
            ["", "", "", "", "", "", "", ""],
            ["陈三", "", "abc", GRID1, "东湖路3号", "外星人", "低风险", ""],
            ["陈四", ID_NUMBER, "", GRID1, "东湖路4号", "空巢老人", "中风险", ""],
            ["陈五", "", "", GRID2, "东湖路5号", "空巢老人", "中风险", ""],
            ["陈六", "", "", GRID1, "东湖路6号", "留守儿童、残疾人", "", "陈大"],
        ]
    )
    report = key_person_sheets.import_sheet(ctx, load_actor(ctx, "gw01"), data, "名单.xlsx")
    assert report.added == 2
    assert [(p.row, sorted(p.fields)) for p in report.problems] == [
        (3, ["id_number"]),
        (5, ["categories", "phone"]),
        (6, ["id_number"]),
        (7, ["grid"]),
    ]
    people = key_persons.find(ctx, load_actor(ctx, "gw01")).people
    assert sorted((p.name, p.categories, p.risk_level) for p in people) == [
        ("陈一", ("elderly_alone",), "high"),
        ("陈六", ("left_behind_child", "disabled"), "low"),
    ]
    with pytest.raises(FieldErrors):
        key_person_sheets.import_sheet(ctx, load_actor(ctx, "gw01"), b"not a sheet", "x.xlsx")


def test_removal_stops_visits_and_retention_erases(ctx: GridcaseContext) -> None:
    person = _register(ctx, risk_level="high")
    _fire_all(ctx)
    gw = load_actor(ctx, "gw01")
    assert care_visits.my_tasks(ctx, gw)
    key_persons.remove(ctx, gw, person.id, "迁出本辖区")
    assert care_visits.my_tasks(ctx, gw) == []
    assert key_persons.find(ctx, gw).people == []
    assert key_persons.erase_expired(ctx) == 0
    ctx.clock.advance(days=ctx.catalog.key_persons.retention_days + 1)
    assert key_persons.erase_expired(ctx) == 1
    with pytest.raises(NotFoundError):
        key_persons.get(ctx, gw, person.id)


def test_a_device_alert_of_a_key_persons_device_goes_on_their_record(
    ctx: GridcaseContext,
) -> None:
    from engine.db import utcnow
    from workflows.services import sensors

    person = _register(ctx, device_id="WM-0099")
    alert = sensors.Alert("WM-0099", "water_idle", utcnow(), {"idle_hours": 50}, grid=GRID1)
    number = sensors.receive_alert(ctx, load_actor(ctx, "iot-gw"), alert).number
    detail = key_persons.get(ctx, load_actor(ctx, "gw01"), person.id)
    assert [c.number for c in detail.alerts] == [number]
    assert detail.changes[0].action == "alerted" and detail.changes[0].changes["case"] == number
    # the case page names the person only to those who keep the register
    assert key_persons.person_of_device(ctx, load_actor(ctx, "gw01"), "WM-0099").id == person.id
    assert key_persons.person_of_device(ctx, load_actor(ctx, "sup01"), "WM-0099") is None
    assert key_persons.person_of_device(ctx, load_actor(ctx, "dh-cg"), "WM-0099") is None


def test_a_change_keeps_unseen_masked_fields_and_replans_on_a_new_risk(
    ctx: GridcaseContext,
) -> None:
    person = _register(ctx)
    gw = load_actor(ctx, "gw01")
    changed = key_persons.update(
        ctx,
        gw,
        person.id,
        _draft(id_number=None, phone=None, guardians=None, risk_level="high", notes="新增备注"),
    )
    assert changed.next_visit_due - ctx.clock.now() == pytest.approx(
        timedelta(days=7), abs=timedelta(minutes=1)
    )
    opened = key_persons.disclose(ctx, gw, person.id, ["id_number", "phone", "guardians"], "核对")
    assert (opened.id_number, opened.phone) == (ID_NUMBER, "13800001234")
    assert opened.guardians[0]["name"] == "张大"
    change = key_persons.get(ctx, gw, person.id).changes[0]
    assert change.action == "updated" and set(change.changes) == {"risk_level", "notes"}
    # one open visit cycle only: the old one was withdrawn
    _fire_all(ctx)
    assert len([t for t in care_visits.my_tasks(ctx, gw) if t.person.id == person.id]) == 1


def test_a_press_done_first_leaves_the_visit_and_a_replan_cancels_the_missed_cycle(
    ctx: GridcaseContext,
) -> None:
    person = _register(ctx, categories=["elderly_alone"], risk_level="medium")
    _fire_all(ctx)
    ctx.clock.advance(days=7, hours=1)
    _fire_all(ctx)
    gw, gl = load_actor(ctx, "gw01"), load_actor(ctx, "gl01")
    [press] = care_visits.my_tasks(ctx, gl)
    care_visits.complete(ctx, gl, press.task.id, {"note": "已电话督促"})
    assert care_visits.my_tasks(ctx, gl) == []
    [visit] = care_visits.my_tasks(ctx, gw)
    assert visit.overdue
    now = ctx.clock.now()

    def counts() -> dict[str, int]:
        with ctx.uow() as uow:
            return uow.key_persons.visit_counts([GRID1], now - timedelta(days=30), now, now)[GRID1]

    assert counts() == {"due": 1, "done": 0, "on_time": 0, "missed": 1}
    # re-planned (a new risk level): the missed cycle stays missed but is overdue no more
    key_persons.update(
        ctx,
        gw,
        person.id,
        _draft(
            id_number=None,
            phone=None,
            guardians=None,
            categories=["elderly_alone"],
            risk_level="high",
        ),
    )
    with ctx.uow() as uow:
        assert uow.key_persons.visit_counts([GRID1], now - timedelta(days=30), now, now)[GRID1] == {
            "due": 1,
            "done": 0,
            "on_time": 0,
            "missed": 1,
        }
        assert uow.key_persons.overdue_by_grid([GRID1], ctx.clock.now()) == {}
    [fresh] = [t for t in care_visits.my_tasks(ctx, gw) if t.person.id == person.id] or [None]
    assert fresh is None or not fresh.overdue


def test_a_cycle_planned_in_the_past_warns_and_is_missed_at_once(ctx: GridcaseContext) -> None:
    person = _register(ctx, categories=["elderly_alone"], risk_level="medium")
    with ctx.uow() as uow:
        row = uow.key_persons.get(person.id)
        care_visits.stop_cycle(ctx, uow, row, "test")
        uow.flush()
        care_visits.start_cycle(ctx, uow, row, uow.now() - timedelta(days=10), "test")
        uow.commit()
    _fire_all(ctx)
    kinds = [n.notice.kind for n in notifications.for_actor(ctx, load_actor(ctx, "gl01"))]
    assert "care_missed" in kinds
    [press] = care_visits.my_tasks(ctx, load_actor(ctx, "gl01"))
    assert press.is_press
