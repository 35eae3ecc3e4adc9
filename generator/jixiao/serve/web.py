"""What every route shares: the portal on the app, who is asking, CSRF, and responses.

CSRF: every page sets a random ``jixiao_csrf`` cookie (HttpOnly, SameSite=Strict) and puts
the same value in each form; a state-changing request must send it back as the form field
``csrf_token`` or the header ``X-CSRF-Token``, or it is refused (403) before its route runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from .accounts import session_user
from .errors import PortalError
from .security import MAX_UPLOAD_BYTES, new_token, same
from .service import Portal

SESSION_COOKIE = "jixiao_session"
CSRF_COOKIE = "jixiao_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))


class NeedLogin(Exception):
    """The route needs the bureau's session: pages redirect to the login, the API answers 401."""


def portal(request: Request) -> Portal:
    return request.app.state.portal


def bureau_user(request: Request) -> str:
    """Dependency of every bureau route: the logged-in user name, else NeedLogin."""
    user = session_user(portal(request).store, request.cookies.get(SESSION_COOKIE))
    if user is None:
        raise NeedLogin
    return user


def csrf_token(request: Request) -> str:
    """This client's CSRF token (the cookie's value, or a new one the response will set)."""
    token = getattr(request.state, "csrf", None)
    if token is None:
        token = request.cookies.get(CSRF_COOKIE) or new_token()
        request.state.csrf = token
    return token


async def csrf_guard(request: Request) -> None:
    """App-wide dependency: unsafe methods must echo the CSRF cookie (403 otherwise)."""
    if request.method in SAFE_METHODS:
        return
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and request.headers.get("content-type", "").startswith(
            ("multipart/form-data", "application/x-www-form-urlencoded")):
        sent = str((await request.form()).get(CSRF_FIELD) or "")
    if not cookie or not sent or not same(cookie, sent):
        raise PortalError(403, "请求缺少有效的安全令牌（CSRF），请刷新页面后重试", "CSRF")


def read_upload(upload: UploadFile) -> tuple[str, bytes]:
    """The uploaded file's name and bytes, reading at most one byte past the cap."""
    return upload.filename or "", upload.file.read(MAX_UPLOAD_BYTES + 1)


def set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict", path="/",
                        secure=request.url.scheme == "https")


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a template with the CSRF token and the logged-in user (if any)."""
    context.setdefault("user", None)
    return templates.TemplateResponse(request, name, {"csrf": csrf_token(request), **context},
                                      status_code=status_code)


def download(filename: str, data: bytes, media_type: str) -> Response:
    """A file download with a UTF-8 file name (RFC 6266) the browsers and WPS understand."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, media_type=media_type, headers={"content-disposition": disposition})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
