"""Errors the hub answers with: each has an HTTP status, a short title and one plain sentence
(RFC 9457 ``application/problem+json``). Messages never hold personal data or secrets."""

from __future__ import annotations

from hubdesk.errors import HubDeskError


class Problem(HubDeskError):
    status = 400
    title = "Bad request"
    #: A stable machine-readable name, e.g. "device-revoked" (the ``type`` is built from it).
    code = "bad-request"


class NotSignedIn(Problem):
    status, title, code = 401, "Sign-in needed", "sign-in-needed"


class DeviceRevoked(Problem):
    status, title, code = 401, "Device revoked", "device-revoked"

    def __init__(self) -> None:
        super().__init__(
            "This device has been revoked by the hub. Its vault will be wiped; ask your hub "
            "administrator if you need to enrol it again."
        )


class Forbidden(Problem):
    status, title, code = 403, "Not allowed", "forbidden"


class NotFound(Problem):
    status, title, code = 404, "Not found", "not-found"

    def __init__(self, what: str = "record") -> None:
        super().__init__(f"There is no such {what}, or it is not yours to see.")


class Conflict(Problem):
    status, title, code = 409, "Conflict", "conflict"


class TooLarge(Problem):
    status, title, code = 413, "Too large", "too-large"


class TooManyAttempts(Problem):
    status, title, code = 429, "Too many attempts", "too-many-attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many sign-in attempts. Wait {retry_after} seconds and try again.")
        self.retry_after = retry_after
