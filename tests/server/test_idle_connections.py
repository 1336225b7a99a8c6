"""A device lets go of an idle connection before the hub closes it. Were both to wait as long,
a request sent just as the hub closes the connection would fail as "could not be reached"
(seen once in 1,200 syncs of the 200-device benchmark)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from hubdesk.server.cli import HUB_KEEP_ALIVE_SECONDS
from hubdesk.sync.transport import IDLE_CONNECTION_SECONDS, HubClient
from tests.helpers.served import serving_on_loopback

ME = b'{"username": "amy", "display_name": "Amy", "role": "practitioner", "team": null}'


class PortsSeen:
    """An app answering ``/api/v1/me`` that notes the client port of each request."""

    def __init__(self) -> None:
        self.ports: list[int] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        self.ports.append(scope["client"][1])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": ME})


@pytest.fixture
def seen() -> Iterator[tuple[str, PortsSeen]]:
    app = PortsSeen()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="off",
        timeout_keep_alive=HUB_KEEP_ALIVE_SECONDS,  # as ``hubdesk-server serve`` serves
    )
    with serving_on_loopback(config) as base:
        yield base, app


def test_a_connection_idle_longer_than_the_device_keeps_it_is_not_used_again(
    seen: tuple[str, PortsSeen],
) -> None:
    assert IDLE_CONNECTION_SECONDS < HUB_KEEP_ALIVE_SECONDS
    base, app = seen
    with HubClient(base) as client:
        client.me()
        client.me()  # at once: the same connection
        time.sleep(IDLE_CONNECTION_SECONDS + 0.3)  # still open on the hub's side
        client.me()
    first, again, later = app.ports
    assert first == again
    assert later != first  # a new connection, though the hub would still have taken it
