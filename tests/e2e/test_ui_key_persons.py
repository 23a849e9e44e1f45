"""The key-person register and a care visit through the pages, in headless Chromium: a grid
worker adds a person, sees the ID number masked, opens it with a reason (journaled), records
the visit from the inbox on a phone; a department handler finds no register at all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import browsing, login, scratch_context, screenshot
from workflows.services import key_persons, timers
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext

ID_NUMBER = "420202199001011231"


@pytest.fixture(scope="module")
def district(tmp_path_factory: Any, sqlite_template: Path) -> Iterator[GridcaseContext]:
    ctx = scratch_context(tmp_path_factory, sqlite_template, "key_persons")
    yield ctx
    ctx.close()


def test_register_open_a_masked_field_and_record_a_visit(district: GridcaseContext) -> None:
    with browsing(district) as (base, browser):
        page = login(browser, base, "gw01")
        page.click("nav a:has-text('重点人员')")
        page.click("a:has-text('登记人员')")
        page.fill("#in-name", "周明")
        page.fill("#in-id", ID_NUMBER)
        page.fill("#in-phone", "13800001234")
        page.fill("#in-address", "东湖路18号2单元301")
        page.check("input[name=categories][value=elderly_alone]")
        page.select_option("#in-risk", "high")
        page.fill("input[name=guardian_name_0]", "周大")
        page.fill("input[name=guardian_relation_0]", "儿子")
        page.fill("input[name=guardian_phone_0]", "13900005678")
        page.click("form.person-form button[type=submit]")
        page.wait_for_url("**/people/*")
        body = page.inner_text("main")
        assert "周明" in body and "4202************31" in body and ID_NUMBER not in body
        assert "138****1234" in body
        page.click("summary:has-text('查看完整信息')")
        page.fill("#in-reason", "核对身份信息")
        page.click("details.open-masked button[type=submit]")
        assert ID_NUMBER in page.inner_text("main")
        screenshot(page, "key_person_opened")
        page.goto(f"{base}/people/openings")
        assert "核对身份信息" in page.inner_text("main")
        page.close()

        timers.fire_all_due(district)  # the 3-day visit opens in the inbox at once
        phone = login(browser, base, "gw01", width=390)
        phone.goto(f"{base}/inbox")
        phone.click("section.care-visits a:has-text('周明')")
        phone.check("input[name=seen_in_person][value=true]")
        phone.fill("textarea[name=situation]", "本人在家，精神状态良好")
        phone.check("input[name=risk_level][value=medium]")
        screenshot(phone, "care_visit_phone")
        phone.click("form.task-form button[type=submit]")
        phone.wait_for_url("**/inbox")
        assert "走访已记录" in phone.inner_text("main")
        phone.close()

        gw = load_actor(district, "gw01")
        person = next(p for p in key_persons.find(district, gw).people if p.name == "周明")
        detail = key_persons.get(district, gw, person.id)
        assert detail.person.risk_level == "medium"
        assert [d.reason for d in detail.disclosures] == ["核对身份信息"] * 2

        handler = login(browser, base, "dh-cg")
        assert "重点人员" not in handler.inner_text("nav")
        assert handler.goto(f"{base}/people/{person.id}").status == 404
        assert handler.goto(f"{base}/people").status == 404
        handler.close()
