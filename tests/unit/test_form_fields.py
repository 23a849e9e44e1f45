"""Posted form data → the JSON a task's schema validates."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from werkzeug.datastructures import MultiDict

from web.form_widgets import read_form

SCHEMA = {
    "properties": {
        "decision": {"type": "string", "enum": ["accept", "return"]},
        "reason": {"type": "string", "x-show-when": {"decision": ["return"]}},
        "invited": {"type": "array", "x-widget": "departments"},
        "due": {"type": "string", "format": "date-time"},
        "score": {"type": "integer"},
        "fixed": {"type": "boolean"},
    }
}
ZONE = ZoneInfo("Asia/Shanghai")


def test_hidden_fields_are_ignored_and_values_typed() -> None:
    posted = MultiDict(
        [
            ("decision", "accept"),
            ("reason", "left over from an earlier choice"),
            ("invited", "dept-cg"),
            ("invited", "dept-sj"),
            ("due", "2026-12-01T17:00"),
            ("score", "4"),
            ("fixed", "false"),
        ]
    )
    assert read_form(SCHEMA, posted, ZONE) == {
        "decision": "accept",
        "invited": ["dept-cg", "dept-sj"],
        "due": "2026-12-01T17:00:00+08:00",
        "score": 4,
        "fixed": False,
    }
    posted["decision"] = "return"
    assert read_form(SCHEMA, posted, ZONE)["reason"] == "left over from an earlier choice"


def test_empty_inputs_are_left_out_and_bad_numbers_reach_the_schema() -> None:
    posted = MultiDict([("decision", ""), ("score", "four")])
    assert read_form(SCHEMA, posted, ZONE) == {"score": "four"}
