"""The web UI in real headless Chromium, as each kind of user: a grid worker reports on a
phone, a dispatcher dispatches, a department returns then handles, the grid worker verifies,
a supervisor reassigns an overdue task, a designer uploads a broken then a fixed BPMN."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from engine.db import utcnow
from tests.app_fixtures import PASSWORD
from tests.browser import (
    PATIENCE_MS,
    browsing,
    scratch_context,
    screenshot,
    wait_until,
)
from tests.processes.helpers import accepted, step
from workflows.adapters.models import Attachment
from workflows.services.context import GridcaseContext

pytestmark = pytest.mark.browser

# A 1×1 PNG: the upload checks the first bytes, not only the browser's content type.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg=="
)
BPMN = Path(__file__).resolve().parents[2] / "bpmn" / "closed_loop.bpmn"


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[str, Any, GridcaseContext]]:
    ctx = scratch_context(tmp_path_factory, sqlite_template, "ui")
    with browsing(ctx) as (base, browser):
        yield base, browser, ctx
    ctx.close()


def login(browser: Any, base: str, user: str, width: int = 1280) -> Any:
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.set_default_timeout(PATIENCE_MS)
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button[type=submit]")
    # designers start on the processes, supervisors and the command centre on the dashboard
    overseer = user.startswith("sup") or user == "cmd01"
    landing = "/processes" if user == "designer" else ("/dashboard" if overseer else "/inbox")
    page.wait_for_url(f"{base}{landing}")
    return page


def open_task(page: Any, base: str, number: str, title: str) -> None:
    page.goto(f"{base}/inbox?q={number}")
    page.locator("tbody tr", has_text=number).locator("a.task-link", has_text=title).click()


def choose(page: Any, name: str, value: str) -> None:
    """Pick a choice whichever widget the form generator chose (radios or a select)."""
    radio = page.locator(f"input[name={name}][value='{value}']")
    if radio.count():
        radio.check()
    else:
        page.select_option(f"select[name={name}]", value)


def submit(page: Any) -> None:
    page.click("form.task-form button[type=submit]")


def test_login_error_and_language_switch(site) -> None:
    base, browser, _ctx = site
    page = browser.new_page()
    page.set_default_timeout(PATIENCE_MS)
    page.goto(f"{base}/inbox")
    assert "/login" in page.url
    assert "登录" in page.inner_text("h1")
    page.fill("input[name=username]", "cd01")
    page.fill("input[name=password]", "wrong")
    page.click("form.login button[type=submit]")
    assert "用户名或密码错误" in page.inner_text("[role=alert]")
    page.click("header button.link")
    assert page.inner_text("h1") == "Log in"
    page.click("header button.link")
    assert page.inner_text("h1") == "登录"
    screenshot(page, "login")


def test_report_shows_every_problem_at_once_and_keeps_nothing(site) -> None:
    base, browser, ctx = site

    def kept() -> tuple[int, int]:
        with ctx.uow() as uow:
            return uow.cases.count(), uow.session.query(Attachment).count()

    before = kept()
    phone = login(browser, base, "gw02", width=375)
    phone.goto(f"{base}/report")
    phone.select_option("#in-category", "02")
    fake = {"name": "scene.jpg", "mimeType": "image/jpeg", "buffer": b"not a picture"}
    phone.set_input_files("#in-photos", files=[fake])
    phone.click("form.task-form button[type=submit]")
    errors = [e.inner_text() for e in phone.locator(".field .error").all()]
    assert "请描述看到的情况" in errors
    assert "scene.jpg: 只接受 JPEG、PNG、WebP 或 PDF 文件" in errors
    assert phone.input_value("#in-category") == "02"  # what was typed stays
    assert kept() == before


def test_closed_loop_through_the_pages(site) -> None:
    base, browser, _ctx = site

    # A grid worker reports with a photo from a phone-sized screen.
    phone = login(browser, base, "gw01", width=375)
    phone.click("nav a[href='/report']")
    phone.select_option("#in-category", "02")
    phone.fill("#in-description", "东湖路口人行道被占道经营")
    phone.fill("#in-address", "东湖路12号")
    phone.set_input_files(
        "#in-photos", files=[{"name": "scene.png", "mimeType": "image/png", "buffer": PNG}]
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "report-phone")
    phone.click("form.task-form button[type=submit]")
    assert "已上报" in phone.inner_text(".flash")
    number = phone.inner_text(".case-head code")
    assert phone.locator(".photos img").count() == 1
    phone.locator(".photos img").scroll_into_view_if_needed()  # loading="lazy"
    wait_until(phone, "document.querySelector('.photos img').naturalWidth === 1")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "case-phone")

    # The community dispatcher reviews (a reason is required to reject) and dispatches.
    desk = login(browser, base, "cd01")
    row = desk.locator("tbody tr", has_text=number)
    assert "审查受理" in row.inner_text()
    screenshot(desk, "inbox")
    open_task(desk, base, number, "审查受理")
    choose(desk, "decision", "reject")
    submit(desk)
    assert desk.locator("#field-reason .error").is_visible()
    screenshot(desk, "task-validation")
    choose(desk, "decision", "accept")
    submit(desk)
    # straight on to the dispatch of the same case (办理下一件), the tracker at 派遣
    assert "本案下一步：指挥派遣" in desk.inner_text(".flash")
    assert desk.inner_text(".tracker [aria-current=step] .name") == "派遣"
    assert desk.input_value("#in-department") == "dept-dh-zf"  # the street team first
    desk.select_option("#in-department", "dept-sj")
    desk.fill("#in-instructions", "请尽快到场")
    submit(desk)
    desk.goto(f"{base}/cases/{number}")
    assert "已派遣" in desk.inner_text(".case-head")

    # The department returns it with a reason; the dispatcher sends it elsewhere.
    dept = login(browser, base, "dh-sj")
    open_task(dept, base, number, "签收")
    choose(dept, "decision", "return")
    dept.fill("#in-reason", "不属于市场监管职责")
    submit(dept)
    open_task(desk, base, number, "派遣")
    desk.select_option("#in-department", "dept-cg")
    submit(desk)

    cg = login(browser, base, "dh-cg")
    open_task(cg, base, number, "签收")
    choose(cg, "decision", "accept")
    submit(cg)
    assert "本案下一步：处置反馈" in cg.inner_text(".flash")  # sign and handle in one visit
    cg.fill("#in-result", "已劝离摊贩，恢复通行")
    submit(cg)

    # The grid worker verifies on site; the case closes and waits for evaluation.
    open_task(phone, base, number, "核查")
    assert "已劝离摊贩，恢复通行" in phone.inner_text(".shown")  # the handling's result
    choose(phone, "fixed", "true")
    submit(phone)
    assert "本案下一步：评价" in phone.inner_text(".flash")  # the reporter evaluates next
    phone.goto(f"{base}/cases/{number}")
    head = phone.inner_text(".case-head")
    assert "已结案" in head
    timeline = phone.inner_text(".timeline")
    assert "不属于市场监管职责" in timeline

    # Everyone who may see it gets the live diagram with completed steps marked.
    desk.goto(f"{base}/cases/{number}")
    assert desk.locator("#diagram[data-ready]").count() == 0  # folded: drawn when opened
    desk.click("#process summary")
    desk.wait_for_selector("#diagram[data-ready='1']")
    assert desk.locator("#diagram .gc-done").count() >= 5
    assert desk.locator("#diagram [data-element-id=evaluate].gc-active").count() == 1
    screenshot(desk, "case")


def test_supervisor_reassigns_an_overdue_task_with_a_reason(site) -> None:
    base, browser, ctx = site
    number = accepted(ctx)
    step(ctx, number, "dispatch", "cd01", {"department": "dept-sj"})
    with ctx.uow() as uow:  # as the overdue timer leaves it
        case = uow.cases.by_number(number)
        case.alert_level = "red"
        for task in uow.tasks.ready_for_instance(case.instance_id or 0):
            task.due_at = utcnow() - timedelta(hours=2)
        uow.commit()

    page = login(browser, base, "sup01")
    page.click("nav a[href='/console']")
    overdue = page.locator("#list-overdue tbody tr", has_text=number)
    assert overdue.count() == 1
    page.wait_for_selector("#heatmap[data-ready='1']")
    assert page.locator("#heatmap .gc-heat").count() >= 1
    rows = [r.inner_text() for r in page.locator("#heat-table tbody tr").all()]
    assert any(r.startswith("签收\t") for r in rows)  # each step by its name, with its count
    counts = [int(r.split("\t")[1]) for r in rows]
    assert counts == sorted(counts, reverse=True)  # busiest first
    screenshot(page, "console")

    overdue.locator("a").first.click()
    assert "为什么还在等" in page.inner_text("main") or "Why" in page.inner_text("main")
    form = page.locator("#overrides details", has_text="改派任务").locator("form")
    form.locator("select[name=unit_to]").select_option("dept-cg")
    form.locator("textarea[name=reason]").fill("市场监管局超期未签收，改派城管")
    form.locator("button[type=submit]").click()
    timeline = page.inner_text("#timeline")
    assert "改派" in timeline
    assert "市场监管局超期未签收，改派城管" in timeline
    assert "城市管理局" in page.inner_text(".tasks")
    screenshot(page, "case-supervisor")


def test_bulk_deadline_change_reports_each_case(site) -> None:
    base, browser, ctx = site
    numbers = [accepted(ctx) for _ in range(2)]
    with ctx.uow() as uow:
        for n in numbers:
            uow.cases.by_number(n).alert_level = "yellow"
        uow.commit()
    page = login(browser, base, "sup01")
    page.goto(f"{base}/console")
    for n in numbers:
        page.locator("#list-warning tbody tr", has_text=n).locator("input[type=checkbox]").check()
    page.select_option("select[name=action]", "deadline")
    due = (utcnow() + timedelta(days=3)).astimezone(ctx.calendar.timezone)
    page.fill("input[name=due]", due.strftime("%Y-%m-%dT%H:%M"))
    page.fill(".bulk-actions textarea[name=reason]", "节假日顺延")
    page.click(".bulk-actions button[type=submit]")
    results = page.inner_text(".results")
    assert all(n in results for n in numbers)
    assert results.count("✓") == 2


def test_designer_sees_the_error_on_the_element_then_deploys_and_migrates(site) -> None:
    base, browser, ctx = site
    running = accepted(ctx)  # a case on version 1, to move after the deploy
    page = login(browser, base, "designer")  # a designer starts on the processes
    assert "closed_loop" in page.inner_text("table")
    screenshot(page, "processes")

    xml = BPMN.read_text(encoding="utf-8")
    broken = xml.replace("step_warning('review', category)<", "step_warning('review', <", 1)
    assert broken != xml
    page.set_input_files(
        "input[name=bpmn]",
        files=[{"name": "closed_loop.bpmn", "mimeType": "text/xml", "buffer": broken.encode()}],
    )
    page.click("button[name=deploy][value='1']")
    problems = page.locator(".problems li")
    assert problems.count() >= 1
    element = problems.first.get_attribute("data-element")
    assert element
    page.wait_for_selector("#diagram[data-ready='1']")
    assert page.locator(f"#diagram [data-element-id='{element}'].gc-error").count() == 1
    screenshot(page, "process-check-error")

    fixed = xml.replace("</bpmn:definitions>", "<!-- v2 --></bpmn:definitions>")
    page.set_input_files(
        "input[name=bpmn]",
        files=[{"name": "closed_loop.bpmn", "mimeType": "text/xml", "buffer": fixed.encode()}],
    )
    page.click("button[name=deploy][value='1']")
    assert "版本 2" in page.inner_text(".flash")
    page.click("text=打开版本 2")
    page.wait_for_selector("#diagram[data-ready='1']")
    screenshot(page, "process-version")

    page.click("text=将运行中的案件迁移到此版本")
    boxes = page.locator("input[name=instance]")
    assert boxes.count() >= 1
    for i in range(boxes.count()):
        boxes.nth(i).uncheck()
    row = page.locator("tbody tr", has_text=running)
    assert "✓" in row.inner_text() and "dispatch" in row.inner_text()
    row.locator("input[name=instance]").check()
    screenshot(page, "process-migrate")
    page.click("form.card button[type=submit]")
    assert f"{running} ✓" in page.inner_text(".results")
    assert page.goto(f"{base}/cases/{running}").status == 403  # designers read no case data
    dispatcher = login(browser, base, "cd01")
    dispatcher.goto(f"{base}/cases/{running}")
    assert "迁移到新版本" in dispatcher.inner_text("#timeline")


def test_handler_delegates_a_task_and_names_a_substitute(site) -> None:
    base, browser, ctx = site
    number = accepted(ctx)
    step(ctx, number, "dispatch", "cd01", {"department": "dept-cg"})
    page = login(browser, base, "dh-cg")
    open_task(page, base, number, "签收")
    page.click("details.delegate summary")
    page.select_option("details.delegate select[name=to]", "dh-cg2")
    page.fill("details.delegate textarea[name=reason]", "外出执法，请同事代办")
    page.click("details.delegate button[type=submit]")
    assert "dh-cg2" in page.inner_text(".flash")
    page.goto(f"{base}/cases/{number}")
    assert "外出执法，请同事代办" in page.inner_text("#timeline")
    assert "城市管理局处置员二" in page.inner_text(".tasks")

    page.click("nav a[href='/away']")
    zone = ctx.calendar.timezone
    now = utcnow().astimezone(zone)
    page.fill("#in-substitute", "dh-cg")  # oneself: refused next to the field
    page.fill("#in-starts", now.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#in-ends", (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#in-reason", "年休假")
    page.click("form.task-form button[type=submit]")
    assert page.locator(".field.has-error #in-substitute").count() == 1
    page.fill("#in-substitute", "dh-cg2")
    page.click("form.task-form button[type=submit]")
    assert "dh-cg2" in page.inner_text("table.tasks")
    screenshot(page, "away")

    stand_in = login(browser, base, "dh-cg2")
    assert "dh-cg" in stand_in.inner_text(".flash.acting")


def test_designer_edits_a_task_name_in_the_modeler_and_deploys(site) -> None:
    base, browser, ctx = site
    with ctx.uow() as uow:
        latest = uow.versions.latest("whistle_callin")
        version_id, number = latest.id, latest.version
    page = login(browser, base, "designer")
    page.goto(f"{base}/processes/versions/{version_id}/edit")
    page.wait_for_selector("#modeler[data-ready='1']")
    page.locator("#modeler [data-element-id=rate]").dblclick()
    page.keyboard.press("Control+A")
    page.keyboard.type("部门评价 Rate departments")
    page.locator("#modeler svg").first.click(position={"x": 5, "y": 5})
    page.click("button[data-save=check]")
    page.wait_for_selector("#save-result:not(:empty)")
    screenshot(page, "process-edit-check")
    assert "校验通过" in page.inner_text("#save-result"), page.inner_text("#problems")
    page.click("button[data-save=deploy]")
    page.wait_for_selector("#save-result a")
    assert str(number + 1) in page.inner_text("#save-result")
    screenshot(page, "process-edit")
    with ctx.uow() as uow:
        assert "部门评价 Rate departments" in uow.versions.latest("whistle_callin").bpmn_xml


def test_supervisor_goes_back_edits_data_and_completes_in_the_holders_place(site) -> None:
    base, browser, ctx = site
    number = accepted(ctx)
    step(ctx, number, "dispatch", "cd01", {"department": "dept-sj"})
    page = login(browser, base, "sup01")
    page.goto(f"{base}/cases/{number}")

    form = page.locator("#overrides details", has_text="回退").locator("form")
    page.locator("#overrides summary", has_text="回退").click()
    form.locator("select[name=element]").select_option("dispatch")
    form.locator("textarea[name=reason]").fill("派错部门，退回重派")
    form.locator("button[type=submit]").click()
    assert "派错部门，退回重派" in page.inner_text("#timeline")
    assert "指挥派遣" in page.inner_text(".tasks")

    page.locator("#overrides summary", has_text="变量").click()
    edit = page.locator("#overrides details", has_text="变量").locator("form")
    edit.locator("select[name='var:priority']").select_option("urgent")
    edit.locator("textarea[name=reason]").fill("市民再次来电催办")
    edit.locator("button[type=submit]").click()
    assert "市民再次来电催办" in page.inner_text("#timeline")

    page.locator(".tasks a", has_text="指挥派遣").click()
    assert page.locator(".flash.acting").is_visible()
    page.select_option("#in-department", "dept-cg")
    submit(page)
    assert page.locator("#field-override_reason .error").is_visible()
    page.select_option("#in-department", "dept-cg")
    page.fill("#in-override_reason", "受理员休假，代为派遣")
    submit(page)
    assert "已派遣" in page.inner_text(".case-head")
    assert "受理员休假，代为派遣" in page.inner_text("#timeline")
    screenshot(page, "case-overrides")


def test_supervisor_sends_a_case_to_the_joint_conference(site) -> None:
    base, browser, ctx = site
    number = accepted(ctx)
    step(ctx, number, "dispatch", "cd01", {"department": "dept-sj"})
    page = login(browser, base, "sup01")
    page.goto(f"{base}/cases/{number}")
    box = page.locator("#overrides details.shortcut", has_text="联席会议")
    box.locator("summary").click()
    box.locator("input[name=invited][value=dept-cg]").check()
    box.locator("input[name=invited][value=dept-sj]").check()
    box.locator("textarea[name=reason]").fill("占道经营涉及城管与市场监管")
    box.locator("button[type=submit]").click()
    assert "协调中" in page.inner_text(".case-head")
    assert "联席会议" in page.inner_text(".links")
    assert "占道经营涉及城管与市场监管" in page.inner_text("#timeline")


def tab_to(page: Any, locator: Any, limit: int = 200) -> None:
    """Press Tab until ``locator`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{locator} is not reachable with Tab")


def test_keyboard_only_from_login_to_a_task(site) -> None:
    base, browser, ctx = site
    number = accepted(ctx)
    page = browser.new_page()
    page.set_default_timeout(PATIENCE_MS)
    page.goto(f"{base}/login")
    wait_until(page, "document.activeElement.name === 'username'")  # autofocus
    page.keyboard.type("cd01")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/inbox")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    tab_to(page, page.locator("tbody tr", has_text=number).locator("a.task-link"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/tasks/*")
    assert "指挥派遣" in page.inner_text("h1")
    tab_to(page, page.locator("input[name=mode]").first)
    page.keyboard.press("Space")
    assert page.locator("input[name=mode]").first.is_checked()
