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


def create_app(portal: Portal) -> FastAPI:
    """The ASGI app on ``portal`` (the archive plus the portal tables)."""
    app = FastAPI(title="jixiao 绩效自评收表", version="1", docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json", dependencies=[Depends(csrf_guard)])
    app.state.portal = portal
    app.state.throttle = LoginThrottle()
    app.mount("/static", StaticFiles(directory=str(Path(__file__).with_name("static"))), name="static")
    for router in ROUTERS:
        app.include_router(router)

    @app.middleware("http")
    async def keep_csrf_cookie(request: Request, call_next):  # noqa: ANN001, ANN202 - Starlette's signature
        response = await call_next(request)
        token = getattr(request.state, "csrf", None)
        if token and request.cookies.get(CSRF_COOKIE) != token:
            set_cookie(request, response, CSRF_COOKIE, token)
        return response

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

    app.add_middleware(GuardMiddleware)  # added last: the outermost, so it caps every body and heads every answer
    return app
