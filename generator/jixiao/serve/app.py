"""The web application: pages for the bureau and the departments, and the JSON API.

>>> from jixiao.serve.app import create_app
>>> from jixiao.serve.service import Portal
>>> portal = Portal.open("sqlite:///portal.sqlite")
>>> app = create_app(portal)
>>> "/api/tasks" in app.openapi()["paths"]
True
>>> portal.close()
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from . import api, api_console, api_department, department, pages
from .errors import PortalError
from .security import GuardMiddleware, LoginThrottle
from .service import Portal
from .web import CSRF_COOKIE, NeedLogin, csrf_guard, page, set_cookie

#: Every router of the app: the bureau's pages, the departments' pages, the JSON API.
ROUTERS = (pages.router, department.router, api.router, api_console.router, api_department.router)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


class CsrfCookieMiddleware:
    """Sets the CSRF cookie on an answer when the request made a token (``request.state.csrf``,
    see :func:`.web.csrf_token`) that its cookie does not hold.

    Plain ASGI, not ``@app.middleware("http")``: Starlette's BaseHTTPMiddleware runs each
    request in a task of its own with memory streams, which cost more than the rest of a
    small request (measured: 5.0 ms against 2.3 ms a request through the test client).
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: dict[str, Any]) -> None:
            token = scope.get("state", {}).get("csrf") if message["type"] == "http.response.start" else None
            if token:
                request = Request(scope)
                if request.cookies.get(CSRF_COOKIE) != token:
                    carrier = Response()
                    set_cookie(request, carrier, CSRF_COOKIE, token)
                    cookies = [(k, v) for k, v in carrier.raw_headers if k == b"set-cookie"]
                    message = {**message, "headers": [*message.get("headers", []), *cookies]}
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def create_app(portal: Portal) -> FastAPI:
    """The ASGI app on ``portal`` (the archive plus the portal tables)."""
    app = FastAPI(title="jixiao 绩效自评收表", version="1", docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json", dependencies=[Depends(csrf_guard)])
    app.state.portal = portal
    app.state.throttle = LoginThrottle()
    app.mount("/static", StaticFiles(directory=str(Path(__file__).with_name("static"))), name="static")
    for router in ROUTERS:
        app.include_router(router)

    @app.exception_handler(PortalError)
    async def refused(request: Request, exc: PortalError) -> Response:
        if _wants_json(request):
            return JSONResponse({"code": exc.code, "message": exc.message}, status_code=exc.status)
        return page(request, "error.html", status_code=exc.status, message=exc.message, code=exc.code)

    @app.exception_handler(NeedLogin)
    async def need_login(request: Request, exc: NeedLogin) -> Response:
        if _wants_json(request):
            return JSONResponse({"code": "AUTH", "message": "请先登录"}, status_code=401)
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if _wants_json(request):
            return JSONResponse({"code": "INPUT", "message": "请求内容不完整或格式不对", "detail": [
                {"loc": list(map(str, e.get("loc", ()))), "msg": str(e.get("msg", ""))} for e in exc.errors()]},
                                status_code=422)
        return page(request, "error.html", status_code=422, message="提交的内容不完整或格式不对，请返回重填", code="INPUT")

    app.add_middleware(CsrfCookieMiddleware)
    app.add_middleware(GuardMiddleware)  # added last: the outermost, so it caps every body and heads every answer
    return app
