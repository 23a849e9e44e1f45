"""Daily work found awkward in use, through the pages: the next task after a submission,
the dispatcher's instructions and the before / after photos beside a form, extension
requests decided from the inbox, notices with an unread badge, supervisors' edits in words."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from tests.app_fixtures import PASSWORD
from tests.images import png
from tests.processes.helpers import accepted, ready, report, step
from web import create_app
from workflows.adapters import queries
from workflows.domain.errors import ConflictError
from workflows.services import attachments, cases, deadlines, overrides
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext


def _web(ctx: GridcaseContext, user: str) -> FlaskClient:
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False}, ctx)
    web = app.test_client()
    assert web.post("/login", data={"username": user, "password": PASSWORD}).status_code == 302
    return web


def _dispatched(ctx: GridcaseContext, instructions: str = "") -> str:
    number = accepted(ctx)
    step(ctx, number, "dispatch", "cd01", {"department": "dept-cg", "instructions": instructions})
    return number


def test_after_signing_the_handling_opens_with_the_dispatchers_instructions(
    ctx: GridcaseContext,
) -> None:
    number = _dispatched(ctx, instructions="请今日内清理，注意安全")
    web = _web(ctx, "dh-cg")
    sign = ready(ctx, number)[0]
    page = web.get(f"/tasks/{sign.id}").get_data(as_text=True)
    assert "派遣意见" in page and "请今日内清理，注意安全" in page

    answer = web.post(f"/tasks/{sign.id}", data={"decision": "accept"})
    handle = ready(ctx, number)[0]
    assert answer.status_code == 302 and answer.headers["Location"] == f"/tasks/{handle.id}"
    page = web.get(answer.headers["Location"]).get_data(as_text=True)
    assert "本案下一步" in page and "请今日内清理，注意安全" in page

    last = web.post(f"/tasks/{handle.id}", data={"result": "已清理"})
    assert last.headers["Location"] == f"/cases/{number}"  # nothing else waits for dh-cg
    assert "暂无其他待办" in web.get(last.headers["Location"]).get_data(as_text=True)


def test_the_verifier_sees_the_result_and_the_photos_before_and_after(
    ctx: GridcaseContext,
) -> None:
    gw01 = load_actor(ctx, "gw01")
    detail = cases.report_case(
        ctx,
        gw01,
        cases.NewCase("02", "占道经营", grid="339901001001001"),
        [attachments.Upload("before.png", "image/png", io.BytesIO(png()))],
    )
    number = detail.case.number
    step(ctx, number, "review", "cd01", {"decision": "accept"})
    step(ctx, number, "dispatch", "cd01", {"department": "dept-cg"})
    step(ctx, number, "sign", "dh-cg", {"decision": "accept"})
    handle = ready(ctx, number)[0]
    after_photo = attachments.Upload("after.png", "image/png", io.BytesIO(png()))
    cases.complete(
        ctx,
        load_actor(ctx, "dh-cg"),
        handle.id,
        {"result": "摊位已清理"},
        photos={"photos": [after_photo]},
    )
    verify = ready(ctx, number)[0]
    view, _detail = cases.get_task(ctx, gw01, verify.id)
    result, photos = view.shown
    assert (result.title, result.value) == ("处置结果", "摊位已清理")
    assert [a.file_name for a in photos.before] == ["before.png"]
    assert [a.file_name for a in photos.after] == ["after.png"]

    page = _web(ctx, "gw01").get(f"/tasks/{verify.id}").get_data(as_text=True)
    assert "处置前（上报）" in page and "摊位已清理" in page
    thumb = f"/files/{photos.before[0].id}/thumb"
    assert thumb in page  # the small copy in the page, the full photo behind the link
    answer = _web(ctx, "gw01").get(thumb)
    assert answer.status_code == 200 and answer.mimetype == "image/jpeg"
    assert page.index("before.png") < page.index("after.png")


def test_an_extension_is_asked_from_the_task_and_decided_from_the_inbox(
    ctx: GridcaseContext,
) -> None:
    number = _dispatched(ctx)
    sign = ready(ctx, number)[0]
    handler = _web(ctx, "dh-cg")
    until = (sign.due_at + timedelta(days=3)).astimezone(ctx.calendar.timezone)
    handler.post(
        f"/tasks/{sign.id}/extension",
        data={"until": until.strftime("%Y-%m-%dT%H:%M"), "reason": "等待配件到货"},
    )
    page = handler.get(f"/tasks/{sign.id}").get_data(as_text=True)
    assert "等待派遣员审批" in page and "Ask for more time" not in page
    timeline = handler.get(f"/cases/{number}").get_data(as_text=True)
    assert "申请延至" in timeline and until.strftime("%Y-%m-%d %H:%M") in timeline

    dispatcher = _web(ctx, "cd01")
    inbox = dispatcher.get("/inbox").get_data(as_text=True)
    assert "延期申请" in inbox and "等待配件到货" in inbox
    request_id = re.search(r"/extensions/(\d+)/decide", inbox).group(1)
    answer = dispatcher.post(f"/extensions/{request_id}/decide", data={"approve": "yes"})
    assert answer.status_code == 302
    assert "延期申请" not in dispatcher.get("/inbox").get_data(as_text=True)
    moved = ready(ctx, number)[0]
    assert moved.due_at.replace(second=0, microsecond=0) == until.replace(second=0, microsecond=0)
    assert "等待派遣员审批" not in handler.get(f"/tasks/{sign.id}").get_data(as_text=True)
    assert "延期申请" not in _web(ctx, "dh-cg").get("/inbox").get_data(as_text=True)


def test_notices_have_an_unread_count_and_a_page(ctx: GridcaseContext) -> None:
    number = _dispatched(ctx)
    sign = ready(ctx, number)[0]
    until = sign.due_at + timedelta(days=2)
    deadlines.request_extension(ctx, load_actor(ctx, "dh-cg"), sign.id, "等配件", until)
    web = _web(ctx, "cd01")
    assert web.get("/notices/unread.json").get_json() == {"unread": 1}
    page = web.get("/notices").get_data(as_text=True)
    assert "延期" in page and f"/cases/{number}" in page and 'id="unread-badge"' in page
    notice_id = re.search(r"/notices/(\d+)/read", page).group(1)
    web.post(f"/notices/{notice_id}/read")
    assert web.get("/notices/unread.json").get_json() == {"unread": 0}


def test_a_variable_edit_reads_in_words_on_the_timeline(ctx: GridcaseContext) -> None:
    number = _dispatched(ctx)
    overrides.edit_data(ctx, load_actor(ctx, "sup01"), number, {"priority": "urgent"}, "领导关注")
    page = _web(ctx, "sup01").get(f"/cases/{number}").get_data(as_text=True)
    timeline = page[page.index('id="timeline"') :]
    assert "<dt>紧急程度</dt><dd>一般 → 紧急</dd>" in timeline


def test_in_english_forms_and_answers_read_in_english(ctx: GridcaseContext) -> None:
    number = _dispatched(ctx, instructions="请尽快")
    web = _web(ctx, "dh-cg")
    web.post("/lang/en", data={"next": "/inbox"})
    sign = ready(ctx, number)[0]
    page = web.get(f"/tasks/{sign.id}").get_data(as_text=True)
    assert "Sign decision" in page and "Return" in page and "签收结论" not in page
    assert "Instructions" in page  # the dispatcher's, shown beside the form
    timeline = web.get(f"/cases/{number}").get_data(as_text=True)
    timeline = timeline[timeline.index('id="timeline"') :]
    assert "Department" in timeline and "处置部门" not in timeline


def test_a_request_for_more_time_lapses_when_the_step_is_done(ctx: GridcaseContext) -> None:
    """Found in review: a request left pending after the handler finished anyway moved the
    next step's deadline when approved, and blocked every later request."""
    number = _dispatched(ctx)
    sign = ready(ctx, number)[0]
    asked = deadlines.request_extension(
        ctx, load_actor(ctx, "dh-cg"), sign.id, "等配件", sign.due_at + timedelta(days=2)
    )
    step(ctx, number, "sign", "dh-cg", {"decision": "accept"})  # finished anyway
    handle = ready(ctx, number)[0]
    assert deadlines.extensions_to_decide(ctx, load_actor(ctx, "cd01")).items == []
    assert deadlines.pending_extension(ctx, handle.id) is None
    assert deadlines.lapse_moved_on(ctx) == 1  # the sweep's chore, then none is left
    assert deadlines.lapse_moved_on(ctx) == 0
    with pytest.raises(ConflictError, match="lapsed"):
        deadlines.decide_extension(ctx, load_actor(ctx, "cd01"), asked.id, True)
    assert ready(ctx, number)[0].due_at == handle.due_at  # nothing moved
    again = deadlines.request_extension(  # a new request on the new step is possible
        ctx, load_actor(ctx, "dh-cg"), handle.id, "还要等", handle.due_at + timedelta(days=1)
    )
    assert again.status == "pending"


def test_a_notice_for_a_role_is_read_by_each_holder_on_their_own(ctx: GridcaseContext) -> None:
    """Found in review: one dispatcher's "mark all read" cleared a colleague's badge."""
    with ctx.uow() as uow:  # a second dispatcher of the community
        colleague = uow.users.by_username("gw02")
        assert colleague is not None
        uow.users.grant(colleague.id, "community_dispatcher", "339901001001000")
        uow.commit()
    number = _dispatched(ctx)
    sign = ready(ctx, number)[0]
    until = sign.due_at + timedelta(days=2)
    deadlines.request_extension(ctx, load_actor(ctx, "dh-cg"), sign.id, "等配件", until)
    first, second = _web(ctx, "cd01"), _web(ctx, "gw02")
    assert second.get("/notices/unread.json").get_json()["unread"] >= 1
    before = second.get("/notices/unread.json").get_json()["unread"]
    first.post("/notices/read-all")
    assert first.get("/notices/unread.json").get_json() == {"unread": 0}
    assert second.get("/notices/unread.json").get_json() == {"unread": before}
    api_view = first.get("/api/v1/notifications").get_json()
    assert api_view and all(n["read_at"] for n in api_view if n["kind"] == "extension_requested")


def test_a_big_inbox_lists_the_most_urgent_and_asks_for_a_filter(
    ctx: GridcaseContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(5):
        report(ctx)
    monkeypatch.setattr(queries, "COUNT_CAP", 3)
    monkeypatch.setattr(cases, "COUNT_CAP", 3)
    page = _web(ctx, "cd01").get("/inbox").get_data(as_text=True)
    assert re.search(r"我的待办\s*<small>3\+</small>", page)
    assert "只列出最紧急的 3 项；其余的请用上方的筛选缩小范围后查看。" in page
    assert page.count('href="/tasks/') == 3 and ">下一页<" not in page


def test_a_page_past_the_end_of_the_inbox_leads_back_to_the_first(ctx: GridcaseContext) -> None:
    report(ctx)
    page = _web(ctx, "cd01").get("/inbox?page=999&category=02").get_data(as_text=True)
    assert "暂无待办任务" not in page  # there is work, just not this far down
    assert "这一页已超出列表的末尾。" in page
    assert 'href="/inbox?page=1&amp;category=02">回到第一页<' in page
    assert ">上一页<" not in page  # page 998 is as empty


def test_a_dispatcher_sees_their_requests_for_more_time_behind_many_elsewhere(
    ctx: GridcaseContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found at scale: every inbox read the district's oldest pending requests (at most
    500) and only then kept the reader's own, so a dispatcher behind 500 older requests
    elsewhere saw none of theirs, and a supervisor's inbox opened with 500 of them. The
    reader's scope now narrows the query, which shows the oldest few and counts the rest."""
    elsewhere = "339901001002001"  # 湖滨社区 (cd02), in the same street as cd01's
    for i in range(2):
        number = cases.report_case(
            ctx, load_actor(ctx, "gw04"), cases.NewCase("02", f"占道经营{i}", grid=elsewhere)
        ).case.number
        step(ctx, number, "review", "cd02", {"decision": "accept"})
        step(ctx, number, "dispatch", "cd02", {"department": "dept-cg"})
        sign = ready(ctx, number)[0]
        until = sign.due_at + timedelta(days=2)
        deadlines.request_extension(ctx, load_actor(ctx, "dh-cg"), sign.id, "等配件", until)
    number = _dispatched(ctx)
    sign = ready(ctx, number)[0]
    until = sign.due_at + timedelta(days=2)
    deadlines.request_extension(ctx, load_actor(ctx, "dh-cg"), sign.id, "等配件", until)
    monkeypatch.setattr(deadlines, "PENDING_SHOWN", 2)  # as if many older waited elsewhere

    mine = deadlines.extensions_to_decide(ctx, load_actor(ctx, "cd01"))
    assert [p.case.number for p in mine.items] == [number] and mine.total == 1
    assert deadlines.extensions_to_decide(ctx, load_actor(ctx, "cd02")).total == 2
    above = deadlines.extensions_to_decide(ctx, load_actor(ctx, "sup01"))  # the district's
    assert len(above.items) == 2 and above.total == 3 and not above.more
    assert deadlines.extensions_to_decide(ctx, load_actor(ctx, "gw01")).items == []
    page = _web(ctx, "sup01").get("/inbox").get_data(as_text=True)
    assert "延期申请 <small>3</small>" in page and "按提出先后显示最早的 2 件" in page
