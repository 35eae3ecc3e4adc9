"""The JSON API under ``/api`` (described at ``/openapi.json``): the same service calls as the pages.

State-changing calls need the CSRF cookie echoed in ``X-CSRF-Token``; ``GET /api/csrf`` hands
a client both. The bureau's calls need its session cookie (``POST /api/login``). One module
per job: this one the account and the session; :mod:`.api_console` the bureau's console;
:mod:`.api_department` what a department does through its link.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from . import accounts
from .web import SESSION_COOKIE, csrf_token, portal, set_cookie

router = APIRouter(prefix="/api", tags=["api"])


class Credentials(BaseModel):
    username: str
    password: str


class NewAccount(BaseModel):
    username: str
    password: str
    confirm: str


@router.get("/csrf", summary="The CSRF token to send back in X-CSRF-Token (also set as a cookie)")
def get_csrf(request: Request) -> dict[str, str]:
    return {"csrf": csrf_token(request)}


@router.post("/setup/{token}", status_code=201,
             summary="First run: create the bureau's account through the one-time setup link's token")
def setup(request: Request, token: str, body: NewAccount) -> dict[str, str]:
    accounts.complete_setup(portal(request).store, token, body.username, body.password, body.confirm)
    return {"user": body.username.strip()}


@router.post("/login", summary="Log the bureau in; sets the session cookie")
def login(request: Request, body: Credentials) -> JSONResponse:
    client = request.client.host if request.client else "?"
    token = accounts.login(portal(request).store, request.app.state.throttle, body.username, body.password, client)
    response = JSONResponse({"user": body.username.strip()})
    set_cookie(request, response, SESSION_COOKIE, token, max_age=int(accounts.SESSION_TTL.total_seconds()))
    return response


@router.post("/logout", summary="Log out: the session ends and its cookie is removed")
def logout(request: Request) -> JSONResponse:
    accounts.logout(portal(request).store, request.cookies.get(SESSION_COOKIE))
    response = JSONResponse({"user": None})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
