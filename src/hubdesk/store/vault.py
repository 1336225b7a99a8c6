"""The vault: one folder holding the encrypted database and the wrapped key.

```
VAULT/
  store.sqlcipher          SQLCipher 4 database (+ -wal, -shm while open)
  key.json                 the data key, wrapped (see hubdesk.store.keywrap)
  unlock-attempts.json     failed-unlock times for throttling (no personal data)
  unlock-attempts.lock     empty; locked while an unlock attempt is in progress
```

Opening is: lock the attempts → throttle check (and wait) → record the attempt as a failure →
unwrap the key (a wrong passphrase never touches the database) → clear the record → unlock →
key a connection → probe the file → run migrations. Every failure is a
:class:`~hubdesk.errors.VaultError` whose message names the file and what to do.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.exc import OperationalError as SAOperationalError
from sqlalchemy.orm import Session, sessionmaker

from hubdesk.errors import TooManyAttemptsError, VaultError
from hubdesk.models.guards import install as install_guards
from hubdesk.models.meta import VaultMeta
from hubdesk.models.plain_text import install as install_plain_text
from hubdesk.store import keywrap, schema
from hubdesk.store.engine import WRITE_OPTION, make_vault_engine
from hubdesk.store.files import fsync_dir, write_json_atomic
from hubdesk.store.outbox import install as install_outbox
from hubdesk.store.secrets_util import wipe
from hubdesk.store.throttle import Throttle, attempt_lock
from hubdesk.timeutil import utcnow

DB_NAME = "store.sqlcipher"
KEY_NAME = "key.json"
ATTEMPTS_NAME = "unlock-attempts.json"
LOCK_NAME = "unlock-attempts.lock"

NEWER_VAULT_MESSAGE = (
    "This vault was last used by a newer version of HubDesk. Update HubDesk to open it; "
    "nothing in the vault has been changed."
)

META_DEVICE_ID = "device_id"
META_PRACTITIONER = "practitioner"
META_VAULT_ID = "vault_id"


def damaged_message(db_path: Path) -> str:
    return (
        f"{db_path} is damaged, truncated or not a HubDesk vault, so it cannot be opened. "
        "Nothing has been changed. Restore the vault folder from a backup, "
        "or ask your hub's IT team."
    )


@dataclass(frozen=True)
class CheckResult:
    cipher_problems: list[str]
    integrity_problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.cipher_problems and not self.integrity_problems

    def in_words(self) -> str:
        if self.ok:
            return (
                "The vault is healthy: every page decrypts and authenticates, "
                "and the database structure is intact."
            )
        lines = []
        if self.cipher_problems:
            lines.append(
                f"{len(self.cipher_problems)} page(s) fail their encryption check "
                "(changed or damaged on disk): " + "; ".join(self.cipher_problems[:5])
            )
        if self.integrity_problems:
            lines.append(
                "The database structure has problems: " + "; ".join(self.integrity_problems[:5])
            )
        lines.append("Restore the vault folder from a backup, or ask your hub's IT team.")
        return "\n".join(lines)


class Vault:
    """An open vault. Create with :meth:`create` or :meth:`open`; :meth:`close` drops the key."""

    def __init__(self, folder: Path, data_key: bytearray, engine: Engine) -> None:
        self.folder = folder
        self._key = data_key
        self.engine = engine
        self._read = sessionmaker(bind=engine, expire_on_commit=False)
        self._write = sessionmaker(
            bind=engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )

    # -- paths ---------------------------------------------------------------------------
    @staticmethod
    def db_path_of(folder: Path) -> Path:
        return folder / DB_NAME

    @staticmethod
    def key_path_of(folder: Path) -> Path:
        return folder / KEY_NAME

    @property
    def db_path(self) -> Path:
        return self.db_path_of(self.folder)

    @staticmethod
    def exists(folder: Path) -> bool:
        return (folder / KEY_NAME).exists() or (folder / DB_NAME).exists()

    # -- lifecycle -----------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        folder: Path,
        passphrase: bytearray,
        practitioner: str,
        kdf: keywrap.KdfParams = keywrap.DEFAULT_KDF,
    ) -> Vault:
        folder = Path(folder)
        if cls.exists(folder):
            raise VaultError(f"There is already a vault in {folder}; open it instead.")
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        vault_id = str(uuid.uuid4())
        data_key = keywrap.new_data_key()
        write_json_atomic(folder / KEY_NAME, keywrap.wrap(data_key, passphrase, vault_id, kdf))
        # Create the database file ourselves so it (and the -wal/-shm SQLite derives from it)
        # is readable by this user only.
        os.close(os.open(folder / DB_NAME, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        try:
            vault = cls._connect(folder, data_key)
            with vault.write() as session:
                session.add(VaultMeta(key=META_VAULT_ID, value=vault_id))
                session.add(VaultMeta(key=META_DEVICE_ID, value=str(uuid.uuid4())))
                session.add(VaultMeta(key=META_PRACTITIONER, value=practitioner))
        except BaseException:
            for name in (KEY_NAME, DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm"):
                (folder / name).unlink(missing_ok=True)
            raise
        fsync_dir(folder)
        return vault

    @classmethod
    def open(
        cls,
        folder: Path,
        passphrase: bytearray,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        on_wait: Callable[[float], None] | None = None,
    ) -> Vault:
        """Unwrap the key with ``passphrase`` and open the database.

        After earlier wrong passphrases the attempt first waits: ``on_wait(seconds)`` is called
        (so a caller can say so) just before ``sleep(seconds)``. Attempts on one vault, from
        any number of processes, take turns.
        """
        folder = Path(folder)
        db_path = folder / DB_NAME
        if not folder.is_dir() or not cls.exists(folder):
            raise VaultError(
                f"There is no vault in {folder}. Create one with: hubdesk vault init --vault "
                f"{folder}"
            )
        doc = keywrap.read_key_file(folder / KEY_NAME)
        if not db_path.exists():
            raise VaultError(
                f"The database {db_path} is missing. Restore the vault folder from a backup, "
                "or ask your hub's IT team."
            )
        wal = folder / (DB_NAME + "-wal")
        if db_path.stat().st_size == 0 and not (wal.exists() and wal.stat().st_size > 0):
            raise VaultError(damaged_message(db_path))
        with ExitStack() as turn:
            try:
                turn.enter_context(attempt_lock(folder / LOCK_NAME))
            except OSError as exc:
                raise _unwritable(folder, exc) from None
            throttle = Throttle(folder / ATTEMPTS_NAME, clock)
            data_key = cls._unwrap_counted(doc, passphrase, throttle, sleep, on_wait)
        return cls._connect(folder, data_key, vault_id=str(doc["vault_id"]))

    @staticmethod
    def _unwrap_counted(
        doc: dict[str, Any],
        passphrase: bytearray,
        throttle: Throttle,
        sleep: Callable[[float], None],
        on_wait: Callable[[float], None] | None,
    ) -> bytearray:
        """Check the throttle, wait, count the attempt, unwrap; call holding the attempt lock."""
        wait, blocked = throttle.delay_before_next()
        if blocked:
            raise TooManyAttemptsError(wait)
        if wait > 0:
            if on_wait is not None:
                on_wait(wait)
            sleep(wait)
        # Counted before the slow unwrap, so a process killed during it still counts; a wrong
        # passphrase leaves the count in place.
        try:
            throttle.record_failure()
        except OSError as exc:
            raise _unwritable(throttle.path.parent, exc) from None
        data_key = keywrap.unwrap(doc, passphrase)
        try:
            throttle.reset()
        except BaseException as exc:
            wipe(data_key)
            if isinstance(exc, OSError):
                raise _unwritable(throttle.path.parent, exc) from None
            raise
        return data_key

    @classmethod
    def _connect(cls, folder: Path, data_key: bytearray, vault_id: str | None = None) -> Vault:
        db_path = folder / DB_NAME
        engine = make_vault_engine(db_path, data_key)
        try:
            try:
                cls._probe(engine, db_path, vault_id)
            except SADatabaseError:
                raise VaultError(damaged_message(db_path)) from None
            try:
                schema.upgrade(engine)
            except schema.NewerSchemaError:
                raise VaultError(NEWER_VAULT_MESSAGE) from None
            except SAOperationalError as exc:
                # A migration step failed on a readable database (damage raises other errors).
                logging.getLogger(__name__).error(
                    "schema upgrade failed: %s", type(exc.orig).__name__
                )
                raise VaultError(
                    f"The vault in {folder} could not be brought up to date for this version "
                    "of HubDesk. Nothing in it has been changed. Keep the folder as it is and "
                    "ask your hub's IT team."
                ) from None
            except SADatabaseError:
                raise VaultError(damaged_message(db_path)) from None
        except BaseException:
            engine.dispose()
            wipe(data_key)
            raise
        install_plain_text()
        install_guards()
        install_outbox()
        return cls(folder, data_key, engine)

    @staticmethod
    def _probe(engine: Engine, db_path: Path, vault_id: str | None = None) -> None:
        """Fail early on a truncated or foreign file instead of at some later query."""
        with engine.connect() as conn:
            tables = conn.execute(text("SELECT count(*) FROM sqlite_master")).scalar_one()
            if vault_id is not None:
                found = (
                    conn.execute(
                        text("SELECT value FROM vault_meta WHERE key = 'vault_id'")
                    ).scalar_one_or_none()
                    if tables
                    else None
                )
                if found != vault_id:
                    raise VaultError(damaged_message(db_path))
            page_size = int(conn.execute(text("PRAGMA page_size")).scalar_one())
            page_count = int(conn.execute(text("PRAGMA page_count")).scalar_one())
        wal = db_path.with_name(db_path.name + "-wal")
        wal_size = wal.stat().st_size if wal.exists() else 0
        if wal_size == 0 and db_path.stat().st_size < page_size * page_count:
            raise VaultError(damaged_message(db_path))

    def close(self) -> None:
        """Close every connection and overwrite the key in memory. The object is then unusable."""
        self.engine.dispose()
        wipe(self._key)

    @property
    def is_open(self) -> bool:
        return any(self._key)

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sessions ------------------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction (``BEGIN IMMEDIATE``), committed when the block ends."""
        with self._write() as session, session.begin():
            yield session

    # -- vault facts ---------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        with self.read() as session:
            row = session.execute(select(VaultMeta.value).where(VaultMeta.key == key))
            return row.scalar_one_or_none()

    @property
    def device_id(self) -> str:
        value = self.meta(META_DEVICE_ID)
        assert value is not None
        return value

    @property
    def practitioner(self) -> str:
        return self.meta(META_PRACTITIONER) or "unknown"

    # -- maintenance ---------------------------------------------------------------------
    def change_passphrase(
        self, new_passphrase: bytearray, kdf: keywrap.KdfParams | None = None
    ) -> None:
        """Re-wrap the same data key under a new passphrase; the database is not touched."""
        old = keywrap.read_key_file(self.folder / KEY_NAME)
        params = kdf or max(keywrap.kdf_params(old), keywrap.DEFAULT_KDF, key=_kdf_cost)
        doc = keywrap.wrap(self._key, new_passphrase, old["vault_id"], params)
        write_json_atomic(self.folder / KEY_NAME, doc)

    def check(self) -> CheckResult:
        with self.engine.connect() as conn:
            try:
                cipher = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA cipher_integrity_check")]
            except SADatabaseError:
                cipher = ["the encryption check could not read the file"]
            try:
                integrity = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA integrity_check")]
            except SADatabaseError:
                integrity = ["the structure check stopped at a page it could not read"]
        integrity = [p for p in integrity if p != "ok"]
        return CheckResult(cipher, integrity)


def _unwritable(folder: Path, exc: OSError) -> VaultError:
    return VaultError(
        f"HubDesk cannot write in the vault folder {folder} ({exc.__class__.__name__}), so it "
        "cannot open the vault. Check that the folder is yours and not read-only."
    )


def _kdf_cost(params: keywrap.KdfParams) -> int:
    return params.time_cost * params.memory_cost_kib
