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
import signal
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
    """The helper's loop: for each line ``COMMAND<TAB>ARG…`` on stdin, fork a child running
    ``child(args, secret)``; at the next line (``kill``), kill it with SIGKILL, wait for it
    and say ``exit CODE``. The child is reaped only then, so the kill
    always reaches this child (its pid is not free for another process to take), and a child
    that ended by itself shows its own exit code. A child that raises says ``error NAME``
    (its traceback goes to stderr). The secret is the passphrase from ``HUBDESK_PASSPHRASE``
    (never argv, which other users can read)."""
    secret = os.environ.pop("HUBDESK_PASSPHRASE").encode()
    for line in sys.stdin:
        name, *args = line.rstrip("\n").split("\t")
        if name != command:
            return 0
        pid = os.fork()
        if pid == 0:  # the child: never returns into this loop, whatever happens
            code = 1
            try:
                code = int(child(args, secret))
            except BaseException as exc:
                say(f"error {type(exc).__name__}")
                traceback.print_exc()  # to the parent's stderr file (test data only)
            finally:
                os._exit(code)
        sys.stdin.readline()  # "kill" (or the end of input: the parent is gone)
        os.kill(pid, signal.SIGKILL)
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
        #: The lines the last child said between the kill being asked for and its end.
        self.last_lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.put(raw.decode().rstrip("\n"))
        self.lines.put("eof")

    def send(self, *command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(("\t".join(command) + "\n").encode())
        self.proc.stdin.flush()

    def kill(self) -> int:
        """Have the running child killed with SIGKILL; how it ended (``-SIGKILL``, unless it
        had ended by itself). What it said meanwhile is kept in ``last_lines``."""
        self.send("kill")
        self.last_lines = []
        while not (line := self.line()).startswith("exit "):
            assert line != "eof", "the forking helper stopped"
            self.last_lines.append(line)
        return int(line.split()[1])

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
