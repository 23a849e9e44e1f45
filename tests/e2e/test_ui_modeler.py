"""The process editor's properties panel in real headless Chromium: a designer selects a user
task, sees its gridcase properties (form, unit, status …), edits them, and the check on the
server judges the XML the panel wrote (a valid change passes, an emptied required unit is
drawn as a problem on the element); undo reverts a panel edit; a property on a bare element
brings its containers and takes them away; on a phone the panel sits under the diagram; and
every diagram in bpmn/ keeps its spiffworkflow extensions through the modeler bundle."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from tests.browser import (
    browsing,
    login,
    scratch_context,
    screenshot,
    wait_until,
)
from workflows.services.context import GridcaseContext

pytestmark = pytest.mark.browser

PANEL = "#properties [data-group-id=group-gridcase]"
NS = {"spiff": "http://spiffworkflow.org/bpmn/schema/1.0/core"}


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[str, Any, GridcaseContext]]:
    ctx = scratch_context(tmp_path_factory, sqlite_template, "ui-modeler")
    with browsing(ctx) as (base, browser):
        yield base, browser, ctx
    ctx.close()


def entry(page: Any, name: str) -> Any:
    """The input (or select) of one gridcase property in the panel."""
    return page.locator(f"{PANEL} [data-entry-id=gridcase-{name}]").locator("input, select")


def properties(xml: str, element_id: str) -> dict[str, str]:
    """The spiffworkflow properties of one element of a BPMN document."""
    element = ElementTree.fromstring(xml.encode()).find(f".//*[@id='{element_id}']")
    found = element.iterfind("*/spiff:properties/spiff:property", NS)
    return {p.get("name"): p.get("value") for p in found}


def spiff_elements(xml: str) -> list[tuple[str, str, str, str]]:
    """Every spiffworkflow element as (nearest id around it, tag, attributes, text)."""
    root = ElementTree.fromstring(xml.encode())
    parents = {child: parent for parent in root.iter() for child in parent}
    found = []
    for element in root.iter():
        if not element.tag.startswith(f"{{{NS['spiff']}}}"):
            continue
        owner = parents[element]
        while owner.get("id") is None:
            owner = parents[owner]
        attributes = repr(sorted(element.attrib.items()))
        found.append((owner.get("id"), element.tag, attributes, (element.text or "").strip()))
    return sorted(found)


ROUND_TRIP = """async (xml) => {
  const canvas = document.createElement("div");
  document.body.append(canvas);
  const modeler = GridcaseModeler.create(canvas, document.createElement("div"));
  await modeler.importXML(xml);
  const saved = (await modeler.saveXML({format: true})).xml;
  modeler.destroy();
  canvas.remove();
  return saved;
}"""


def check(page: Any) -> str:
    """Press 检查 and return the XML the page sent."""
    page.evaluate("() => document.getElementById('save-result').replaceChildren()")
    with page.expect_request(lambda r: r.method == "POST" and "/api/" in r.url) as sent:
        page.click("button[data-save=check]")
    page.wait_for_selector("#save-result:not(:empty)")
    return sent.value.post_data_json["xml"]


def open_editor(page: Any, base: str, ctx: GridcaseContext) -> None:
    with ctx.uow() as uow:
        version_id = uow.versions.latest("closed_loop").id
    page.goto(f"{base}/processes/versions/{version_id}/edit")
    page.wait_for_selector("#modeler[data-ready='1']")
    # The whole diagram fits the canvas, its left edge under the palette: scroll it right.
    box = page.locator("#modeler").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(-200, 0)


def test_designer_edits_gridcase_properties_in_the_panel(site) -> None:
    base, browser, ctx = site
    page = login(browser, base, "designer")
    open_editor(page, base, ctx)
    page.locator("#modeler [data-element-id=review]").click()
    page.wait_for_selector(PANEL)
    assert "网格化属性 gridcase" in page.inner_text(PANEL)
    assert "表单 formJsonSchemaFilename" in page.inner_text(PANEL)
    assert entry(page, "formJsonSchemaFilename").input_value() == "closed_loop.review.schema.json"
    assert entry(page, "unit").input_value() == "review_unit"
    assert entry(page, "status").input_value() == "reported"
    # a user task offers no timer; the statuses are the catalog's, labelled
    assert entry(page, "timer").count() == 0
    assert "verifying" in entry(page, "status").inner_text()

    entry(page, "status").select_option("verifying")
    entry(page, "due").fill("review_due")
    xml = check(page)
    assert "校验通过" in page.inner_text("#save-result"), page.inner_text("#problems")
    assert properties(xml, "review") == {
        "formJsonSchemaFilename": "closed_loop.review.schema.json",
        "unit": "review_unit",
        "status": "verifying",
        "due": "review_due",
    }
    # the multi-instance collections (variable names) survive the modeler, as before
    assert "<bpmn:loopDataInputRef>" in xml

    # an emptied unit removes the property: the panel flags it and the check names the task
    entry(page, "unit").fill("")
    assert "unit" not in properties(check(page), "review")
    page.wait_for_selector("#problems li[data-element=review]")
    problem = page.inner_text("#problems li[data-element=review]")
    assert "unit" in problem and "用户任务" in problem  # said in the page's language
    assert page.locator(".djs-element.gc-error[data-element-id=review]").count() == 1
    assert page.locator(f"{PANEL} [data-entry-id=gridcase-unit].has-error").count() == 1
    screenshot(page, "process-properties")

    # one undo (Ctrl+Z on the canvas) puts the unit back; the problem selects its task
    page.locator("#modeler svg").first.click(position={"x": 5, "y": 5})
    page.keyboard.press("Control+Z")
    page.click("#problems li[data-element=review]")
    wait_until(page, "document.querySelector('[data-entry-id=gridcase-unit] input')?.value")
    assert entry(page, "unit").input_value() == "review_unit"
    assert properties(check(page), "review")["unit"] == "review_unit"
    assert "校验通过" in page.inner_text("#save-result"), page.inner_text("#problems")


def test_timer_and_emit_on_a_boundary_event_and_the_phone_layout(site) -> None:
    base, browser, ctx = site
    page = login(browser, base, "designer", width=390)
    open_editor(page, base, ctx)
    # on a phone the panel is under the diagram, not squeezed beside it
    diagram = page.locator("#modeler").bounding_box()
    panel = page.locator("#properties").bounding_box()
    assert panel["y"] >= diagram["y"] + diagram["height"] - 1
    page.locator("#modeler [data-element-id=review_overdue]").click()
    page.wait_for_selector(f"{PANEL} [data-entry-id=gridcase-timer]")
    assert entry(page, "timer").input_value() == "overdue"
    assert entry(page, "emit").input_value() == "overdue"
    assert entry(page, "unit").count() == 0  # a user-task property is not offered here


def test_a_property_on_a_bare_element_creates_and_removes_its_containers(site) -> None:
    base, browser, ctx = site
    page = login(browser, base, "designer")
    open_editor(page, base, ctx)
    page.locator("#modeler [data-element-id=review_decision]").click()  # a gateway, no extensions
    entry(page, "emit").select_option("reopened")
    written = [e[1:] for e in spiff_elements(check(page)) if e[0] == "review_decision"]
    assert written == [
        (f"{{{NS['spiff']}}}properties", "[]", ""),
        (f"{{{NS['spiff']}}}property", "[('name', 'emit'), ('value', 'reopened')]", ""),
    ]
    entry(page, "emit").select_option("")
    xml = check(page)
    gateway = ElementTree.fromstring(xml.encode()).find(".//*[@id='review_decision']")
    assert [child.tag.split("}")[1] for child in gateway] == ["incoming"] + ["outgoing"] * 7
    assert "校验通过" in page.inner_text("#save-result"), page.inner_text("#problems")


def test_every_diagram_keeps_its_spiffworkflow_extensions_through_the_modeler(site) -> None:
    base, browser, ctx = site
    page = login(browser, base, "designer")
    open_editor(page, base, ctx)
    for path in sorted((Path(__file__).resolve().parents[2] / "bpmn").glob("*.bpmn")):
        xml = path.read_text(encoding="utf-8")
        before = spiff_elements(xml)
        assert before, path.name
        assert spiff_elements(page.evaluate(ROUND_TRIP, xml)) == before, path.name
