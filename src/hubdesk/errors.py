"""Errors a person can read.

Every error that can reach a user carries one plain sentence (``message``) that says what
happened and, where there is one, what to do. The CLI prints that sentence and exits with the
error's ``exit_status``; it never prints a traceback. Messages never contain personal data:
they name files, record kinds and states, never what a practitioner typed.
"""

from __future__ import annotations


class HubDeskError(Exception):
    """Base of every error meant for a person to read."""

    exit_status = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DomainError(HubDeskError):
    """A rule of the practice was broken, e.g. editing a finalised note."""


class NotFoundError(HubDeskError):
    """A record asked for by id is not in this vault."""


class VaultError(HubDeskError):
    """The vault could not be created, opened or checked."""


class WrongPassphraseError(VaultError):
    exit_status = 2

    def __init__(self) -> None:
        super().__init__("That passphrase does not open this vault.")


class TooManyAttemptsError(VaultError):
    exit_status = 2

    def __init__(self, wait_seconds: float) -> None:
        minutes = max(1, round(wait_seconds / 60))
        unit = "minute" if minutes == 1 else "minutes"
        super().__init__(
            f"Too many wrong passphrases. Wait {minutes} {unit} and try again; "
            "the vault has not been changed."
        )
        self.wait_seconds = wait_seconds


class WeakPassphraseError(VaultError):
    """A new passphrase is too easy to guess."""
