"""What the screen tests share: the dependencies a screen is given."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hubdesk.services import Services
from hubdesk.settings import Settings
from hubdesk.views.case_tab import Deps
from hubdesk.views.tasks import Tasks


@pytest.fixture
def deps(services: Services) -> Iterator[Deps]:
    tasks = Tasks()
    yield Deps(services, tasks, Settings())
    tasks.wait_idle()
