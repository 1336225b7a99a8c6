"""What the screen tests share: the dependencies a screen is given, and (from
``conftest_sync``) the real hub on loopback and enrolled laptops for the sync screens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hubdesk.services import Services
from hubdesk.settings import Settings
from hubdesk.views.case_tab import Deps
from hubdesk.views.tasks import Tasks
from tests.views.conftest_sync import *  # noqa: F403  (the sync screens' fixtures)


@pytest.fixture
def deps(services: Services) -> Iterator[Deps]:
    tasks = Tasks()
    yield Deps(services, tasks, Settings())
    tasks.wait_idle()
