"""Secrets and guards of the portal: password hashes, tokens, login throttling, and the
ASGI middleware that sets security headers and caps request bodies.

Tokens (sessions, setup and department links) are 256-bit random strings; only their
SHA-256 is stored, so a copy of the database does not open anyone's page. Passwords are
hashed with argon2id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import deque
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

#: The upload cap: a filled form is well under 1 MiB; 20 MiB leaves room for pictures.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: Headers every response carries. No inline script or style anywhere, no framing.
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    # Department links carry their token in the path: never hand it to another site.
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A URL-safe random token (256 bits)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two strings (CSRF tokens)."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


class LoginThrottle:
    """At most ``limit`` failed logins per ``window`` seconds per client address and per user name."""

    def __init__(self, limit: int = 5, window: float = 300.0) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, at: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and q[0] <= at - self.window:
            q.popleft()
        return q

    def blocked(self, *keys: str) -> bool:
        at = time.monotonic()
        with self._lock:
            return any(len(self._recent(k, at)) >= self.limit for k in keys)

    def failed(self, *keys: str) -> None:
        at = time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, at).append(at)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self._failures.pop(k, None)


class GuardMiddleware:
    """Security headers on every response; request bodies over ``max_body`` refused with 413.

    The cap is enforced while the body streams in (a missing or false Content-Length does
    not get around it), before any route, form parser or store sees the upload.
    """

    def __init__(self, app: Any, max_body: int = MAX_UPLOAD_BYTES + 64 * 1024) -> None:
        self.app, self.max_body = app, max_body

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope.get("path", "").startswith("/api/")
        over = False  # the body passed the cap: whatever the app answers, the client gets 413
        replaced = False

        async def send_with_headers(message: dict) -> None:
            nonlocal replaced
            if over:
                if not replaced:
                    replaced = True
                    await _too_large(send_with_headers_raw, api)
                return
            await send_with_headers_raw(message)

        async def send_with_headers_raw(message: dict) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items() if k.encode() not in names]
                if b"cache-control" not in names:
                    extra.append((b"cache-control", b"no-store"))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            await _too_large(send_with_headers_raw, api)
            return
        seen = 0

        async def counted_receive() -> dict:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    over = True
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, counted_receive, send_with_headers)
        except _BodyTooLarge:
            if not replaced:
                await _too_large(send_with_headers_raw, api)


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Any, api: bool) -> None:
    """413 with the code U001: JSON for the API, a line of text for a page."""
    message = f"文件过大：上传不能超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB"
    body = (json.dumps({"code": "U001", "message": message}, ensure_ascii=False) if api else
            f"U001 {message}").encode()
    kind = b"application/json" if api else b"text/plain; charset=utf-8"
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", kind),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
