"""Use cases: the only code that opens sessions and writes. The UI and the CLI both call it.

``Services(vault)`` gathers them; each use case runs in one write transaction together with
its audit event and search-index update, so a crash keeps all of it or none of it.
"""

from hubdesk.services.facade import Services

__all__ = ["Services"]
