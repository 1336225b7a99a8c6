"""The `hubdesk` command as a user meets it: exit statuses, one plain line, never a traceback."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from hubdesk import cli, config
from hubdesk.commands import casework
from hubdesk.store.vault import Vault
from tests.cli.conftest import Cli, run_cli
from tests.conftest import PASSPHRASE


def test_wrong_passphrase_exits_2_with_the_sentence(vault: Vault, vault_dir: Path) -> None:
    vault.close()
    result = run_cli(
        "vault", "check", "--vault", str(vault_dir), env={"HUBDESK_PASSPHRASE": "not it at all"}
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "That passphrase does not open this vault."
    assert "Traceback" not in result.stderr + result.stdout


def test_missing_vault_says_how_to_create_one(tmp_path: Path, in_process: Cli) -> None:
    status, _, err = in_process("case", "list", vault=tmp_path / "x")
    assert status == 1
    assert "There is no vault in" in err
    assert "hubdesk vault init" in err


def test_no_passphrase_and_no_terminal_is_a_clear_error(
    run: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    status, _, err = run("case", "list", passphrase=None)
    assert status == 2
    assert "HUBDESK_PASSPHRASE" in err


def test_init_refuses_a_weak_passphrase_and_creates_with_a_strong_one(
    tmp_path: Path, in_process: Cli
) -> None:
    folder = tmp_path / "new"
    status, _, err = in_process("vault", "init", vault=folder, passphrase="password1")
    assert status == 1
    assert "too easy to guess" in err
    assert not Vault.exists(folder)
    status, out, err = in_process("vault", "init", "--name", "Ash Worker", vault=folder)
    assert status == 0, err
    assert "cannot be opened again" in err  # the forgotten-passphrase warning
    assert f"Created an encrypted vault in {folder}" in out
    key = json.loads((folder / "key.json").read_text())
    assert key["kdf"]["algorithm"] == "argon2id"
    assert key["kdf"]["memory_cost_kib"] >= 256 * 1024
    status, _, err = in_process("vault", "init", vault=folder)
    assert status == 2
    assert "already a vault" in err


def test_check_and_audit_verify_in_words(services, run: Cli) -> None:
    services.cases.add(given_name="Kit", family_name="Mason")
    status, out, _ = run("vault", "check")
    assert status == 0
    assert "The vault is healthy" in out
    status, out, _ = run("vault", "audit", "--verify")
    assert status == 0
    assert "The audit trail is intact: 1 events" in out


def test_tampered_audit_row_is_named(services, vault: Vault, run: Cli) -> None:
    for n in range(3):
        services.cases.add(given_name=f"Name{n}", family_name="Test")
    with vault.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE audit_event SET actor = 'someone else' WHERE seq = 2")
    status, out, _ = run("vault", "audit", "--verify")
    assert status == 1
    assert "event 2" in out
    assert "changed after it was written" in out


def test_truncated_vault_gives_the_clear_error(
    services, vault: Vault, vault_dir: Path, tmp_path: Path
) -> None:
    for n in range(30):
        services.cases.add(given_name=f"Name{n}", family_name="Test")
    vault.close()
    db = vault_dir / "store.sqlcipher"
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 2])
    result = run_cli(
        "case", "list", "--vault", str(vault_dir), env={"HUBDESK_PASSPHRASE": PASSPHRASE}
    )
    assert result.returncode == 1
    assert str(db) in result.stderr
    assert "restore the vault folder from a backup" in result.stderr.lower()
    assert "Traceback" not in result.stderr + result.stdout


def test_export_warns_and_is_audited(services, vault_dir: Path, tmp_path: Path, run: Cli) -> None:
    pid = services.cases.add(given_name="Rhiannon", family_name="Price")
    out_file = tmp_path / "sar.json"
    status, _out, err = run("vault", "export", "--out", str(out_file), "--young-person", pid)
    assert status == 0
    assert "NOT encrypted" in err
    document = json.loads(out_file.read_text())
    assert document["records"]["young_person"][0]["given_name"] == "Rhiannon"
    assert out_file.stat().st_mode & 0o777 == 0o600
    reopened = Vault.open(vault_dir, bytearray(PASSPHRASE.encode()))
    with reopened.read() as session:
        from sqlalchemy import select

        from hubdesk.models import AuditEvent

        actions = [e.action for e in session.execute(select(AuditEvent)).scalars()]
    reopened.close()
    assert actions[-1] == "export"


def test_passwd_rewraps(run: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    new = "seven lighthouses hum at dawn"
    monkeypatch.setenv("HUBDESK_NEW_PASSPHRASE", new)
    status, _out, err = run("vault", "passwd")
    assert status == 0, err
    status, _, err = run("case", "list")
    assert status == 2
    status, _, _ = run("case", "list", passphrase=new)
    assert status == 0


def test_casework_commands(run: Cli) -> None:
    status, pid, err = run(
        "case",
        "add",
        "--given-name",
        "Siân",
        "--family-name",
        "O'Donnell",
        "--date-of-birth",
        "03/09/2011",
    )
    assert status == 0, err
    status, note, err = run(
        "note",
        "add",
        "--young-person",
        pid,
        "--narrative",
        "Talked about the skate park",
        "--when",
        "01/11/2026 14:30",
    )
    assert status == 0, err
    status, _, err = run("note", "addendum", note, "--text", "x")
    assert status == 1
    assert "still a draft" in err
    assert run("note", "finalise", note)[0] == 0
    status, _, err = run("note", "finalise", note)
    assert status == 1
    assert err == "This contact note is finalised already."
    assert run("note", "addendum", note, "--text", "Later")[0] == 0
    status, out, _ = run("search", "sian skate")
    assert status == 0
    assert "0 results" in out
    status, out, _ = run("search", "skate")
    assert "Siân O'Donnell" in out
    assert "1 results" in out
    status, _, err = run(
        "case", "add", "--given-name", "A", "--family-name", "B", "--date-of-birth", "2011-09-03"
    )
    assert status == 2
    assert "DD/MM/YYYY" in err


def test_demo_seed_is_deterministic(tmp_path: Path, in_process: Cli) -> None:
    listings = []
    for name in ("a", "b"):
        folder = tmp_path / name
        Vault.create(folder, bytearray(PASSPHRASE.encode()), "Demo", _test_kdf()).close()
        status, _, err = in_process("demo", "seed", "--cases", "4", "--seed", "11", vault=folder)
        assert status == 0, err
        status, out, _ = in_process("case", "list", "--all", vault=folder, strip=False)
        listings.append(out)
    assert listings[0] == listings[1]
    assert "4 young people" in listings[0]


def test_unexpected_error_leaves_a_report_without_personal_data(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "Tallulah Featherstonehaugh said something private"

    def explode(args: object) -> int:
        raise ValueError(secret)

    monkeypatch.setattr(casework, "cmd_case_list", explode)
    status = cli.main(["case", "list"])
    err = capsys.readouterr().err
    assert status == cli.EXIT_UNEXPECTED
    assert "did not expect" in err
    assert secret not in err
    reports = list(config.log_dir().glob("crash-*.txt"))
    assert len(reports) == 1
    text = reports[0].read_text()
    assert "ValueError" in text
    assert secret not in text
    for log in config.log_dir().iterdir():
        assert secret not in log.read_text(errors="replace")


def _test_kdf():
    from hubdesk.store.keywrap import TEST_KDF

    return TEST_KDF


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["vault"],
        ["vault", "init"],
        ["vault", "passwd"],
        ["vault", "check"],
        ["vault", "audit"],
        ["vault", "export"],
        ["demo", "seed"],
        ["case", "list"],
        ["case", "add"],
        ["case", "legal-hold"],
        ["case", "erase"],
        ["note", "add"],
        ["note", "finalise"],
        ["note", "addendum"],
        ["search"],
        ["context", "add"],
        ["context", "link"],
        ["context", "list"],
        ["plan", "create"],
        ["plan", "edit"],
        ["plan", "submit"],
        ["screening", "start"],
        ["screening", "complete"],
        ["missing", "report"],
        ["missing", "return"],
    ],
)
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: hubdesk" in capsys.readouterr().out


def test_vault_option_works_before_and_after_the_command(run: Cli, vault_dir: Path) -> None:
    for argv in (
        ["--vault", str(vault_dir), "case", "list"],
        ["case", "list", "--vault", str(vault_dir)],
    ):
        status, out, err = run(*argv, vault=None)
        assert status == 0, err
        assert "0 young people" in out
    assert not config.default_vault_dir().exists()


def test_export_never_overwrites_by_accident_nor_writes_into_the_vault(
    run: Cli, vault_dir: Path, tmp_path: Path
) -> None:
    existing = tmp_path / "existing.json"
    existing.write_text("keep me")
    status, _, err = run("vault", "export", "--out", str(existing))
    assert status == 2
    assert "already exists" in err
    assert existing.read_text() == "keep me"
    key_before = (vault_dir / "key.json").read_bytes()
    status, _, err = run("vault", "export", "--out", str(vault_dir / "key.json"), "--replace")
    assert status == 2
    assert "outside the vault folder" in err
    assert (vault_dir / "key.json").read_bytes() == key_before
    status, _, err = run("vault", "export", "--out", str(existing), "--replace")
    assert status == 0, err
    assert json.loads(existing.read_text())["format"] == "hubdesk-export"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_demo_seed_needs_a_named_folder_and_never_the_own_vault(in_process: Cli) -> None:
    status, _, err = in_process("demo", "seed", "--cases", "1")
    assert status == 2
    assert "--vault PATH" in err
    status, _, err = in_process("demo", "seed", vault=config.default_vault_dir())
    assert status == 2
    assert "never goes into your own vault" in err
    assert not config.default_vault_dir().exists()


def test_free_text_can_come_from_standard_input(run: Cli) -> None:
    status, pid, err = run("case", "add", "--given-name", "Aled", "--family-name", "Price")
    assert status == 0, err
    status, out, err = run(
        "note", "add", "--young-person", pid, stdin="Walked to the youth centre together.\n"
    )
    assert status == 0, err
    status, _, err = run("note", "add", "--young-person", pid, stdin="")
    assert status == 2
    assert "Nothing was given for the narrative" in err
    status, out, _ = run("search", "youth centre")
    assert "Aled Price" in out


def test_a_throttle_wait_is_announced(vault: Vault, vault_dir: Path, run: Cli) -> None:
    from hubdesk.store.throttle import Throttle

    vault.close()
    throttle = Throttle(vault_dir / "unlock-attempts.json")
    for _ in range(3):
        throttle.record_failure()
    status, _, err = run("case", "list")
    assert status == 0, err
    assert "Waiting 1 second after earlier wrong passphrases" in err


def test_demo_seed_refuses_a_vault_that_already_has_a_caseload(
    services, vault_dir: Path, run: Cli
) -> None:
    services.cases.add(given_name="Real", family_name="Person")
    status, _, err = run("demo", "seed", "--cases", "2")
    assert status == 1
    assert "already holds a caseload" in err
    reopened = Vault.open(vault_dir, bytearray(PASSPHRASE.encode()))
    assert reopened.meta("demo") is None
    reopened.close()
