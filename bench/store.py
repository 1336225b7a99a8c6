"""Store benchmark: the encrypted vault against plain SQLite, through the same code path.

Run from the project root::

    .venv/bin/python bench/store.py            # full run: 2,000 cases x 40 notes
    .venv/bin/python bench/store.py --quick    # smoke run: 200 cases

Both backends are a :class:`hubdesk.store.vault.Vault` over an engine from
:func:`hubdesk.store.engine.build_engine` with the same connection pragmas
(:data:`hubdesk.store.engine.CONNECTION_PRAGMAS`), the same Alembic schema, the same guards and
the same services; only the DB-API connection differs (``sqlcipher3`` keyed with the vault's
data key, or stdlib ``sqlite3``). Every workload runs on both, interleaved item by item with
the order alternating, so drift in the machine (other processes, CPU clock, the OS cache)
lands on both sides alike. Record ids come from the same seeded source on both sides, so the
two databases hold the same rows (ids, texts) in the same order; only timestamps differ.

Workloads (see ``bench/README.md`` for the reasoning):

1. seed N cases x M contact notes, one write transaction per case;
2. open a case with everything recorded about it (``services.cases.case_file``);
3. full-text search as a practitioner types it (``services.search.search``);
4. single-note inserts, one transaction each (``services.notes.add``);
5. unlock with the production Argon2id parameters, and the database file sizes.

The script prints figures, ratios vault/plain and whether each target is met; it never fails
on time. All text is fictional (Faker en_GB with a fixed seed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy
import sqlcipher3
from faker import Faker
from faker.providers.lorem.en_US import Provider as EnglishLorem

from hubdesk.models import ContactNote, YoungPerson
from hubdesk.models.base import id_source
from hubdesk.models.guards import install as install_guards
from hubdesk.models.meta import VaultMeta
from hubdesk.services import Services
from hubdesk.services.cases import CaseFile
from hubdesk.services.search import SearchResult, index_person
from hubdesk.store import keywrap, schema, search
from hubdesk.store.engine import apply_pragmas, build_engine
from hubdesk.store.vault import META_DEVICE_ID, META_PRACTITIONER, META_VAULT_ID, Vault

PRACTITIONER = "Bench Practitioner"
PASSPHRASE = "bench orchard lantern 42 quietly"  # fictional; only for throwaway vaults in /tmp

#: Targets from the brief. Ratios apply to every figure that has a plain-SQLite baseline.
MAX_RATIO = 1.3
OPEN_CASE_MAX_MS = 30.0
SEARCH_P95_MAX_MS = 50.0
UNLOCK_RANGE_S = (0.3, 0.6)

NOTE_KINDS = ("home_visit", "phone", "school", "office", "online")
PRESENT = (
    "Young person",
    "Young person and carer",
    "Carer",
    "Young person and youth worker",
    "Young person and designated safeguarding lead",
)


# -- options ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Options:
    cases: int
    notes: int
    inserts: int
    queries: int
    open_samples: int
    unlocks: int
    seed: int
    baseline: str
    keep: bool


def parse_args(argv: Sequence[str] | None) -> Options:
    p = argparse.ArgumentParser(
        description="HubDesk store benchmark: encrypted vault vs plain SQLite (same code path)."
    )
    p.add_argument("--cases", type=int, help="young people to seed (default 2000; quick 200)")
    p.add_argument("--notes", type=int, help="contact notes per case (default 40)")
    p.add_argument("--inserts", type=int, help="single-note inserts (default 1000; quick 200)")
    p.add_argument("--queries", type=int, help="search queries to time (default 300; quick 200)")
    p.add_argument("--open-samples", type=int, help="cases to open (default 200)")
    p.add_argument("--unlocks", type=int, help="timed unlocks with DEFAULT_KDF (default 5)")
    p.add_argument("--seed", type=int, default=20261127, help="seed for texts and choices")
    p.add_argument(
        "--baseline",
        choices=("sqlite3", "sqlcipher-nokey"),
        default="sqlite3",
        help="plain baseline: stdlib sqlite3 (default) or sqlcipher3 without a key (same "
        "SQLite build as the vault, so the ratio isolates the cost of encryption)",
    )
    p.add_argument("--quick", action="store_true", help="small smoke run (200 cases)")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder (prints it)")
    a = p.parse_args(argv)
    quick = a.quick

    def pick(value: int | None, full: int, small: int) -> int:
        chosen = value if value is not None else (small if quick else full)
        if chosen < 1:
            p.error("counts must be at least 1")
        return chosen

    return Options(
        cases=pick(a.cases, 2000, 200),
        notes=pick(a.notes, 40, 40),
        inserts=pick(a.inserts, 1000, 200),
        queries=pick(a.queries, 300, 200),
        open_samples=pick(a.open_samples, 200, 200),
        unlocks=pick(a.unlocks, 5, 3),
        seed=a.seed,
        baseline=a.baseline,
        keep=a.keep,
    )


# -- fictional data, generated once for both backends ---------------------------------------
@dataclass(frozen=True)
class PersonSpec:
    given_name: str
    family_name: str
    date_of_birth: date
    gender: str
    education: str
    referral_date: date
    next_review_date: date
    flag_looked_after: bool
    harm_types: list[str]


@dataclass(frozen=True)
class NoteSpec:
    kind: str
    occurred_at: datetime
    narrative: str
    present: str

    @property
    def index_body(self) -> str:
        # What hubdesk.services.notes._index indexes for a note without addenda.
        return "\n".join([self.narrative, self.present])


@dataclass(frozen=True)
class Query:
    category: str
    text: str


@dataclass
class Corpus:
    people: list[PersonSpec]
    notes: list[list[NoteSpec]]
    extra_notes: list[NoteSpec]
    queries: list[Query]
    warm_queries: list[Query]
    query_facts: str
    chars: int


def zipf_word_list(rng: random.Random) -> list[str]:
    """Faker's English lorem words with a Zipf-like frequency (word at rank r ~ 1/r).

    Faker en_GB has no English lorem provider of its own: it falls back to 182 pseudo-Latin
    words drawn uniformly, so every word would be in about a quarter of all notes and no word
    would be rare, which is nothing like real notes and the worst possible case for FTS.
    Here Faker's own 971 English words get a seeded rank and are repeated in proportion to
    1/rank, so a few words are in most notes and most words in a few per cent of them.
    """
    words = [w.lower() for w in EnglishLorem.word_list]
    rng.shuffle(words)
    expanded: list[str] = []
    for rank, word in enumerate(words, start=1):
        expanded.extend([word] * max(1, round(300 / rank**1.07)))
    return expanded


def make_corpus(opts: Options, now: datetime) -> Corpus:
    rng = random.Random(opts.seed)
    fake = Faker("en_GB")
    fake.seed_instance(opts.seed)
    vocabulary = zipf_word_list(rng)
    today = now.date()

    def narrative(name: str, places: list[str], peers: list[str]) -> str:
        words = fake.words(nb=rng.randint(50, 130), ext_word_list=vocabulary)
        # Names and places are what make a note findable: mention the young person, one of
        # the places that keep coming up in their notes, and now and then someone they know.
        words.insert(rng.randrange(len(words)), name)
        words.insert(rng.randrange(len(words)), rng.choice(places))
        if rng.random() < 0.5:
            words.insert(rng.randrange(len(words)), rng.choice(peers))
        sentences, i = [], 0
        while i < len(words):
            n = rng.randint(6, 16)
            chunk = words[i : i + n]
            i += n
            sentences.append(chunk[0][:1].upper() + " ".join(chunk)[1:] + ".")
        return " ".join(sentences)

    def note(name: str, places: list[str], peers: list[str]) -> NoteSpec:
        return NoteSpec(
            kind=rng.choice(NOTE_KINDS),
            occurred_at=now - timedelta(days=rng.uniform(1, 700)),
            narrative=narrative(name, places, peers),
            present=rng.choice(PRESENT),
        )

    people: list[PersonSpec] = []
    notes: list[list[NoteSpec]] = []
    contexts: list[tuple[str, list[str], list[str]]] = []
    for _ in range(opts.cases):
        given = fake.first_name()
        person = PersonSpec(
            given_name=given,
            family_name=fake.last_name(),
            date_of_birth=today - timedelta(days=rng.randint(11 * 365, 17 * 365)),
            gender=rng.choice(["Female", "Male", "Non-binary", "Prefers not to say"]),
            education=rng.choice(["Mainstream school", "Alternative provision", "College"]),
            referral_date=today - timedelta(days=rng.randint(20, 700)),
            next_review_date=today + timedelta(days=rng.randint(-10, 60)),
            flag_looked_after=rng.random() < 0.3,
            harm_types=rng.sample(
                ["criminal_exploitation", "sexual_exploitation", "county_lines", "online_harm"],
                k=rng.randint(1, 2),
            ),
        )
        places = [fake.street_name(), fake.street_name(), fake.city()]
        peers = [fake.first_name() for _ in range(3)]
        people.append(person)
        notes.append([note(given, places, peers) for _ in range(opts.notes)])
        contexts.append((given, places, peers))
    extra: list[NoteSpec] = []
    for _ in range(opts.inserts):
        given, places, peers = rng.choice(contexts)
        extra.append(note(given, places, peers))
    queries, facts = make_queries(rng, people, notes, opts.queries)
    warm, _ = make_queries(random.Random(opts.seed + 1), people, notes, 20)
    chars = sum(len(n.narrative) + len(n.present) for ns in notes for n in ns)
    return Corpus(people, notes, extra, queries, warm, facts, chars)


_WORD = re.compile(r"\w+")

#: Share of each kind of query (what a practitioner types into one search box).
QUERY_MIX: tuple[tuple[str, float], ...] = (
    ("common word", 0.15),  # a word in many notes ("agency")
    ("rare word", 0.15),  # a place or person named in a few notes
    ("family name", 0.10),
    ("name + prefix", 0.10),  # "Sian Llo" while typing a full name
    ("two words", 0.10),
    ("prefix 3-5", 0.30),  # the last word being typed, 3 to 5 letters so far
    ("prefix 2", 0.10),  # the first two letters of a word
)


def make_queries(
    rng: random.Random, people: list[PersonSpec], notes: list[list[NoteSpec]], n: int
) -> tuple[list[Query], str]:
    """Realistic one/two-word queries, classified by how often their words occur (measured on
    a sample of the notes, not assumed), and those occurrence figures in words."""
    sample = [s for ns in notes for s in ns]
    sample = rng.sample(sample, min(len(sample), 10_000))
    df: Counter[str] = Counter()
    for spec in sample:
        df.update({w.lower() for w in _WORD.findall(spec.narrative)})
    ranked = [w for w, _ in df.most_common() if len(w) >= 4]
    total = len(sample)
    # Words in more than 60% of notes stand in for "the" and "and": nobody searches for them
    # alone (they are still matched by short prefixes).
    common = [w for w in ranked if df[w] <= 0.6 * total][:40]
    medium = [w for w in ranked if 0.02 * total <= df[w] <= 0.2 * total]
    rare = [w for w in ranked if df[w] <= max(2, 0.002 * total)]
    typed = common + medium

    def one(category: str) -> str:
        if category == "common word":
            return rng.choice(common)
        if category == "rare word":
            return rng.choice(rare)
        person = rng.choice(people)
        if category == "family name":
            return person.family_name
        if category == "name + prefix":
            return f"{person.given_name} {person.family_name[: rng.randint(2, 4)]}"
        if category == "two words":
            return f"{rng.choice(common)} {rng.choice(medium)}"
        if category == "prefix 3-5":
            word = rng.choice(typed)
            return word[: rng.randint(3, min(5, len(word)))]
        return rng.choice(typed)[:2]

    kinds = [kind for kind, share in QUERY_MIX for _ in range(round(n * share))]
    kinds += [max(QUERY_MIX, key=lambda m: m[1])[0]] * (n - len(kinds))
    queries = [Query(kind, one(kind)) for kind in kinds[:n]]
    rng.shuffle(queries)
    facts = (
        f"common words are in {df[common[-1]] / total:.0%}-{df[common[0]] / total:.0%} of "
        f"notes, two-word queries pair one with a word in 2-20%, rare words are in at most "
        f"{max(df[w] for w in rare) / total:.1%}"
    )
    return queries, facts


# -- the two backends ------------------------------------------------------------------------
@dataclass
class Backend:
    name: str
    vault: Vault
    db_path: Path
    id_seed: int
    services: Services = field(init=False)
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.id_seed)
        self.services = Services(self.vault)

    def _next_id(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    @contextmanager
    def ids(self) -> Iterator[None]:
        """Record ids from this backend's seeded source: both backends get the same ids."""
        token = id_source.set(self._next_id)
        try:
            yield
        finally:
            id_source.reset(token)

    def pragma(self, name: str) -> str:
        with self.vault.engine.connect() as conn:
            rows = conn.exec_driver_sql(f"PRAGMA {name}").fetchall()
        return ",".join(str(r[0]) for r in rows) if rows else "(none)"

    def checkpoint(self) -> None:
        with self.vault.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def size_bytes(self) -> int:
        return sum(
            p.stat().st_size for p in (self.db_path, Path(f"{self.db_path}-wal")) if p.exists()
        )


def make_vault_backend(folder: Path, id_seed: int) -> Backend:
    # TEST_KDF: the benchmark measures the database; the KDF is measured on its own (item 5).
    vault = Vault.create(folder, bytearray(PASSPHRASE.encode()), PRACTITIONER, keywrap.TEST_KDF)
    return Backend("vault", vault, vault.db_path, id_seed)


def make_plain_backend(folder: Path, id_seed: int, baseline: str) -> Backend:
    folder.mkdir(parents=True, mode=0o700)
    db_path = folder / "store.sqlite"
    module: Any = sqlite3 if baseline == "sqlite3" else sqlcipher3

    def creator() -> Any:
        conn = module.connect(str(db_path), check_same_thread=False, isolation_level=None)
        apply_pragmas(conn)
        return conn

    engine = build_engine(creator, module)
    schema.upgrade(engine)
    install_guards()
    # The key buffer is never used without SQLCipher, but it must be non-zero ("open").
    vault = Vault(folder, bytearray(b"\x01"), engine)
    with vault.write() as session:
        # The same vault facts Vault.create writes; the services read the last two.
        session.add(VaultMeta(key=META_VAULT_ID, value=str(uuid.uuid4())))
        session.add(VaultMeta(key=META_DEVICE_ID, value=str(uuid.uuid4())))
        session.add(VaultMeta(key=META_PRACTITIONER, value=PRACTITIONER))
    return Backend("plain", vault, db_path, id_seed)


# -- workloads -------------------------------------------------------------------------------
def seed_case(backend: Backend, person: PersonSpec, notes: list[NoteSpec]) -> str:
    """One case and its notes in ONE write transaction, doing per record exactly what
    CaseService.add and NoteService.add do: insert, index for search, append an audit event.

    Batched per case because 82,000 service calls would each pay a commit (an fsync with
    synchronous=FULL) and that, not the store at size, would be what the seeding measured; a
    real caseload builds up over years. Per-transaction cost is measured by the inserts.
    Two reads NoteService.add makes are left out because they cannot find anything here: the
    young person's lookup (just added, in the session) and the new note's addenda.
    """
    svc = backend.services
    with backend.ids(), backend.vault.write() as session:
        young = YoungPerson(
            given_name=person.given_name,
            family_name=person.family_name,
            date_of_birth=person.date_of_birth,
            gender=person.gender,
            education=person.education,
            allocated_worker=svc.actor.name,
            referral_date=person.referral_date,
            next_review_date=person.next_review_date,
            flag_looked_after=person.flag_looked_after,
            harm_types=list(person.harm_types),
        )
        session.add(young)
        session.flush()
        index_person(session, young)
        svc.cases.audit(session, "create", young)  # -> hubdesk.store.audit.append
        for spec in notes:
            note = ContactNote(
                young_person_id=young.id,
                kind=spec.kind,
                occurred_at=spec.occurred_at,
                narrative=spec.narrative,
                present=spec.present,
                author=svc.actor.name,
            )
            session.add(note)
            session.flush()
            search.index(
                session,
                record_id=note.id,
                record_kind="contact_note",
                young_person_id=young.id,
                body=spec.index_body,
            )
            svc.notes.audit(session, "create", note)
        return young.id


def open_case(backend: Backend, pid: str) -> CaseFile:
    return backend.services.cases.case_file(pid)


def run_search(backend: Backend, text: str) -> list[SearchResult]:
    return backend.services.search.search(text)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def interleaved(
    backends: tuple[Backend, Backend], i: int, work: Callable[[Backend], Any]
) -> dict[str, tuple[float, Any]]:
    """Run one item on both backends, alternating which goes first."""
    order = backends if i % 2 == 0 else backends[::-1]
    out: dict[str, tuple[float, Any]] = {}
    for b in order:
        with b.ids():
            out[b.name] = timed(partial(work, b))
    return out


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- statistics and reporting ----------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


@dataclass
class Figure:
    metric: str
    label: str
    value: float
    unit: str
    baseline: float | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline

    def line(self) -> str:
        digits = 2 if self.unit in ("ms", "MB") else 3
        text = f"  {self.label:<34} vault {self.value:10.{digits}f} {self.unit:<3}"
        if self.baseline is not None:
            text += (
                f"   plain {self.baseline:10.{digits}f} {self.unit:<3}   ratio {self.ratio:5.2f}"
            )
        return text

    def json(self) -> str:
        digits = 2 if self.unit in ("ms", "MB") else 3
        doc: dict[str, Any] = {
            "metric": self.metric,
            "value": round(self.value, digits),
            "unit": self.unit,
        }
        if self.baseline is not None:
            doc["baseline"] = round(self.baseline, digits)
            ratio = self.ratio
            doc["ratio"] = round(ratio, 2) if ratio is not None else None
        return json.dumps(doc)


def ms(values: Sequence[float]) -> list[float]:
    return [v * 1000 for v in values]


def fs_type(path: Path) -> str:
    """The filesystem under ``path`` (fsync cost depends on it), from /proc/mounts."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return "unknown"
    best, kind = "", "unknown"
    target = str(path.resolve())
    for line in mounts:
        parts = line.split()
        if len(parts) >= 3 and target.startswith(parts[1]) and len(parts[1]) > len(best):
            best, kind = parts[1], parts[2]
    return f"{kind} on {best}" if best else kind


def load_average() -> str:
    """Other work on the machine shows up in every timing (ratios less so: interleaved)."""
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} CPU(s)"
    except OSError:
        return "unknown"


def describe(backends: tuple[Backend, Backend], root: Path, opts: Options) -> None:
    vault, plain = backends
    print("HubDesk store benchmark: encrypted vault vs plain SQLite (same code path)")
    print(
        f"  python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, "
        f"{os.cpu_count()} CPU(s), temp folder {fs_type(root)}"
    )
    print(
        f"  vault: sqlcipher3 (SQLCipher {vault.pragma('cipher_version')}, SQLite "
        f"{sqlcipher3.sqlite_version}, crypto {vault.pragma('cipher_provider')} "
        f"{vault.pragma('cipher_provider_version')})"
    )
    if opts.baseline == "sqlite3":
        print(f"  plain: stdlib sqlite3 (SQLite {sqlite3.sqlite_version})")
    else:
        print(f"  plain: sqlcipher3 without a key (SQLite {sqlcipher3.sqlite_version})")
    for b in backends:
        facts = ", ".join(
            f"{name}={b.pragma(name)}"
            for name in (
                "page_size",
                "cache_size",
                "journal_mode",
                "synchronous",
                "secure_delete",
                "temp_store",
                "mmap_size",
            )
        )
        print(f"  {b.name:<5} pragmas: {facts}")
    mem = vault.pragma("cipher_memory_security")
    print(
        f"  vault cipher_memory_security={mem}, cipher_page_size={vault.pragma('cipher_page_size')}"
    )
    if opts.baseline == "sqlite3" and sqlite3.sqlite_version != sqlcipher3.sqlite_version:
        print(
            "  note: the two SQLite builds differ, so a ratio mixes encryption with the build; "
            "--baseline sqlcipher-nokey compares the same build without a key"
        )
    if vault.pragma("cache_size") != plain.pragma("cache_size"):
        print(
            "  note: cache_size is each build's compiled-in default (CONNECTION_PRAGMAS does "
            "not set it)"
        )
    print(f"  load average at start: {load_average()}")
    print(
        f"  workload: {opts.cases} cases x {opts.notes} notes, {opts.open_samples} case opens, "
        f"{opts.queries} searches, {opts.inserts} single inserts, {opts.unlocks} unlocks, "
        f"seed {opts.seed}"
    )


# -- the benchmark ---------------------------------------------------------------------------
Samples = dict[str, list[float]]  # backend name -> seconds, one per item


def new_samples() -> Samples:
    return {"vault": [], "plain": []}


def paired(
    metric: str, label: str, samples: Samples, stat: Callable[[list[float]], float], unit: str
) -> Figure:
    scale = 1000.0 if unit == "ms" else 1.0
    return Figure(
        metric, label, stat(samples["vault"]) * scale, unit, stat(samples["plain"]) * scale
    )


def p95(values: Sequence[float]) -> float:
    return percentile(values, 0.95)


def show(figures: list[Figure]) -> list[Figure]:
    for f in figures:
        print(f.line())
    return figures


def seed_phase(
    backends: tuple[Backend, Backend], corpus: Corpus, opts: Options
) -> tuple[list[Figure], list[str]]:
    print()
    print(f"1. Seed {opts.cases} cases x {opts.notes} notes (one transaction per case)")
    ids: dict[str, list[str]] = {"vault": [], "plain": []}
    t = new_samples()
    step = max(1, opts.cases // 10)
    for i, (person, notes) in enumerate(zip(corpus.people, corpus.notes, strict=True)):
        out = interleaved(backends, i, partial(seed_case, person=person, notes=notes))
        for name, (secs, pid) in out.items():
            t[name].append(secs)
            ids[name].append(pid)
        if (i + 1) % step == 0:
            progress(
                f"  seeded {i + 1}/{opts.cases}: vault {sum(t['vault']):.1f} s, "
                f"plain {sum(t['plain']):.1f} s"
            )
    if ids["vault"] != ids["plain"]:
        raise RuntimeError("The two backends were given different record ids; not comparable.")
    figures = show(
        [
            paired("seed_total", "seed total", t, sum, "s"),
            paired("seed_case_mean", "seed one case (mean)", t, statistics.mean, "ms"),
        ]
    )
    n_notes = opts.cases * opts.notes
    tenth = max(1, opts.cases // 10)

    def first_last(name: str) -> str:
        first, last = statistics.mean(t[name][:tenth]), statistics.mean(t[name][-tenth:])
        return f"{first * 1000:.1f}/{last * 1000:.1f}"

    print(
        f"  notes per second: vault {n_notes / sum(t['vault']):,.0f}, plain "
        f"{n_notes / sum(t['plain']):,.0f}; ms per case in the first/last tenth: vault "
        f"{first_last('vault')}, plain {first_last('plain')}"
    )
    return figures, ids["vault"]


def open_phase(backends: tuple[Backend, Backend], ids: list[str], opts: Options) -> list[Figure]:
    print()
    print(f"2. Open a case with all its records: services.cases.case_file ({opts.open_samples})")
    rng = random.Random(opts.seed + 2)
    for b in backends:  # warm the code path (SQL compilation caches) once
        b.services.cases.case_file(ids[0])
    t = new_samples()
    for i in range(opts.open_samples):
        pid = ids[rng.randrange(len(ids))]
        out = interleaved(backends, i, partial(open_case, pid=pid))
        counts = {name: len(res.notes) for name, (_, res) in out.items()}
        if counts["vault"] != counts["plain"]:
            raise RuntimeError(f"case_file returned different notes: {counts}")
        for name, (secs, _) in out.items():
            t[name].append(secs)
    return show(
        [
            paired("open_case_median", "open case median", t, statistics.median, "ms"),
            paired("open_case_p95", "open case p95", t, p95, "ms"),
        ]
    )


def search_phase(backends: tuple[Backend, Backend], corpus: Corpus) -> list[Figure]:
    print()
    print(f"3. Full-text search: services.search.search ({len(corpus.queries)} queries)")
    for q in corpus.warm_queries:
        for b in backends:
            b.services.search.search(q.text)
    t = new_samples()
    by_kind: dict[str, Samples] = {}
    hits: list[int] = []
    for i, q in enumerate(corpus.queries):
        out = interleaved(backends, i, partial(run_search, text=q.text))
        if len(out["vault"][1]) != len(out["plain"][1]):
            raise RuntimeError(f"search {q.text!r} found different results on the two backends")
        hits.append(len(out["vault"][1]))
        for name, (secs, _) in out.items():
            t[name].append(secs)
            by_kind.setdefault(q.category, new_samples())[name].append(secs)
    figures = show(
        [
            paired("search_p50", "search p50", t, statistics.median, "ms"),
            paired("search_p95", "search p95", t, p95, "ms"),
        ]
    )
    print(f"  {corpus.query_facts}")
    print(f"  results per query: median {statistics.median(hits):.0f} (limit 50)")
    print("  by kind of query (ms)          n   vault p50   p95    max  plain p50   p95    max")
    for kind, _ in QUERY_MIX:
        if kind not in by_kind:
            continue
        v, pl = ms(by_kind[kind]["vault"]), ms(by_kind[kind]["plain"])
        example = next(q.text for q in corpus.queries if q.category == kind)
        print(
            f"    {kind:<26} {len(v):4d} {percentile(v, 0.5):9.1f} {p95(v):6.1f} {max(v):6.1f}"
            f" {percentile(pl, 0.5):10.1f} {p95(pl):6.1f} {max(pl):6.1f}   e.g. {example!r}"
        )
    rows = zip(ms(t["vault"]), ms(t["plain"]), corpus.queries, strict=True)
    slowest = sorted(rows, key=lambda r: r[0], reverse=True)[:5]
    print(
        "  slowest (vault/plain): "
        + ", ".join(f"{q.text!r} {v:.0f}/{pl:.0f} ms" for v, pl, q in slowest)
    )
    return figures


def insert_phase(
    backends: tuple[Backend, Backend], ids: list[str], corpus: Corpus, opts: Options
) -> list[Figure]:
    print()
    print(f"4. {opts.inserts} single-note inserts, one transaction each: services.notes.add")
    rng = random.Random(opts.seed + 3)
    t = new_samples()
    for i, spec in enumerate(corpus.extra_notes):
        pid = ids[rng.randrange(len(ids))]

        def add(b: Backend, pid: str = pid, spec: NoteSpec = spec) -> str:
            return b.services.notes.add(
                pid,
                kind=spec.kind,
                occurred_at=spec.occurred_at,
                narrative=spec.narrative,
                present=spec.present,
            )

        for name, (secs, _) in interleaved(backends, i, add).items():
            t[name].append(secs)
    return show(
        [
            paired("insert_total", "inserts total", t, sum, "s"),
            paired("insert_median", "insert median", t, statistics.median, "ms"),
            paired("insert_p95", "insert p95", t, p95, "ms"),
        ]
    )


def sizes_mb(backends: tuple[Backend, Backend]) -> Samples:
    for b in backends:
        b.checkpoint()
    return {b.name: [b.size_bytes() / (1024 * 1024)] for b in backends}


def run(opts: Options, root: Path) -> list[Figure]:
    progress("generating fictional texts (not timed) …")
    gen_s, corpus = timed(lambda: make_corpus(opts, datetime.now(UTC)))
    n_notes = opts.cases * opts.notes
    progress(f"  {n_notes} notes, {corpus.chars / 1e6:.1f} M characters in {gen_s:.1f} s")
    backends = (
        make_vault_backend(root / "vault", opts.seed),
        make_plain_backend(root / "plain", opts.seed, opts.baseline),
    )
    describe(backends, root, opts)
    print(
        f"  texts: {n_notes} notes, {corpus.chars / 1e6:.1f} M characters "
        f"({corpus.chars / n_notes:.0f} per note), generated in {gen_s:.1f} s (not timed)"
    )
    figures, ids = seed_phase(backends, corpus, opts)
    seeded = sizes_mb(backends)
    figures += open_phase(backends, ids, opts)
    figures += search_phase(backends, corpus)
    figures += insert_phase(backends, ids, corpus, opts)
    print()
    print("5. Database file sizes (after a WAL checkpoint) and unlock time")
    figures += show(
        [
            paired("db_size_seeded", "size after seeding", seeded, sum, "MB"),
            paired("db_size", "size at the end", sizes_mb(backends), sum, "MB"),
        ]
    )
    for b in backends:
        b.vault.close()
    figures += measure_unlock(root / "kdf", opts.unlocks)
    return figures


def measure_unlock(folder: Path, times: int) -> list[Figure]:
    """Vault.open with the production KDF, alternating with the bare Argon2id derivation so a
    busy machine (Argon2id uses both lanes, so both cores) weighs on both alike."""
    params = keywrap.DEFAULT_KDF
    print(
        f"  unlock = Vault.open with DEFAULT_KDF (argon2id, {params.time_cost} passes, "
        f"{params.memory_cost_kib // 1024} MiB, {params.parallelism} lanes), {times} times"
    )
    Vault.create(folder, bytearray(PASSPHRASE.encode()), PRACTITIONER, params).close()
    salt = keywrap._unb64(keywrap.read_key_file(Vault.key_path_of(folder))["salt"])
    opens: list[float] = []
    kdfs: list[float] = []
    for _ in range(times):
        secs, vault = timed(lambda: Vault.open(folder, bytearray(PASSPHRASE.encode())))
        vault.close()
        opens.append(secs)
        secs, key = timed(
            lambda: keywrap.derive_wrapping_key(bytearray(PASSPHRASE.encode()), salt, params)
        )
        key[:] = bytes(len(key))
        kdfs.append(secs)
    figs = [
        Figure("unlock_median", "unlock median", statistics.median(opens), "s"),
        Figure("unlock_min", "unlock min", min(opens), "s"),
        Figure("unlock_max", "unlock max", max(opens), "s"),
        Figure("unlock_kdf_median", "  of which Argon2id (median)", statistics.median(kdfs), "s"),
    ]
    for f in figs:
        print(f.line())
    rest = statistics.median(a - b for a, b in zip(opens, kdfs, strict=True))
    print(
        f"  unlock samples (s): {', '.join(f'{s:.3f}' for s in opens)}; Argon2id alone: "
        f"{', '.join(f'{s:.3f}' for s in kdfs)}; the rest of an unlock (key file, throttle, "
        f"key a connection, probe, migration check) about {rest * 1000:.0f} ms"
    )
    return figs


def report_targets(figures: list[Figure]) -> None:
    by = {f.metric: f for f in figures}

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT MET"

    print()
    print("Targets")
    o = by["open_case_p95"]
    print(
        f"  open a case <= {OPEN_CASE_MAX_MS:.0f} ms (p95): {o.value:.1f} ms "
        f"(median {by['open_case_median'].value:.1f}) -> {verdict(o.value <= OPEN_CASE_MAX_MS)}"
    )
    s = by["search_p95"]
    print(
        f"  search p95 <= {SEARCH_P95_MAX_MS:.0f} ms: {s.value:.1f} ms "
        f"-> {verdict(s.value <= SEARCH_P95_MAX_MS)}"
    )
    u = by["unlock_median"]
    lo, hi = UNLOCK_RANGE_S
    print(
        f"  unlock {lo}-{hi} s with DEFAULT_KDF: {u.value:.3f} s (median) "
        f"-> {verdict(lo <= u.value <= hi)}"
    )
    for f in figures:
        r = f.ratio
        if r is not None:
            print(
                f"  ratio vault/plain <= {MAX_RATIO} for {f.metric}: {r:.2f} "
                f"-> {verdict(r <= MAX_RATIO)}"
            )


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="hubdesk-bench-", dir="/tmp"))
    started = time.perf_counter()
    try:
        figures = run(opts, root)
    finally:
        if opts.keep:
            progress(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    report_targets(figures)
    print()
    print(
        f"Total run time {time.perf_counter() - started:.0f} s; load average at the end: "
        f"{load_average()}. One JSON line per figure:"
    )
    for f in figures:
        print(f.json())
    return 0


if __name__ == "__main__":
    sys.exit(main())
