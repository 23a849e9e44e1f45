"""The map in real headless Chromium, with no tile server (as in the demo): grid polygons
filled by density on a plain background, points in clusters, the colour legends, filtering,
a point that opens its case, and the case page's own small map; at 1280 and 375 px. And a
configured tile server (served here by the browser's request routing)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.app_fixtures import copy_sqlite_template, make_context
from tests.browser import chromium, login, screenshot, serving, wait_until
from tests.processes.helpers import step
from web import create_app
from workflows.services import cases
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext

pytestmark = pytest.mark.browser

GRID1, WEST_GRID, COMMUNITY1 = "339901001001001", "339901002001001", "339901001001000"
WEST_POINTS = [(30.2902, 120.1802), (30.2896, 120.1795), (30.2907, 120.1794)]


def _report(ctx: GridcaseContext, user: str, grid: str, text: str, **kw: Any) -> str:
    new = cases.NewCase("02", text, grid=grid, **kw)
    return cases.report_case(ctx, load_actor(ctx, user), new).case.number


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[str, Any, GridcaseContext, dict[str, Any]]]:
    """Seven cases at the centre of grid 1 (no coordinates; one rejected) and three placed
    in a grid of the other street, one of them overdue."""
    tmp = tmp_path_factory.mktemp("ui-map")
    ctx = make_context(copy_sqlite_template(sqlite_template, tmp), upload_dir=tmp / "uploads")
    centre = [_report(ctx, "gw01", GRID1, f"东湖路井盖缺失 {i}") for i in range(7)]
    step(ctx, centre[0], "review", "cd01", {"decision": "reject", "reason": "重复上报"})
    west = [
        _report(ctx, "gw07", WEST_GRID, f"西山路占道经营 {i}", lat=lat, lon=lon)
        for i, (lat, lon) in enumerate(WEST_POINTS)
    ]
    with ctx.uow() as uow:  # as the overdue timer leaves it
        late = uow.cases.by_number(west[0])
        late.deadline = ctx.clock.now() - timedelta(hours=2)
        late.alert_level = "red"
        uow.commit()
    app = create_app({"SECRET_KEY": "browser-test"}, context=ctx)
    with serving(app) as base, chromium() as browser:
        yield base, browser, ctx, {"centre": centre, "west": west, "late": west[0]}
    ctx.close()


def open_map(page: Any, base: str, query: str = "") -> None:
    page.goto(f"{base}/map{query}")
    page.wait_for_selector("#map[data-ready='1']")


def open_case_from_pin(page: Any, number: str) -> None:
    """Click a case's pin until its popup shows, then follow the popup's link: a click that
    lands while the map still zooms to a cluster opens nothing (Leaflet drops it)."""
    pin = page.locator(f"#map .gc-pin[data-number='{number}']")
    link = page.locator(".leaflet-popup a.open-case")
    for _ in range(5):
        pin.click()
        try:
            link.wait_for(state="visible", timeout=3000)
            break
        except PlaywrightTimeout:
            continue
    link.click()


def shot(page: Any, name: str) -> None:
    """A full-page screenshot from the top (the sticky header stays where it belongs)."""
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name)


def tile_png() -> bytes:
    """A plain 256 px tile with a faint border, so that tiles show in a screenshot."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (256, 256), "#eae6da")
    ImageDraw.Draw(image).rectangle((0, 0, 255, 255), outline="#c9c2ae")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def cluster_sizes(page: Any) -> list[int]:
    return sorted(int(t) for t in page.locator("#map .gc-cluster").all_inner_texts())


def test_polygons_clusters_legend_and_filters_without_tiles(site) -> None:
    base, browser, _ctx, made = site
    page = login(browser, base, "sup01")
    page.click("nav a[href='/map']")
    page.wait_for_selector("#map[data-ready='1']")

    # No tile server: no tile at all, the twelve grids drawn on a plain background.
    assert page.locator("#map .leaflet-tile").count() == 0
    assert "no-tiles" in (page.get_attribute("#map", "class") or "")
    assert page.locator("#map path[data-grid]").count() == 12
    busy = page.get_attribute(f"#map path[data-grid='{GRID1}']", "fill")
    empty = page.get_attribute("#map path[data-grid='339901002002003']", "fill")
    assert busy != empty  # density: the grid with cases is filled darker
    assert re.match(r"\D*10\D", page.inner_text("h1 small"))  # ten cases match

    # Ten points: seven on grid 1's centre and three close together in the west cluster.
    assert page.get_attribute("#map", "data-point-count") == "10"
    sizes = cluster_sizes(page)
    assert 7 in sizes and sum(sizes) + page.locator("#map .gc-pin").count() == 10

    # The legend follows the colouring: by status, then by deadline (the overdue case's
    # cluster turns red).
    status_legend = page.locator(".map-legend[data-mode=status]")
    deadline_legend = page.locator(".map-legend[data-mode=deadline]")
    assert status_legend.is_visible() and not deadline_legend.is_visible()
    assert status_legend.locator("li").count() == 5
    assert page.locator("#density-legend li").count() >= 3
    shot(page, "map")
    page.check("input[name=colour][value=deadline]")
    assert deadline_legend.is_visible() and not status_legend.is_visible()
    page.wait_for_selector("#map .g-overdue")
    shot(page, "map-deadline")

    # A cluster opens onto its points (they share one spot: spread out), a point onto its
    # case.
    page.locator("#map .gc-cluster", has_text=re.compile(r"^\s*7\s*$")).click()
    page.wait_for_selector(f"#map .gc-pin[data-number='{made['centre'][3]}']")
    page.locator(f"#map .gc-pin[data-number='{made['centre'][3]}']").click()
    popup = page.locator(".leaflet-popup")
    assert made["centre"][3] in popup.inner_text()
    wait_until(page, "getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
    shot(page, "map-popup")
    popup.locator("a.open-case").click()
    page.wait_for_url(f"{base}/cases/{made['centre'][3]}")

    # Filtering like the case query: an area, then a status.
    open_map(page, base, f"?unit={COMMUNITY1}")
    assert page.locator("#map path[data-grid]").count() == 3
    assert page.get_attribute("#map", "data-point-count") == "7"
    page.select_option("select[name=status]", "rejected")
    page.click("form.map-filters button[type=submit]")
    page.wait_for_selector("#map[data-ready='1']")
    assert "status=rejected" in page.url
    assert page.get_attribute("#map", "data-point-count") == "1"
    assert page.locator(f"#map .gc-pin[data-number='{made['centre'][0]}']").is_visible()
    as_list = page.locator(".map-tools a").get_attribute("href") or ""
    assert as_list.startswith("/cases?") and "status=rejected" in as_list


def test_a_single_point_opens_its_case_which_shows_its_place(site) -> None:
    base, browser, _ctx, made = site
    page = login(browser, base, "sup01")
    open_map(page, base, "?overdue=1")
    assert page.get_attribute("#map", "data-point-count") == "1"
    open_case_from_pin(page, made["late"])
    page.wait_for_url(f"{base}/cases/{made['late']}")
    page.wait_for_selector(".case-map[data-ready='1']")
    assert page.locator(".case-map .gc-pin").count() == 1
    assert page.locator(".case-map .leaflet-overlay-pane path").count() == 1  # its grid
    assert "30.29020, 120.18020" in page.inner_text(".case-place")
    shot(page, "case-map")


def test_a_grid_worker_on_a_phone(site) -> None:
    base, browser, _ctx, made = site
    phone = login(browser, base, "gw01", width=375)
    open_map(phone, base)
    assert phone.locator("#map path[data-grid]").count() == 1  # their own grid only
    assert phone.get_attribute("#map", "data-point-count") == "7"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert phone.locator(".map-legend[data-mode=status]").is_visible()
    shot(phone, "map-phone")
    phone.locator("#map .gc-cluster").first.click()
    open_case_from_pin(phone, made["centre"][5])
    phone.wait_for_url(f"{base}/cases/{made['centre'][5]}")
    phone.wait_for_selector(".case-map[data-ready='1']")
    assert "网格中心" in phone.inner_text(".case-place") or "centre" in phone.inner_text(
        ".case-place"
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shot(phone, "case-map-phone")


def test_nothing_to_show_and_a_bad_filter(site) -> None:
    base, browser, _ctx, _made = site
    page = login(browser, base, "designer")
    open_map(page, base)
    assert page.locator("#map path[data-grid]").count() == 0
    assert page.locator("#map-note").is_visible()
    response = page.goto(f"{base}/map?unit=nowhere")
    assert response.status == 400
    assert page.locator("[role=alert]").is_visible()


def test_a_configured_tile_server(site) -> None:
    base, browser, ctx, _made = site
    template = "https://t{s:01234567}.tiles.test/vec/{z}/{x}/{y}.png"
    labels = "https://t{s:01234567}.tiles.test/cva/{z}/{x}/{y}.png"
    plain = ctx.settings
    ctx.settings = replace(plain, map_tiles=f"{template} {labels}", map_attribution="© 测试底图")
    try:
        page = login(browser, base, "sup01")
        png = tile_png()
        page.route(
            re.compile(r"https://t[0-7]\.tiles\.test/.*"),
            lambda route: route.fulfill(status=200, content_type="image/png", body=png),
        )
        open_map(page, base)
        page.wait_for_selector("#map img.leaflet-tile-loaded")
        sources = page.eval_on_selector_all("#map img.leaflet-tile", "els => els.map(e => e.src)")
        tile = re.compile(r"https://t[0-7]\.tiles\.test/(vec|cva)/\d+/\d+/\d+\.png")
        assert sources and all(tile.match(s) for s in sources)
        assert {s.split("/")[3] for s in sources} == {"vec", "cva"}
        assert "© 测试底图" in page.inner_text("#map .leaflet-control-attribution")
        assert "no-tiles" not in (page.get_attribute("#map", "class") or "")
        assert page.locator("#map path[data-grid]").count() == 12
        shot(page, "map-tiles")
    finally:
        ctx.settings = plain
