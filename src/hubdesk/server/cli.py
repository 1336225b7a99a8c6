"""`hubdesk-server`: the hub's central service command.

The service itself (FastAPI on PostgreSQL or SQLite, users, devices, the CA) is built by the
hub service issue. Until then the command says so plainly instead of pretending.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from hubdesk import __version__


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="hubdesk-server",
        description="The Exploitation Hub's central service for HubDesk (not built yet).",
    )
    parser.add_argument("--version", action="version", version=f"HubDesk server {__version__}")
    parser.parse_args(argv)
    print(
        "The central hub service is not part of this version of HubDesk yet; "
        "HubDesk works offline on its encrypted vault until it is.",
        file=sys.stderr,
    )
    return 2
