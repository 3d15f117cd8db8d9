"""The dashboard application: pages, API, static files, error handling, background runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware

from kruispunt import __version__
from kruispunt.catalogue import load_catalogue
from kruispunt.dashboard import api, pages
from kruispunt.dashboard.builder import SavedScenarios, ScenarioIds, pattern_message
from kruispunt.dashboard.ensembles import EnsembleCache
from kruispunt.dashboard.jobs import JobManager
from kruispunt.dashboard.settings import ServeSettings
from kruispunt.dashboard.views import RequestError, RunCache, site_locations
from kruispunt.errors import KruispuntError
from kruispunt.reports.charts import VIEW_JS
from kruispunt.store import Store
from kruispunt.units import conversion_factor

__all__ = ["create_app", "plotly_js_path"]


def plotly_js_path() -> Path:
    """plotly.js as shipped inside the installed plotly package (served, never fetched)."""
    path = Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))
    if not path.is_file():  # pragma: no cover - a broken plotly installation
        raise KruispuntError(f"plotly.js not found at {path}; reinstall plotly")
    return path


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def _error_page(request: Request, status: int, messages: list[str]) -> HTMLResponse:
    return pages.TEMPLATES.TemplateResponse(
        request,
        "error.html",
        {"status": status, "message": messages[0] if messages else "", "more": messages[1:]},
        status_code=status,
    )


def _detail(items: list[tuple[Any, str]], kind: str) -> dict[str, Any]:
    return {"detail": [{"loc": list(loc), "msg": msg, "type": kind} for loc, msg in items]}


_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _same_origin(request: Request) -> bool:
    """A browser's cross-site request (another site posting to this local server) carries an
    ``Origin`` naming that site; other clients send none."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


def _host_name(request: Request) -> str:
    """The host name of the request's ``Host`` header, lower case, without its port; "" for
    a header that is no host (malformed, with user info or spaces), which no name allows."""
    header = request.headers.get("host", "")
    if "@" in header or any(c.isspace() for c in header):
        return ""
    try:
        return (urlsplit("//" + header).hostname or "").lower()
    except ValueError:  # "[::1" and the like
        return ""


def _install_handlers(app: FastAPI, hosts: frozenset[str] | None) -> None:
    @app.middleware("http")
    async def refuse_cross_site(request: Request, call_next: Any) -> Response:
        if hosts is not None and _host_name(request) not in hosts:
            # a name that is not this machine's: a page using DNS rebinding to reach it
            message = (
                f"request for host '{request.headers.get('host', '')}' refused: this server "
                f"answers to {', '.join(sorted(hosts))} (kruispunt serve --host)"
            )
            if _is_api(request):
                return JSONResponse(_detail([(("header", "host"), message)], "forbidden"), 400)
            return _error_page(request, 400, [message])
        if request.method in _UNSAFE and not _same_origin(request):
            message = "cross-site request refused: post from the dashboard's own pages"
            if _is_api(request):
                return JSONResponse(_detail([(("header", "origin"), message)], "forbidden"), 403)
            return _error_page(request, 403, [message])
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if request.method in _UNSAFE and _is_api(request) and kind != "application/json":
            message = f"the body must be JSON (content-type application/json), not {kind or 'none'}"
            return JSONResponse(_detail([(("header", "content-type"), message)], "http_error"), 415)
        response: Response = await call_next(request)
        return response

    @app.exception_handler(RequestError)
    async def request_error(request: Request, exc: RequestError) -> Response:
        kind = "not_found" if exc.status == 404 else "value_error"
        if _is_api(request):
            return JSONResponse(_detail(exc.items, kind), status_code=exc.status)
        return _error_page(request, exc.status, [m for _, m in exc.items])

    @app.exception_handler(KruispuntError)
    async def user_error(request: Request, exc: KruispuntError) -> Response:
        if _is_api(request):
            # a run or ensemble that cannot be read: the parameter that named it
            named = [
                k for k in ("run_id", "run_a", "run_b", "ensemble_id") if k in request.path_params
            ]
            # of two runs (a comparison), the one the message names
            said = [k for k in named if str(request.path_params[k]) in str(exc)]
            loc = ("path", (said or named)[0]) if named else ()
            return JSONResponse(_detail([(loc, str(exc))], "value_error"), status_code=422)
        return _error_page(request, 422, [str(exc)])

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        items = [
            (tuple(e.get("loc", ())), pattern_message(e) or str(e.get("msg", "invalid")))
            for e in exc.errors()
        ]
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            # a body that does not parse is 400, as one too large to parse (docs/dashboard.md)
            items = [(("body",), f"the body is not valid JSON: {m}") for _, m in items[:1]]
            if _is_api(request):
                return JSONResponse(_detail(items, "http_error"), status_code=400)
            return _error_page(request, 400, [m for _, m in items])
        if _is_api(request):
            return JSONResponse(_detail(items, "value_error"), status_code=422)
        return _error_page(
            request, 422, [f"{'.'.join(str(p) for p in loc)}: {msg}" for loc, msg in items]
        )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if _is_api(request):
            loc = ("body",) if exc.status_code == 400 else ()  # a body that does not parse
            return JSONResponse(
                _detail([(loc, str(exc.detail))], "http_error"),
                status_code=exc.status_code,
                headers=getattr(exc, "headers", None),
            )
        return _error_page(request, exc.status_code, [str(exc.detail)])


def create_app(settings: ServeSettings | None = None) -> FastAPI:
    """The dashboard as an ASGI application.

    Opens the results store and the data package at once (a bad path fails here, with a
    clear message); the worker processes start with the application and stop with it.
    """
    settings = settings or ServeSettings()
    cat = load_catalogue(settings.data)  # first: a bad package leaves no store behind
    store = Store(settings.store)
    ids = ScenarioIds(
        frozenset(cat.carriers["carrier_id"]),
        frozenset(cat.products["product_id"]),
        frozenset(cat.routes["route_id"]),
    )
    saved = SavedScenarios(cat.path, store.root / "scenarios", ids)
    runs = RunCache(store, site_locations(cat.sites), cat)
    conversion_factor("GJ/yr", "TWh/yr")  # builds the unit registry now, not in a first page
    pages.compile_templates()  # likewise the page templates
    jobs = JobManager(settings, store.root, saved.folder)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        jobs.warm_up()
        try:
            yield
        finally:
            jobs.close()

    app = FastAPI(
        title="Kruispunt dashboard",
        version=__version__,
        description="Build, run, explore and compare Kruispunt scenarios. Errors name the "
        "field at fault: `{detail: [{loc, msg, type}]}`.",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI loads scripts from a CDN: the app stays offline
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.store = store
    app.state.catalogue = cat
    app.state.saved = saved
    app.state.runs = runs
    app.state.ensembles = EnsembleCache(store.root)
    app.state.jobs = jobs
    _install_handlers(app, settings.allowed_hosts())
    app.add_middleware(GZipMiddleware, minimum_size=2000)

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(
            plotly_js_path(),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @app.get("/static/views.js", include_in_schema=False)
    def views_js() -> Response:
        return Response(VIEW_JS, media_type="text/javascript")

    app.mount(
        "/static",
        StaticFiles(directory=str(resources.files("kruispunt.dashboard") / "static")),
        name="static",
    )
    app.include_router(api.router)
    app.include_router(pages.router)
    return app
