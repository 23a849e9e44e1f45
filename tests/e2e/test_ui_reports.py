"""The reports in real headless Chromium: the monthly analysis report and the reward
statements at desk and phone widths (screenshots in ``screenshots/``), the PDF downloaded
through the page's link and read back page by page (each page also rendered to a PNG beside
the screenshots), and ``gridcase report monthly`` run as a command on a prepared database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.app_fixtures import copy_sqlite_template, make_context
from tests.browser import SCREENSHOTS, chromium, login, screenshot, serving, wait_until
from tests.processes.helpers import after, fire_until_quiet, step
from web import create_app
from workflows.services import cases
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext

SHANGHAI = ZoneInfo("Asia/Shanghai")
DISTRICT, STREET1 = "339901000000000", "339901001000000"
MONTH = {"unit": DISTRICT, "month": "2030-11"}
# grid → (community dispatcher, grid worker)
GRIDS = {
    "339901001001001": ("cd01", "gw01"),
    "339901001001002": ("cd01", "gw02"),
    "339901001001003": ("cd01", "gw03"),
    "339901001002001": ("cd02", "gw04"),
    "339901001002002": ("cd02", "gw05"),
    "339901002001001": ("cd03", "gw07"),
    "339901002001002": ("cd03", "gw08"),
}
HANDLERS = {d: f"dh-{d[5:]}" for d in ("dept-cg", "dept-hb", "dept-jt", "dept-ga", "dept-sj")}
HANDLERS |= {"dept-sw": "dh-sw", "dept-zj": "dh-zj"}
G1, G2, G3, G4, G5, W1, W2 = GRIDS
# (grid, category, department, what becomes of it, priority)
OCTOBER = [
    (G1, "02", "dept-cg", "closed", "normal"),
    (G1, "02", "dept-cg", "closed", "normal"),
    (G2, "08", "dept-hb", "open", "normal"),  # still open in December: long-running
    (G4, "03", "dept-jt", "closed", "normal"),
    (W1, "01", "dept-ga", "closed", "normal"),
    (G1, "02", None, "rejected", "normal"),
]
NOVEMBER = [
    (G1, "02", "dept-cg", "closed", "normal"),
    (G1, "02", "dept-cg", "closed", "urgent"),  # a major hidden danger: 300 yuan
    (G1, "02", "dept-cg", "closed", "normal"),
    (G2, "02", "dept-cg", "press", "normal"),
    (G1, "02", "dept-cg", "escalate", "normal"),
    (G3, "04", "dept-sj", "returned", "normal"),
    (G4, "09", "dept-sw", "closed", "normal"),
    (G5, "06", "dept-zj", "open", "normal"),
    (W1, "01", "dept-ga", "closed", "normal"),
    (W2, "08", "dept-hb", "open", "normal"),
    (G1, "02", None, "rejected", "normal"),
]


def _drive(ctx: GridcaseContext, stories: list[tuple], when: datetime) -> list[str]:
    """Report and move each story's case; supervision cases run past a 4-hour deadline."""
    ctx.clock.advance_to(when)
    numbers, supervised = [], []
    for i, (grid, category, dept, outcome, priority) in enumerate(stories):
        dispatcher, worker = GRIDS[grid]
        new = cases.NewCase(category, f"示例事件 {when:%m}-{i + 1}", grid=grid, priority=priority)
        number = cases.report_case(ctx, load_actor(ctx, worker), new).case.number
        numbers.append(number)
        if outcome == "rejected":
            step(ctx, number, "review", dispatcher, {"decision": "reject", "reason": "误报"})
            continue
        step(ctx, number, "review", dispatcher, {"decision": "accept"})
        hours = 4 if outcome in ("press", "escalate") else 72
        first = "dept-sj" if outcome == "returned" else dept
        step(
            ctx,
            number,
            "dispatch",
            dispatcher,
            {"department": first, "deadline": after(ctx, hours=hours)},
        )
        if outcome == "returned":
            step(ctx, number, "sign", "dh-sj", {"decision": "return", "reason": "不属本局职责"})
            dept = "dept-cg"
            step(
                ctx,
                number,
                "dispatch",
                dispatcher,
                {"department": dept, "deadline": after(ctx, hours=72)},
            )
        if outcome == "open":
            continue
        step(ctx, number, "sign", HANDLERS[dept], {"decision": "accept"})
        if outcome in ("press", "escalate"):
            supervised.append((number, outcome, grid))
            continue
        step(ctx, number, "handle", HANDLERS[dept], {"result": "已处理"})
        step(ctx, number, "verify", worker, {"fixed": True})
    if supervised:
        ctx.clock.advance(days=1)
        for number, outcome, grid in supervised:
            fire_until_quiet(ctx, number)
            if outcome == "press":
                data = {
                    "decision": "press",
                    "notice": "限期办结",
                    "new_deadline": after(ctx, hours=48),
                }
                step(ctx, number, "supervise", "sup-dh", data)
                step(ctx, number, "handle", "dh-cg", {"result": "已处理"})
                step(ctx, number, "verify", GRIDS[grid][1], {"fixed": True})
            else:
                step(ctx, number, "supervise", "sup-dh", {"decision": "escalate", "notice": "提级"})
    return numbers


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[str, Any, GridcaseContext, dict[str, list[str]]]]:
    tmp = tmp_path_factory.mktemp("reports")
    ctx = make_context(copy_sqlite_template(sqlite_template, tmp), upload_dir=tmp / "uploads")
    numbers = {
        "october": _drive(ctx, OCTOBER, datetime(2030, 10, 15, 9, 0, tzinfo=SHANGHAI)),
        "november": _drive(ctx, NOVEMBER, datetime(2030, 11, 12, 9, 0, tzinfo=SHANGHAI)),
    }
    ctx.clock.advance_to(datetime(2030, 12, 2, 10, 0, tzinfo=SHANGHAI))
    app = create_app({"SECRET_KEY": "browser-test"}, context=ctx)
    with serving(app) as base, chromium() as browser:
        yield base, browser, ctx, numbers
    ctx.close()


def _query(values: dict[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in values.items())


def _charts_drawn(page: Any) -> int:
    wait_until(page, "[...document.querySelectorAll('.report-chart img')].every(i => i.complete)")
    return page.evaluate(
        "[...document.querySelectorAll('.report-chart img')].filter(i => i.naturalWidth > 0).length"
    )


def _pdf_pages(data: bytes, name: str) -> list[str]:
    """The text of each page; each page is also rendered to screenshots/<name>-p<n>.png."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    texts = []
    SCREENSHOTS.mkdir(exist_ok=True)
    for old in SCREENSHOTS.glob(f"{name}-p*.png"):
        old.unlink()
    for i, page in enumerate(document, start=1):
        texts.append(page.get_textpage().get_text_range())
        page.render(scale=1.4).to_pil().save(SCREENSHOTS / f"{name}-p{i}.png")
    return texts


@pytest.mark.browser
def test_monthly_report_page_print_and_pdf(site) -> None:
    base, browser, _ctx, numbers = site
    desk = login(browser, base, "sup01")
    desk.click("nav a[href='/reports/monthly']")
    assert "2030年12月" in desk.inner_text(".report-head h1")  # this month by default
    desk.goto(f"{base}/reports/monthly?{_query(MONTH)}")
    head = desk.inner_text(".report-head h1")
    assert "示范区" in head and "2030年11月" in head
    ids = desk.eval_on_selector_all(".report-section", "all => all.map(s => s.id)")
    assert ids == [
        "glance",
        "categories",
        "hot-spots",
        "children",
        "departments",
        "grids",
        "workers",
        "supervised",
        "long-running",
    ]
    glance = desk.inner_text("#glance")
    assert "上报数" in glance and "按期结案率" in glance  # the indicators' own names
    assert _charts_drawn(desk) == 3
    assert "东湖街道" in desk.inner_text("#children") and "西山街道" in desk.inner_text("#children")
    assert numbers["october"][2] in desk.inner_text("#long-running")
    assert desk.locator("#supervised td.outcome-closed_on_time").count() == 1
    assert desk.locator("#supervised td.outcome-still_overdue").count() == 1
    workers = desk.inner_text("#workers")
    assert "网格员01" in workers and "315.00" in workers  # gw01: 3 × 5 + 300
    assert "345.00" in workers  # everyone: 9 valid reports, one of them major
    screenshot(desk, "report-monthly")
    desk.emulate_media(media="print")
    assert not desk.locator("header.top").is_visible()
    assert not desk.locator(".report-picker").is_visible()
    screenshot(desk, "report-monthly-print")
    desk.emulate_media(media="screen")

    # The PDF, downloaded through the page's link, read back page by page.
    with desk.expect_download(timeout=90_000) as waiting:  # WeasyPrint takes seconds
        desk.click("a[href*='/reports/monthly.pdf']")
    download = waiting.value
    assert download.suggested_filename == "monthly-report-339901000000000-2030-11.pdf"
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    pages = _pdf_pages(data, "report-monthly-pdf")
    assert len(pages) == 4
    assert all(text.strip() for text in pages)
    text = "\n".join(pages)
    for heading in (
        "示范区 2030年11月月度分析报告",
        "一、总体情况",
        "部门排名",
        "督办案件及结果",
        "长期未结案件",
    ):
        assert heading in text, heading
    assert numbers["october"][2] in text  # the long-running case
    assert "345.00" in text  # the grid workers' rewards
    assert pages[0].rstrip().endswith("1 / 4")  # the page numbers in the footer

    # On a phone: the same report, nothing wider than the screen.
    phone = login(browser, base, "sup-dh", width=375)
    phone.goto(f"{base}/reports/monthly?month=2030-11")
    assert "东湖街道" in phone.inner_text(".report-head h1")
    assert _charts_drawn(phone) == 3
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "report-monthly-phone")


@pytest.mark.browser
def test_reward_statements_page_and_downloads(site) -> None:
    base, browser, _ctx, numbers = site
    desk = login(browser, base, "sup01")
    desk.goto(f"{base}/reports/monthly?{_query(MONTH)}")
    desk.click(".report-tabs a[href*='/reports/rewards']")
    assert "2030年11月" in desk.inner_text(".report-head h1")
    summary = desk.inner_text(".reward-summary")
    assert "有效上报数" in summary
    assert "网格员01" in summary and "315.00" in summary  # gw01: 3 × 5 + 300
    assert "345.00" in summary
    gw01 = desk.inner_text("#worker-gw01")
    assert desk.locator("#worker-gw01 tr.major").count() == 1 and "300.00" in gw01
    assert numbers["november"][1] in gw01
    assert numbers["november"][-1] not in gw01  # the rejected report earns nothing
    screenshot(desk, "report-rewards")
    with desk.expect_download(timeout=90_000) as waiting:  # WeasyPrint takes seconds
        desk.click("a[href*='/reports/rewards.xlsx']")
    assert waiting.value.suggested_filename == "rewards-339901000000000-2030-11.xlsx"

    phone = login(browser, base, "sup-dh", width=375)
    phone.goto(f"{base}/reports/rewards?month=2030-11")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "report-rewards-phone")

    # In English (the headings are the catalogue's msgids).
    desk.goto(f"{base}/reports/monthly?{_query(MONTH)}")
    desk.click("header button.link")
    assert "Demo District" in desk.inner_text(".report-head h1")
    assert "November 2030" in desk.inner_text(".report-head h1")
    assert "Supervised cases and their outcome" in desk.inner_text("#supervised h2")
    assert "Closure rate" in desk.inner_text("#glance")
    desk.click("header button.link")  # back to Chinese for the other tests

    worker = login(browser, base, "gw01")
    assert worker.locator("nav a[href='/reports/monthly']").count() == 0
    response = worker.goto(f"{base}/reports/monthly?{_query(MONTH)}")
    assert response is not None and response.status == 403


def test_report_command_writes_the_pdf(sqlite_template: Path, tmp_path: Path) -> None:
    """`gridcase report monthly` on a prepared database, as a street's supervisor."""
    url = copy_sqlite_template(sqlite_template, tmp_path)
    ctx = make_context(url, upload_dir=tmp_path / "uploads")
    reported = []
    for text in ("井盖缺失", "路灯不亮", "占道经营"):
        new = cases.NewCase("02", text, grid=G1)
        reported.append(cases.report_case(ctx, load_actor(ctx, "gw01"), new).case)
    month = reported[0].created_at.astimezone(SHANGHAI).strftime("%Y-%m")
    ctx.close()
    out = tmp_path / "report.pdf"
    env = {**os.environ, "GRIDCASE_DATABASE_URL": url, "GRIDCASE_DATA_DIR": str(tmp_path)}
    gridcase = Path(sys.executable).with_name("gridcase")
    args = ["report", "monthly", "--unit", STREET1, "--month", month, "--out", str(out)]
    done = subprocess.run(
        [str(gridcase), *args, "--as", "sup-dh"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert f"{month}, 3 reports (as sup-dh)" in done.stdout
    pages = _pdf_pages(out.read_bytes(), "report-cli-pdf")
    text = "\n".join(pages)
    assert f"东湖街道 {int(month[:4])}年{int(month[5:])}月月度分析报告" in text
    assert "网格员01" in text and "15.00" in text  # three valid reports at 5 yuan

    refused = subprocess.run(
        [str(gridcase), *args, "--as", "gw01"], env=env, capture_output=True, text=True, timeout=300
    )
    assert refused.returncode == 1 and "gw01 may not see reports" in refused.stderr
