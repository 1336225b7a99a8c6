"""All use cases behind one object, built from an open vault."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from hubdesk.services.attachments import AttachmentService
from hubdesk.services.base import Actor
from hubdesk.services.cases import CaseService
from hubdesk.services.conflicts import ConflictService
from hubdesk.services.contexts import ContextService
from hubdesk.services.definitions import DefinitionService
from hubdesk.services.drafts import DraftService
from hubdesk.services.export import ExportService
from hubdesk.services.hub_link import HubLinkService
from hubdesk.services.missing import MissingService
from hubdesk.services.notes import NoteService
from hubdesk.services.plans import PlanService
from hubdesk.services.retention import RetentionService
from hubdesk.services.screenings import ScreeningService
from hubdesk.services.search import SearchService
from hubdesk.services.sync import SyncService
from hubdesk.services.work import WorkService
from hubdesk.store import audit
from hubdesk.store.vault import Vault
from hubdesk.timeutil import utcnow


class Services:
    def __init__(
        self, vault: Vault, actor: Actor | None = None, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.vault = vault
        self.actor = actor or Actor(name=vault.practitioner, device=vault.device_id)
        args = (vault, self.actor, clock)
        self.cases = CaseService(*args)
        self.contexts = ContextService(*args)
        self.drafts = DraftService(*args)
        self.definitions = DefinitionService(*args)
        self.notes = NoteService(*args)
        self.plans = PlanService(*args)
        self.screenings = ScreeningService(*args)
        self.missing = MissingService(*args)
        self.work = WorkService(*args)
        self.search = SearchService(*args)
        self.export = ExportService(*args)
        self.hub = HubLinkService(*args)
        self.retention = RetentionService(*args)
        self.sync = SyncService(*args)
        self.conflicts = ConflictService(*args)
        self.attachments = AttachmentService(*args)

    def verify_audit(self) -> audit.ChainReport:
        with self.vault.read() as session:
            return audit.verify(session)
