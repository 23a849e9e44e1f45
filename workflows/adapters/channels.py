"""Outbound ways to reach people besides the in-app notice row (which is the inbox channel).

A channel's ``send`` raises on failure so that the RQ job retries and finally lands in the
failed registry; it returns what is worth keeping about the delivery.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


class Channel(Protocol):
    name: str

    def send(self, payload: Mapping[str, Any]) -> dict[str, Any]: ...


class ChannelSettings(Protocol):
    webhook_url: str | None


@dataclass(frozen=True)
class WebhookChannel:
    """POSTs each notice as JSON to one URL set by the administrator."""

    url: str
    name: str = "webhook"

    def send(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(
            self.url,
            data=json.dumps(payload, ensure_ascii=False).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return {"status": response.status}


def outbound_channels(settings: ChannelSettings) -> dict[str, Channel]:
    """The configured outbound channels by name (SMS or WeChat adapters plug in here)."""
    found: dict[str, Channel] = {}
    if settings.webhook_url:
        found["webhook"] = WebhookChannel(settings.webhook_url)
    return found
