"""A helper process that has imported everything once and forks a child for each command, so
a test that kills a child many times (kill -9) pays a fork for each, not a Python start-up.

The helper is a module run with ``python -m``; its ``main`` calls :func:`serve` with what a
child does. The parent side is :class:`ForkingHelper`. Every line (the helper's and its
children's, which share its output) is one ``os.write`` (:func:`say`): a child killed
part-way never leaves half a line for the next to join.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
LINE_TIMEOUT_S = 60


def say(line: str) -> None:
    """One whole line to the parent."""
    os.write(1, (line + "\n").encode())


def serve(command: str, child: Callable[[list[str], bytes], int]) -> int:
    """The helper's loop: for each line ``COMMAND ARG…`` on stdin, fork a child running
    ``child(args, secret)``, say ``pid N``, wait for it, say ``exit CODE``. The secret is the
    passphrase from ``HUBDESK_PASSPHRASE`` (never argv, which other users can read)."""
    secret = os.environ.pop("HUBDESK_PASSPHRASE").encode()
    for line in sys.stdin:
        name, *args = line.split()
        if name != command:
            return 0
        pid = os.fork()
        if pid == 0:  # the child: never returns into this loop, whatever happens
            code = 1
            try:
                code = child(args, secret)
            except BaseException:
                traceback.print_exc()  # to the parent's stderr file (test data only)
            finally:
                os._exit(code)
        say(f"pid {pid}")
        _, status = os.waitpid(pid, 0)
        say(f"exit {os.waitstatus_to_exitcode(status)}")
    return 0


class ForkingHelper:
    """The helper process (``python -m module``), with a thread collecting its lines."""

    def __init__(self, module: str, passphrase: str, stderr: IO[bytes]) -> None:
        env = {**os.environ, "HUBDESK_PASSPHRASE": passphrase}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.put(raw.decode().rstrip("\n"))
        self.lines.put("eof")

    def send(self, *command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((" ".join(command) + "\n").encode())
        self.proc.stdin.flush()

    def line(self) -> str:
        try:
            return self.lines.get(timeout=LINE_TIMEOUT_S)
        except queue.Empty:
            raise AssertionError("the forking helper went quiet") from None

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self._reader.join(timeout=30)
