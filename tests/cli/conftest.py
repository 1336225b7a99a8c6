"""Ways to run the `hubdesk` command in tests: in this process through `cli.main` (the `in_process`
and `run` fixtures), or as a real child process (`run_cli`)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Protocol

import pytest

from hubdesk import cli
from hubdesk.store.vault import Vault
from tests.conftest import PASSPHRASE


class Cli(Protocol):
    def __call__(
        self,
        *args: str,
        vault: Path | None = ...,
        passphrase: str | None = ...,
        stdin: str | None = ...,
        strip: bool = ...,
    ) -> tuple[int, str, str]: ...


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m hubdesk ARGS` in a child process, with no terminal on standard input."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "hubdesk", *args],
        capture_output=True,
        text=True,
        env=full_env,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


@pytest.fixture
def in_process(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """`cli.main(ARGS)` giving (exit status, stdout, stderr), the output stripped unless
    strip=False. `vault` is added as `--vault PATH` after the other arguments; `passphrase` is
    put in HUBDESK_PASSPHRASE (None takes it away); `stdin` becomes standard input."""

    def call(
        *args: str,
        vault: Path | None = None,
        passphrase: str | None = PASSPHRASE,
        stdin: str | None = None,
        strip: bool = True,
    ) -> tuple[int, str, str]:
        if passphrase is None:
            monkeypatch.delenv("HUBDESK_PASSPHRASE", raising=False)
        else:
            monkeypatch.setenv("HUBDESK_PASSPHRASE", passphrase)
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        argv = [*args] if vault is None else [*args, "--vault", str(vault)]
        status = cli.main(argv)
        out = capsys.readouterr()
        if strip:
            return status, out.out.strip(), out.err.strip()
        return status, out.out, out.err

    return call


@pytest.fixture
def run(in_process: Cli, vault: Vault, vault_dir: Path) -> Cli:
    """`in_process` on the test's vault: `--vault VAULT_DIR` unless another `vault` is given, and
    the test's own handle on the vault closed first (so a test can fill it through `services`)."""
    own_handle = vault

    def call(*args: str, vault: Path | None = vault_dir, **options: Any) -> tuple[int, str, str]:
        own_handle.close()
        return in_process(*args, vault=vault, **options)

    return call
