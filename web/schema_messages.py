"""marshmallow's own messages (a field's type, a range, a length, a choice) as phrases the
catalogue translates: a request the API refuses is answered in its reader's language, like
the service layer's own refusals."""

from __future__ import annotations

import re
from collections.abc import Callable

from workflows.domain.errors import Phrase

# marshmallow 3's default texts, each with the phrase that says it (written out, so that
# the catalogue's extraction finds every one).
PATTERNS: tuple[tuple[re.Pattern[str], Callable[..., Phrase]], ...] = tuple(
    (re.compile(pattern), phrase)
    for pattern, phrase in (
        (r"^Missing data for required field\.$", lambda: Phrase("required")),
        (r"^Field may not be null\.$", lambda: Phrase("may not be empty")),
        (r"^Unknown field\.$", lambda: Phrase("unknown field")),
        (r"^Not a valid integer\.$", lambda: Phrase("a whole number")),
        (r"^Not a valid number\.$", lambda: Phrase("a number")),
        (r"^Not a valid boolean\.$", lambda: Phrase("true or false")),
        (r"^Not a valid string\.$", lambda: Phrase("text")),
        (r"^Not a valid date(time)?\.$", lambda _=None: Phrase("a date (YYYY-MM-DD)")),
        (r"^Not a valid list\.$", lambda: Phrase("a list")),
        (r"^Invalid input type\.$", lambda: Phrase("not the expected kind of value")),
        (
            r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$",
            lambda low, high: Phrase("from %(min)s to %(max)s", min=low, max=high),
        ),
        (
            r"^Must be greater than or equal to (\S+)\.$",
            lambda low: Phrase("at least %(min)s", min=low),
        ),
        (
            r"^Must be less than or equal to (\S+)\.$",
            lambda high: Phrase("at most %(max)s", max=high),
        ),
        (
            r"^Longer than maximum length (\d+)\.$",
            lambda high: Phrase("at most %(max)s characters", max=high),
        ),
        (
            r"^Shorter than minimum length (\d+)\.$",
            lambda low: Phrase("at least %(min)s characters", min=low),
        ),
        (
            r"^Length must be between (\d+) and (\d+)\.$",
            lambda low, high: Phrase("%(min)s to %(max)s characters", min=low, max=high),
        ),
        (
            r"^Must be one of: (.+)\.$",
            lambda choices: Phrase("one of: %(choices)s", choices=choices),
        ),
    )
)


def phrased(message: object) -> str:
    """The message as a phrase when it is one of marshmallow's own, else as it came."""
    for pattern, phrase in PATTERNS:
        found = pattern.match(str(message))
        if found:
            return phrase(*found.groups())
    return str(message)
