"""The dashboard's HTML pages (Jinja2 templates in ``templates/``).

Pages render what :mod:`kruispunt.dashboard.views` gives them; charts are drawn in the
browser from the API's figure JSON (so a page appears at once and its charts follow). Forms
post back to the server, which validates them with the scenario schema and shows each error
next to its field.
"""

from __future__ import annotations

from collections import Counter
from importlib import resources
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from kruispunt import __version__
from kruispunt.dashboard.api import check_scenarios, scenario_list
from kruispunt.dashboard.builder import (
    BuilderError,
    FieldError,
    form_fields,
    form_values,
    parse_form,
    validate_file,
)
from kruispunt.dashboard.views import BadInput, RunCache
from kruispunt.errors import KruispuntError
from kruispunt.reports.charts import CHARTS
from kruispunt.reports.html import POOL_COLUMNS, SORT_JS
from kruispunt.scenarios import ScenarioError
from kruispunt.schemas.config import ScenarioFile
from kruispunt.store import check_run_name

__all__ = ["TEMPLATES", "compile_templates", "router"]

TEMPLATES = Jinja2Templates(directory=str(resources.files("kruispunt.dashboard") / "templates"))
TEMPLATES.env.globals["version"] = __version__

router = APIRouter(include_in_schema=False)


def compile_templates() -> None:
    """Compile every template now: Jinja2 compiles one when it is first used, which would
    slow the first page of each kind."""
    for name in TEMPLATES.env.list_templates():
        TEMPLATES.env.get_template(name)


def _page(request: Request, name: str, code: int = 200, **context: Any) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, name, context, status_code=code)


def _runs(request: Request) -> RunCache:
    runs: RunCache = request.app.state.runs
    return runs


def _index(request: Request, status: int = 200, **extra: Any) -> HTMLResponse:
    st = request.app.state
    lib, broken = st.saved.library()  # read and resolved once for the page
    if extra.get("saved") is not None and extra["saved"] not in lib.names:
        extra["saved"] = None  # a link cannot announce a scenario that was not saved
    return _page(
        request,
        "index.html",
        status,
        runs=st.runs.stored(),
        jobs=st.jobs.list(),
        scenarios=scenario_list(st.saved, lib),
        broken=broken,
        n_ensembles=st.ensembles.count(),
        **extra,
    )


@router.get("/", response_class=HTMLResponse)
def index(request: Request, saved: Annotated[str | None, Query(max_length=64)] = None) -> Response:
    """Stored runs, runs under way, and forms to start a run or compare two."""
    return _index(request, saved=saved)


@router.post("/runs/start", response_class=HTMLResponse)
async def start(request: Request) -> Response:
    """Start a run from the home page's form (``scenarios``, one or more; ``name``, at most
    once); on to its progress page."""
    items, problem = await _form_items(request)
    keys = [k for k, _ in items]
    unknown = sorted({k for k in keys if k not in ("scenarios", "name")})
    if not problem and unknown:
        problem = f"fields the form does not have: {', '.join(unknown)}"
    if not problem and keys.count("name") > 1:
        problem = "fields given more than once: name"
    names = [v for k, v in items if k == "name"]
    if not problem and names and len(names[0]) > 100:
        problem = f"run name too long ({len(names[0])} characters; at most 100)"
    if problem:  # the home page reads the store: off the event loop, as _start's refusals
        return await run_in_threadpool(_index, request, 422, start_error=problem)
    scenarios = [v for k, v in items if k == "scenarios"]
    return await run_in_threadpool(_start, request, scenarios, names[0] if names else "")


def _start(request: Request, scenarios: list[str], name: str) -> Response:
    chosen = [s for s in scenarios if s]
    if not chosen:
        return _index(request, 422, start_error="choose at least one scenario")
    try:
        check_scenarios(request.app.state.saved, chosen)
    except BadInput as exc:
        return _index(request, 422, start_error=exc.message)
    run_name = name.strip() or None
    try:  # before the run, not after it: the store refuses such a name when it saves
        check_run_name(run_name)
    except KruispuntError as exc:
        return _index(request, 422, start_error=str(exc))
    job = request.app.state.jobs.submit(chosen, run_name)
    return RedirectResponse(f"/jobs/{job.job_id}", status_code=303)


# --- the scenario builder ---------------------------------------------------------------------


def _builder(
    request: Request,
    values: dict[str, Any],
    errors: list[FieldError],
    status: int = 200,
    message: str = "",
) -> HTMLResponse:
    fields = form_fields()
    groups: dict[str, list[Any]] = {}
    for f in fields:
        groups.setdefault(f.group, []).append(f)
    by_field: dict[str, list[str]] = {}
    for e in errors:
        by_field.setdefault(e.key, []).append(e.message)
    return _page(
        request,
        "builder.html",
        status,
        groups=groups,
        values=values,
        errors=by_field,
        scenarios=scenario_list(request.app.state.saved),
        message=message,
    )


@router.get("/scenarios/new", response_class=HTMLResponse)
def builder(
    request: Request, base: Annotated[str, Query(max_length=64)] = "current-policy"
) -> Response:
    """The builder, filled in with the levers of scenario ``base``."""
    saved = request.app.state.saved
    try:
        resolved = saved.resolve(base)
    except ScenarioError as exc:
        return _builder(
            request,
            form_values({"name": "", "base": "current-policy"}),
            [FieldError(("base",), str(exc))],
            404,
        )
    values = form_values(resolved.levers.model_dump(mode="json"))
    values.update(name=f"{base}-variant", base=base, description="")
    return _builder(request, values, [])


ACTIONS = ("save", "run")
"""What the builder's buttons ask for."""

MAX_FORM_BYTES = 1 << 20
"""Largest builder form read [bytes]: its 66 fields at their longest are far below."""


async def _form_items(request: Request) -> tuple[list[tuple[str, str]], str]:
    """The submitted form's (key, value) pairs in order, and what is wrong with the body as a
    whole ("" if nothing). Only a URL-encoded body is read, as the dashboard's pages send it
    (a multipart one would be read whole before any limit, its file parts unnamed), of at
    most :data:`MAX_FORM_BYTES` and UTF-8 text (other bytes would be saved mangled)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in ("", "application/x-www-form-urlencoded"):
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM_BYTES:
                return [], f"the form is larger than {MAX_FORM_BYTES >> 20} MiB"
        try:
            return parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict"), ""
        except UnicodeDecodeError:
            return [], "the form is not UTF-8 text: send it as the dashboard's page does"
        except ValueError as exc:  # more fields than parse_qsl takes
            return [], f"the form cannot be read: {exc}"
    return [], f"the form's content type is {kind}: send application/x-www-form-urlencoded"


def _form_problems(items: list[tuple[str, str]]) -> tuple[list[FieldError], list[str]]:
    """A builder form must hold every field once (the page sends them all: a field left out
    would silently take the schema's default, not the base's value), no field the builder
    does not know, and a known action. Checkboxes are sent only when ticked: one not sent is
    off. Returns field errors and problems of the form as a whole."""
    fields = {f.key: f for f in form_fields()}
    keys = [k for k, _ in items]
    given = set(keys)
    errors = [
        FieldError(tuple(k.split(".")), "missing from the form: the builder sends every field")
        for k, f in fields.items()
        if f.kind != "checkbox" and k not in given
    ]
    problems = []
    unknown = sorted({k for k in keys if k not in fields and k != "action"})
    if unknown:
        problems.append(f"fields the builder does not know: {', '.join(unknown)}")
    counts = Counter(keys)  # not keys.count per key: a post of many fields stays linear
    twice = sorted(k for k, n in counts.items() if n > 1)
    if twice:
        problems.append(f"fields given more than once: {', '.join(twice)}")
    action = [v for k, v in items if k == "action"]
    if action and action[-1] not in ACTIONS:
        problems.append(f"action '{action[-1][:40]}': use {' or '.join(ACTIONS)}")
    return errors, problems


@router.post("/scenarios/new", response_class=HTMLResponse)
async def builder_submit(request: Request) -> Response:
    """Validate the builder form; save the scenario file (and start a run if asked). The
    form is read here; the work runs in a thread, off the server's event loop."""
    items, problem = await _form_items(request)
    return await run_in_threadpool(_submit, request, items, problem)


def _submit(request: Request, items: list[tuple[str, str]], problem: str = "") -> Response:
    text = dict(items)
    values: dict[str, Any] = {f.key: text.get(f.key, "") for f in form_fields()}
    for f in form_fields():
        if f.kind == "checkbox":
            values[f.key] = f.key in text
    field_errors, problems = _form_problems(items) if not problem else ([], [problem])
    if field_errors or problems:
        message = "The scenario was not saved: " + (
            "; ".join(problems) if problems else "see the fields marked below."
        )
        return _builder(request, values, field_errors, 422, message)
    saved = request.app.state.saved
    raw, errors = parse_form(text)
    file: ScenarioFile | None = None
    if not errors:
        file, errors = validate_file(raw, saved)
    if file is not None and not errors:
        try:
            saved.save(file)
        except BuilderError as exc:
            errors = exc.errors
    if file is None or errors:
        return _builder(
            request, values, errors, 422, "The scenario was not saved: see the fields marked below."
        )
    if text.get("action") == "run":
        job = request.app.state.jobs.submit([file.name], None)
        return RedirectResponse(f"/jobs/{job.job_id}", status_code=303)
    return RedirectResponse(f"/?saved={file.name}", status_code=303)


# --- runs -------------------------------------------------------------------------------------


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: str) -> Response:
    """A run's progress; the page follows it and opens the results when done."""
    job = request.app.state.jobs.get(job_id)
    if job is None:
        return _page(
            request, "error.html", 404, status=404, message=f"unknown job '{job_id[:100]}'"
        )
    return _page(request, "job.html", job=job)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(
    request: Request,
    run_id: str,
    scenario: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Every report chart, the site map with its year slider, the scarce capacity, the
    sites, downloads."""
    runs = _runs(request)
    rid = runs.run_id(run_id)
    name = runs.scenario(rid, scenario)
    info = runs.overview(rid)
    year = max(info["years"])
    return _page(
        request,
        "run.html",
        info=info,
        scenario=name,
        view=info["scenarios"].index(name),
        charts=list(CHARTS.values()),
        sites=runs.sites(rid, name, year),
        pools=runs.pools(rid, name),
        pool_columns=POOL_COLUMNS,
        year=year,
        sort_js=SORT_JS,
    )


@router.get("/runs/{run_id}/sites/{site}", response_class=HTMLResponse)
def site_page(
    request: Request,
    run_id: str,
    site: str,
    scenario: Annotated[str | None, Query(max_length=64)] = None,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
) -> Response:
    """One site: its route history, costs and why it chose what it chose (in ``year``,
    default: its first decision to switch)."""
    runs = _runs(request)
    rid = runs.run_id(run_id)
    sid = runs.site(rid, site)
    name = runs.scenario(rid, scenario)
    return _page(
        request,
        "site.html",
        info=runs.overview(rid),
        scenario=name,
        site=runs.site_detail(rid, sid, name),
        year=runs.year(rid, year),
    )


@router.get("/runs/{run_id}/sites/{site}/explain", response_class=HTMLResponse)
def explain_fragment(
    request: Request,
    run_id: str,
    site: str,
    scenario: Annotated[str | None, Query(max_length=64)] = None,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
) -> Response:
    """The site page's explanation, loaded after the page (replaying a run takes a moment)."""
    runs = _runs(request)
    rid = runs.run_id(run_id)
    sid = runs.site(rid, site)
    name = runs.scenario(rid, scenario)
    chosen = runs.year(rid, year)
    return _page(
        request,
        "_explain.html",
        info=runs.overview(rid),
        scenario=name,
        year=chosen,
        explain=runs.explain(rid, sid, name, chosen),
    )


@router.get("/compare", response_class=HTMLResponse)
def compare_page(
    request: Request,
    a: Annotated[str | None, Query(max_length=100)] = None,
    b: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """Two runs: run A solid, run B dashed, in every chart; key indicators side by side."""
    runs = _runs(request)
    if not a or not b:
        return _page(request, "compare.html", runs=runs.stored(), pair=None)
    ra = runs.run_id(a, ("query", "a"))
    rb = runs.run_id(b, ("query", "b"))
    return _page(
        request,
        "compare.html",
        runs=runs.stored(),
        pair={"a": runs.overview(ra), "b": runs.overview(rb)},
        pairs=runs.compare_pairs(ra, rb),
        rows=runs.compare_overview(ra, rb),
        charts=list(CHARTS.values()),
    )


@router.get("/ensembles", response_class=HTMLResponse)
def ensembles_page(request: Request) -> Response:
    """The stored ensembles of futures, each with its robustness report."""
    cache = request.app.state.ensembles
    return _page(request, "ensembles.html", ensembles=cache.listing(), folder=cache.root)


@router.get("/ensembles/{ensemble_id}", response_class=HTMLResponse)
def ensemble_report(request: Request, ensemble_id: str) -> Response:
    """An ensemble's robustness report, as ``kruispunt explore analyse`` writes it."""
    cache = request.app.state.ensembles
    return HTMLResponse(cache.report(cache.ensemble(ensemble_id)))


@router.get("/api", response_class=HTMLResponse)
def api_page(request: Request) -> Response:
    """The API's operations, read from its OpenAPI description (works offline)."""
    spec = request.app.openapi()
    operations = [
        {
            "method": method.upper(),
            "path": path,
            "summary": op.get("summary", ""),
            "description": op.get("description", ""),
        }
        for path, item in spec["paths"].items()
        for method, op in item.items()
    ]
    return _page(request, "api.html", operations=operations)
