"""The order pool in Chromium on a phone-sized screen (375×740): a community posts an
order, a party member claims it, the service ends (the test's clock moves), the community
confirms who served, and the points show on the member's page and in the ranking."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.browser import browsing, login, scratch_context, screenshot
from tests.integration.test_order_pool import fire_until

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path):
    context = scratch_context(tmp_path_factory, sqlite_template, "orders-ui")
    yield context
    context.close()


def phone(browser, base: str, user: str):
    page = login(browser, base, user, width=PHONE["width"], locale="zh-CN")
    page.set_viewport_size(PHONE)
    return page


def fits(page, name: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name} is {width} px wide on a 375 px screen"
    screenshot(page, name)


def local(ctx, delta: timedelta) -> str:
    """A datetime-local value on the city's clock, ``delta`` after the test's now."""
    when = (ctx.clock.now() + delta).astimezone(ctx.calendar.timezone)
    return when.strftime("%Y-%m-%dT%H:%M")


def test_post_claim_confirm_and_see_the_points_on_a_phone(ctx) -> None:
    with browsing(ctx) as (base, browser):
        community = phone(browser, base, "cd01")
        community.goto(f"{base}/orders/new")
        community.wait_for_selector("#pick[data-ready='1']")
        community.click(".tile:has-text('人手帮忙')")
        community.fill("#in-title", "楼道清理志愿服务")
        community.fill("#in-description", "清理楼道堆物")
        community.fill("#in-address", "东湖小区3幢")
        community.fill("#in-starts_at", local(ctx, timedelta(days=3)))
        community.fill("#in-ends_at", local(ctx, timedelta(days=3, hours=2)))
        community.fill("#in-needed", "1")
        community.fill("#in-claim_deadline", local(ctx, timedelta(days=2)))
        fits(community, "orders-post-phone")
        community.click("#order-form button[type=submit]")
        community.wait_for_selector("#order")
        assert "点单已发布" in community.inner_text("main")
        assert "已报名 0/1 人" in community.inner_text("#places")
        order_url = community.url

        member = phone(browser, base, "dangyuan1")
        assert member.url.endswith("/orders")  # a volunteer starts at the pool
        assert "本社区" in member.inner_text("#pool")
        fits(member, "orders-pool-phone")
        member.click("#pool a.title:has-text('楼道清理志愿服务')")
        member.click("#claim")
        member.wait_for_selector("#my-place")
        assert "接单成功" in member.inner_text("main")
        assert "已报名 1/1 人" in member.inner_text("#places")
        fits(member, "orders-claimed-phone")

        other = phone(browser, base, "dangyuan2")
        other.goto(order_url)
        assert "名额已满" in other.inner_text("#order") and not other.query_selector("#claim")

        order_id = int(order_url.rsplit("/", 1)[1])
        fire_until(ctx, order_id, "confirm")  # sign-up closes, the service ends
        community.goto(f"{base}/orders")
        assert "待确认的服务 (1)" in community.inner_text("#waiting-steps")
        fits(community, "orders-waiting-phone")
        community.click("#waiting-steps a:has-text('楼道清理志愿服务')")
        community.wait_for_selector("#confirm")
        community.fill("input[name^=hours-]", "2")
        community.fill("input[name^=comment-]", "认真负责")
        fits(community, "orders-confirm-phone")
        community.click("#confirm-service")
        community.wait_for_selector("#members")
        assert "服务已确认" in community.inner_text("main")
        assert "2 小时，20 积分" in community.inner_text("#members")

        community.goto(f"{base}/orders/ranking")
        ranking = community.inner_text("#ranking")
        assert "王建国" in ranking and "服务 1 次，2 小时" in ranking
        fits(community, "orders-ranking-phone")
        with community.expect_download() as download:
            community.click("a:has-text('下载排行')")
        csv = Path(download.value.path()).read_text(encoding="utf-8-sig")
        assert "王建国" in csv and "东湖社区第一党支部" in csv

        member.goto(f"{base}/orders/mine")
        assert member.inner_text("#my-points") == "20"
        fits(member, "orders-mine-phone")
