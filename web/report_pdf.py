"""The monthly report as a PDF (WeasyPrint) and the charts of the report (matplotlib's SVG
backend), drawn on the server so that the page, its printout and the PDF show the same
pictures.

matplotlib rather than pygal: it is the best-kept plotting library of the Python world, and
its SVG backend writes plain shapes and text with no CSS or script inside, which WeasyPrint's
SVG renderer and browsers draw alike; text stays text (``svg.fonttype: none``), so Chinese
names use the page's CJK font. Both libraries are imported on first use only: the web app and
the ``gridcase`` command start without them.

The PDF has no request and so no reader's language: it is written in Chinese
(``templates/report_monthly_pdf.html``). WeasyPrint fetches nothing: the charts travel as
``data:`` URLs and the stylesheet is read from ``static/gridcase.css``.
"""

from __future__ import annotations

import base64
import io
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from workflows.services.monthly_report import MonthlyReport, Standing

WEB = Path(__file__).resolve().parent
STYLESHEET = WEB / "static" / "gridcase.css"
THIS_COLOUR, LAST_COLOUR = "#0b6bcb", "#a8bcd0"
FONTS = ["Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei"]
# matplotlib's settings are global: one chart at a time, so that a web thread never draws
# with the settings another thread is restoring.
_CHARTS = threading.Lock()


# --- numbers as the report writes them (also the page's template filters) ---


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def signed(value: float | None) -> str:
    """A change in a count: +3, −2, 0 (— when there is nothing to compare)."""
    if value is None:
        return "—"
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return f"+{text}" if value > 0 else text.replace("-", "−")


def points(value: float | None) -> str:
    """A change in a rate, in percentage points: +7.1, −2.0."""
    if value is None:
        return "—"
    text = f"{value * 100:+.1f}"
    return text.replace("-", "−")


def number(value: float | None) -> str:
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def yuan(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


FILTERS: dict[str, Callable[..., str]] = {
    "report_percent": percent,
    "report_signed": signed,
    "report_points": points,
    "report_number": number,
    "yuan": yuan,
}


# --- charts ---


def bar_chart(
    names: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None], str]],
    *,
    as_percent: bool = False,
) -> str:
    """Horizontal grouped bars, one group per name and one bar per series (label, values,
    colour; a value None draws no bar and says "—"), with the legend above, as a
    ``data:image/svg+xml`` URL."""
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    height = 0.9 + 0.3 * len(names) * max(1, len(series)) ** 0.5
    settings = {
        "svg.fonttype": "none",  # text stays text: the reader's CJK font draws it
        "svg.hashsalt": "gridcase",  # the same picture for the same numbers
        "font.family": _fonts(),
        "font.size": 9,
    }
    with _CHARTS, matplotlib.rc_context(settings):
        fig = Figure(figsize=(6.4, height))
        ax = fig.add_subplot()
        band = 0.8 / max(1, len(series))
        for i, (label, values, colour) in enumerate(series):
            offsets = [y - 0.4 + band * (i + 0.5) for y in range(len(names))]
            shown = [(v or 0) * (100 if as_percent else 1) for v in values]
            bars = ax.barh(offsets, shown, height=band * 0.92, label=label, color=colour)
            ax.bar_label(bars, labels=[_bar_text(v, as_percent) for v in values], padding=2)
        ax.set_yticks(range(len(names)), list(names))
        ax.invert_yaxis()
        if as_percent:
            ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
            ax.set_xlim(0, 112)
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_xlim(0, max([1, *(v or 0 for _, vs, _ in series for v in vs)]) * 1.15)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.grid(axis="x", color="#e4e7eb", linewidth=0.6)
        ax.set_axisbelow(True)
        if len(series) > 1:
            ax.legend(
                loc="lower left",
                bbox_to_anchor=(0, 1.0),
                ncols=len(series),
                frameon=False,
                borderaxespad=0.2,
            )
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode("ascii")


@cache
def _fonts() -> list[str]:
    """The CJK fonts of ``FONTS`` this machine has (matplotlib complains of each it lacks),
    then matplotlib's own for Latin text."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return [*(f for f in FONTS if f in installed), "DejaVu Sans"]


def _bar_text(value: float | None, as_percent: bool) -> str:
    return percent(value) if as_percent else number(value)


def monthly_charts(
    report: MonthlyReport,
    *,
    this_label: str,
    last_label: str,
    name: Callable[[str, Standing], str],
    rate_name: Callable[[Any], str],
) -> dict[str, str | None]:
    """The report's three charts (None where there is nothing to draw): the top categories
    and the hot spots this month against last, and the rates against last month.
    ``name(kind, standing)`` names a row (kind ``category`` or ``grid``) in the reader's
    language, ``rate_name(figure)`` a rate."""

    def compare(kind: str, rows: list[Standing]) -> str | None:
        if not rows:
            return None
        return bar_chart(
            [name(kind, s) for s in rows],
            [
                (this_label, [s.count("reported") for s in rows], THIS_COLOUR),
                (last_label, [s.last_count("reported") or 0 for s in rows], LAST_COLOUR),
            ],
        )

    rates = [f for f in report.rates if f.this is not None]
    return {
        "categories": compare("category", report.categories),
        "hot_spots": compare("grid", report.hot_spots),
        "rates": bar_chart(
            [rate_name(f) for f in rates],
            [
                (this_label, [f.this for f in rates], THIS_COLOUR),
                (last_label, [f.last for f in rates], LAST_COLOUR),
            ],
            as_percent=True,
        )
        if rates
        else None,
    }


# --- the PDF ---


@cache
def _environment(zone: tzinfo) -> Environment:
    env = Environment(
        loader=FileSystemLoader(WEB / "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    env.filters["localtime"] = lambda when: _local(when, zone, "%Y-%m-%d %H:%M")
    env.filters["localdate"] = lambda when: _local(when, zone, "%Y-%m-%d")
    return env


def _local(when: datetime | None, zone: tzinfo, fmt: str) -> str:
    return when.astimezone(zone).strftime(fmt) if when else "—"


def monthly_html(report: MonthlyReport, zone: tzinfo) -> str:
    """The PDF's HTML, in Chinese."""
    charts = monthly_charts(
        report,
        this_label="本月",
        last_label="上月",
        name=lambda _kind, s: s.name,
        rate_name=lambda f: f.name_zh,
    )
    template = _environment(zone).get_template("report_monthly_pdf.html")
    return template.render(report=report, charts=charts)


def monthly_pdf(report: MonthlyReport, zone: tzinfo) -> bytes:
    """The report as a PDF document (A4, page numbers in the footer)."""
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    _quiet_stylesheet_warnings()
    fetcher = URLFetcher(allowed_protocols={"data"})  # the charts; nothing from outside
    html = HTML(string=monthly_html(report, zone), url_fetcher=fetcher)
    return html.write_pdf(stylesheets=[CSS(string=_stylesheet(), url_fetcher=fetcher)])


class _ScreenRules(logging.Filter):
    """The stylesheet is the whole app's: WeasyPrint would warn about each screen-only rule
    it does not know (media queries, sticky headers, SVG strokes of the diagrams)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.WARNING and "css" in Path(record.pathname).parts)


@cache
def _quiet_stylesheet_warnings() -> None:
    logging.getLogger("weasyprint").addFilter(_ScreenRules())


@cache
def _stylesheet() -> str:
    return STYLESHEET.read_text(encoding="utf-8")


def pdf_file_name(report: MonthlyReport) -> str:
    return f"monthly-report-{report.unit.key}-{report.month.label}.pdf"
