"""The one exception the portal's service raises: an HTTP status and a Chinese message."""

from __future__ import annotations


class PortalError(Exception):
    """Refused: ``status`` is the HTTP answer, ``message`` what the person reads, ``code`` a stable id."""

    def __init__(self, status: int, message: str, code: str = "") -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code
