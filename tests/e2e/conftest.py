"""End-to-end tests: the real hub on loopback (the server tests' fixtures) and real vaults."""

from __future__ import annotations

from tests.server.conftest import database_url, hub, loopback_server, org, served

__all__ = ["database_url", "hub", "loopback_server", "org", "served"]
