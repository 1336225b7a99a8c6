"""A demo organisation for `make run` and trying the hub out: two teams, a lead and two
practitioners in each, and their (printed) passwords. Fictional people only (Faker en_GB)."""

from __future__ import annotations

import secrets

from faker import Faker

from hubdesk.server.hub import Hub
from hubdesk.server.problems import Conflict
from hubdesk.server.tables import Role

TEAMS = ("North Hub", "South Hub")
DEMO_SEED = 4242


def _password() -> str:
    words = ("amber", "birch", "cobalt", "delta", "ember", "fjord", "grove", "harbour")
    return "-".join(secrets.choice(words) for _ in range(3)) + f"-{secrets.randbelow(100):02d}"


def seed_demo_organisation(hub: Hub) -> list[str]:
    """Create the demo teams and users (skipping any that exist); lines to print."""
    fake = Faker("en_GB")
    fake.seed_instance(DEMO_SEED)
    lines = ["Demo hub accounts (fictional people and demo passwords):"]
    for team in TEAMS:
        try:
            hub.create_team(team)
        except Conflict:
            lines.append(f"  team '{team}' exists already; its users are kept")
            continue
        members = [
            ("lead", Role.TEAM_LEAD),
            ("worker-a", Role.PRACTITIONER),
            ("worker-b", Role.PRACTITIONER),
        ]
        for suffix, role in members:
            username = f"{team.split()[0].lower()}-{suffix}"
            password = _password()
            hub.create_user(
                username, role=role, password=password, team=team, display_name=fake.name()
            )
            lines.append(f"  {username:<16} {role.value:<13} {team:<10} password: {password}")
    return lines
