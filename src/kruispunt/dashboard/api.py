"""The dashboard's HTTP API: the same actions as the pages, for other tools (OpenAPI at
``/openapi.json``, interactive docs at ``/api/docs``).

Errors are JSON ``{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}``: ``loc`` names
the parameter or field at fault (``["body", "subsidies", "ccfd_duration"]``), ``msg`` says
what is wrong and what is allowed. Unknown runs, sites, jobs and charts are 404; invalid
values 422.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from collections import Counter
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from kruispunt.dashboard.builder import BuilderError, FieldError, SavedScenarios
from kruispunt.dashboard.jobs import Job, JobManager
from kruispunt.dashboard.views import BadInput, NotFound, RunCache
from kruispunt.errors import KruispuntError
from kruispunt.reports import RunMeta, write_report
from kruispunt.reports.charts import CHARTS
from kruispunt.scenarios import ScenarioError, ScenarioLibrary
from kruispunt.schemas.config import ScenarioFile, year_keys
from kruispunt.store import check_run_name
from kruispunt.vocabulary import RESOURCES

ApiScenario = Annotated[ScenarioFile, BeforeValidator(year_keys)]
"""A scenario file in a JSON body: time paths' keys arrive as text and are made years."""

__all__ = ["ErrorResponse", "router"]


def _known_query(request: Request) -> None:
    """Every query parameter must be one the operation declares, given once: an unknown one
    (a misspelling, a filter the endpoint does not have) would be ignored, a repeated one
    read as its last value, and the answer would look filtered when it is not (422)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:  # pragma: no cover - every API route has one
        return
    declared: set[str] = set()
    pending = [dependant]
    while pending:  # the operation's own parameters and those of its dependencies
        d = pending.pop()
        declared.update(p.alias for p in d.query_params)
        pending.extend(d.dependencies)
    counts = Counter(k for k, _ in request.query_params.multi_items())
    for key, n in counts.items():
        if key not in declared:
            allowed = ", ".join(sorted(declared)) or "none"
            raise BadInput(("query", key), f"unknown parameter; allowed: {allowed}")
        if n > 1:
            raise BadInput(("query", key), "given more than once; give it once")


router = APIRouter(prefix="/api", tags=["api"], dependencies=[Depends(_known_query)])


# --- models -----------------------------------------------------------------------------------


class ErrorItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorResponse(BaseModel):
    """A request the server refused: what and where."""

    detail: list[ErrorItem]


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "The request body cannot be read"},
    404: {"model": ErrorResponse, "description": "No such run, site, chart, job or scenario"},
    415: {"model": ErrorResponse, "description": "A body that is not JSON"},
    422: {"model": ErrorResponse, "description": "A parameter or field is invalid"},
}


class ScenarioSummary(BaseModel):
    name: str
    description: str
    origin: Literal["default", "saved"]
    base: str | None


class ScenarioDetail(ScenarioSummary):
    levers: dict[str, Any] = Field(description="Every lever, resolved through the base chain.")
    file: str | None = Field(description="The saved YAML file (None for a default scenario).")


class RunRequest(BaseModel):
    """Scenarios to run together (default or saved names) and a name for the stored run."""

    model_config = ConfigDict(extra="forbid")

    scenarios: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=64)]],
        Field(min_length=1, max_length=20),
    ]
    name: Annotated[str, Field(min_length=1, max_length=100)] | None = None


class JobInfo(BaseModel):
    job_id: str
    scenarios: list[str]
    name: str | None
    created: str
    status: Literal["queued", "running", "done", "failed"]
    stage: str
    progress: float
    run_id: str | None
    error: str | None


class RunSummary(BaseModel):
    run_id: str
    name: str | None
    created: str
    scenarios: str
    kruispunt_version: str
    data_hash: str


class Indicator(BaseModel):
    key: str
    label: str
    unit: str
    values: list[str] = Field(description="One value per scenario, formatted.")


class ChartInfo(BaseModel):
    name: str
    title: str
    caption: str
    unit: str


class RunDetail(BaseModel):
    run_id: str
    name: str | None
    created: str | None
    kruispunt_version: str | None
    data_hash: str | None
    euro_year: int | None
    scenarios: list[str]
    descriptions: dict[str, str]
    indicators: list[Indicator]
    years: list[int]
    charts: list[ChartInfo]


class Figure(BaseModel):
    """A plotly figure: draw it with ``Plotly.newPlot(div, data, layout)``."""

    data: list[dict[str, Any]]
    layout: dict[str, Any]
    frames: list[dict[str, Any]] | None = None


class SiteRow(BaseModel):
    site: str
    name: str
    cluster: str
    sector: str
    routes: str
    producing: bool
    direct_emissions_ktco2: float | None
    net_cost_meur: float | None


class Switch(BaseModel):
    year: int
    plant: str
    product: str
    route: str
    family: str
    reason: str


class CostTotal(BaseModel):
    item: str
    total_meur: float | None


class SiteDetail(BaseModel):
    site: str
    name: str
    cluster: str
    plants: list[str]
    switches: list[Switch]
    cost_totals: list[CostTotal]
    base_emissions_ktco2: float | None


class Explanation(BaseModel):
    """Why a site chose what it chose in one decision year (``kruispunt.explain``)."""

    available: bool = Field(description="False when the run cannot be replayed; see note.")
    note: str
    year: int | None = Field(description="The decision year explained.")
    terms: list[str] = Field(description="Names of the value terms in each option [EUR/yr].")
    options: list[dict[str, Any]] = Field(
        description="One row per plant and option: route, family, feasible, value and terms "
        "[EUR/yr, before support], support, chosen, reason."
    )


class PoolSeries(BaseModel):
    """One pool of scarce capacity (a cluster's grid for new load or a grid zone, a CO2
    store, a hydrogen project, the biomass supply) in one scenario."""

    pool: str = Field(description="Its id, '<resource>/<name>'.")
    label: str
    resource: str = Field(json_schema_extra={"enum": list(RESOURCES)})
    cluster: str = Field(description="The cluster whose infrastructure figures it adds to.")
    unit: str = Field(description="Of capacity and use: MW (grid), tCO2/yr, GJ/yr.")
    years: list[int]
    capacity: list[float | None] = Field(
        description="Capacity each year; null where the data set no limit."
    )
    use: list[float] = Field(description="Use each year.")
    peak_use: float = Field(description="The highest yearly use (0: never used).")
    peak_year: int | None = Field(description="The first year of the highest use.")
    max_utilisation_share: float | None = Field(
        description="The most of a finite capacity above zero used, use / capacity "
        "[fraction]; null where the pool has no such year."
    )
    max_utilisation_year: int | None


class EnsembleSummary(BaseModel):
    """A stored ensemble of futures (``kruispunt explore run``)."""

    ensemble_id: str
    specification: str = Field(description="The uncertainty specification's name.")
    method: str = Field(description="The design: lhs, sobol, random, saltelli or morris.")
    seed: int | None = Field(description="The root seed every future's seed derives from.")
    n_futures: int = Field(description="Futures of the design.")
    batches_done: int
    n_batches: int
    complete: bool = Field(description="Every batch finished (a shard: its own batches).")
    shard: str | None = Field(description="'i/N' for one shard of an ensemble, else null.")
    packages: list[str]
    error: str | None = Field(
        default=None, description="Why its manifest cannot be read (then the rest is empty)."
    )


class OutcomeInfo(BaseModel):
    name: str
    unit: str
    goal: str


Number = float | None
"""A figure; null where it is not defined (no target, no goal, nothing to divide)."""


class RobustnessRow(BaseModel):
    package: str
    outcome: str
    unit: str
    goal: str
    n: int = Field(description="Futures with a value.")
    values: dict[str, Number] = Field(
        description="mean, percentiles p5..p95, target, share_meeting and regret (mean, p90, max)."
    )


class MostRobust(BaseModel):
    outcome: str
    package: str
    criterion: str


class Satisficing(BaseModel):
    package: str
    share_all_targets: Number
    targets: str


class Miss(BaseModel):
    outcome: str
    package: str
    missed: int = Field(description="Futures in which the package misses the target.")
    futures: int


class PrimLimit(BaseModel):
    factor: str
    lower: Number
    upper: Number
    min: Number = Field(description="The factor's lowest sampled value.")
    max: Number = Field(description="The factor's highest sampled value.")
    qp_value: Number = Field(description="Quasi-p-value of the restriction.")


class PrimBox(BaseModel):
    """PRIM's chosen box around the futures in which a package misses an outcome's target
    (``case`` missing), or meets it where those are the fewer (``case`` meeting)."""

    case: Literal["missing", "meeting"]
    outcome: str
    package: str
    coverage: Number
    density: Number
    mass: Number
    base_density: Number = Field(description="Share of all futures in the case.")
    restrictions: list[PrimLimit]


class TornadoRow(BaseModel):
    package: str
    outcome: str
    factor: str
    low: Number = Field(description="Mean outcome where the factor is in its lowest fifth.")
    high: Number = Field(description="Mean outcome where the factor is in its highest fifth.")
    mean: Number
    swing: Number


class SobolRow(BaseModel):
    package: str
    outcome: str
    factor: str
    S1: Number
    S1_conf: Number
    ST: Number
    ST_conf: Number


class MorrisRow(BaseModel):
    package: str
    outcome: str
    factor: str
    mu: Number
    mu_star: Number
    sigma: Number
    n: int


class EnsembleDetail(EnsembleSummary):
    """The ensemble's robustness analysis (``kruispunt explore analyse``) in numbers."""

    futures_analysed: int = Field(description="Futures of the finished batches.")
    futures_explored: int = Field(description="Of those, the ones robustness and PRIM use.")
    outcomes: list[OutcomeInfo]
    most_robust: list[MostRobust]
    satisficing: list[Satisficing]
    robustness: list[RobustnessRow]
    misses: list[Miss]
    prim_outcome: str
    prim: list[PrimBox]
    tornado: list[TornadoRow]
    sobol: list[SobolRow] = Field(description="Sobol indices (a saltelli design).")
    morris: list[MorrisRow] = Field(description="Morris elementary effects (a morris design).")


class Comparison(BaseModel):
    a: RunDetail
    b: RunDetail


# --- helpers ----------------------------------------------------------------------------------


def _state(request: Request) -> tuple[RunCache, JobManager, SavedScenarios]:
    st = request.app.state
    return st.runs, st.jobs, st.saved


def _json(text: str) -> Response:
    return Response(content=text, media_type="application/json")


RunId = Annotated[
    str, Path(min_length=1, max_length=100, description="Run id, unique prefix, name or 'latest'")
]
Scenario = Annotated[
    str | None, Query(max_length=64, description="Scenario of the run (default: its first)")
]
ChartName = Annotated[
    str, Path(max_length=64, description="Chart name", json_schema_extra={"enum": list(CHARTS)})
]


def job_info(job: Job) -> JobInfo:
    return JobInfo(
        job_id=job.job_id,
        scenarios=list(job.scenarios),
        name=job.name,
        created=job.created,
        status=job.status,
        stage=job.stage,
        progress=job.progress,
        run_id=job.run_id,
        error=job.error,
    )


def run_detail(runs: RunCache, run_id: str) -> RunDetail:
    info = runs.overview(run_id)
    return RunDetail(
        **info,
        charts=[
            ChartInfo(name=c.name, title=c.title, caption=c.caption, unit=c.unit)
            for c in CHARTS.values()
        ],
    )


def scenario_list(
    saved: SavedScenarios, lib: ScenarioLibrary | None = None
) -> list[ScenarioSummary]:
    """The scenarios of ``lib`` (default: ``saved.library()``, read and resolved anew)."""
    if lib is None:
        lib, _ = saved.library()
    out = []
    for name in lib.names:
        lv = lib.resolve(name)
        out.append(
            ScenarioSummary(
                name=name,
                description=" ".join(lv.levers.description.split()),
                origin="default" if name in saved.defaults else "saved",
                base=lv.levers.base,
            )
        )
    return out


def check_scenarios(saved: SavedScenarios, names: list[str]) -> None:
    """Every name must be a known scenario, each once (422 naming the entry at fault)."""
    lib, broken = saved.library()
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            raise BadInput(("body", "scenarios", i), f"scenario '{name}' is given twice")
        seen.add(name)
        if f"{name}.yaml" in broken:
            raise BadInput(("body", "scenarios", i), broken_file(name, broken))
        try:
            lib.resolve(name)
        except ScenarioError as exc:
            raise BadInput(("body", "scenarios", i), str(exc)) from None


def broken_file(name: str, broken: dict[str, str]) -> str:
    """Why the saved scenario ``name`` cannot be used: its file does not load (rather than
    "unknown scenario", which is what leaving it out of the library would say)."""
    return f"the saved file {name}.yaml does not load: {broken[f'{name}.yaml']}"


EnsembleId = Annotated[
    str, Path(min_length=1, max_length=200, description="Ensemble id (see /api/ensembles)")
]


# --- scenarios --------------------------------------------------------------------------------


@router.get("/scenarios", response_model=list[ScenarioSummary], summary="List scenarios")
def list_scenarios(request: Request) -> list[ScenarioSummary]:
    """The data package's default scenarios and the saved scenario files."""
    _, _, saved = _state(request)
    return scenario_list(saved)


@router.get(
    "/scenarios/{name}", response_model=ScenarioDetail, responses=ERRORS, summary="One scenario"
)
def get_scenario(
    request: Request, name: Annotated[str, Path(min_length=1, max_length=64)]
) -> ScenarioDetail:
    """A scenario's resolved levers and, for a saved one, its file."""
    _, _, saved = _state(request)
    lib, broken = saved.library()
    if f"{name}.yaml" in broken and name not in lib.names:
        raise BadInput(("path", "name"), broken_file(name, broken))
    if name not in lib.names:
        raise NotFound(
            ("path", "name"), f"unknown scenario '{name}'; known: {', '.join(lib.names)}"
        )
    resolved = lib.resolve(name)
    path = saved.path(name)
    return ScenarioDetail(
        name=name,
        description=" ".join(resolved.levers.description.split()),
        origin="default" if name in saved.defaults else "saved",
        base=resolved.levers.base,
        levers=resolved.levers.model_dump(mode="json"),
        file=path.read_text("utf-8") if name not in saved.defaults and path.is_file() else None,
    )


@router.post(
    "/scenarios",
    response_model=ScenarioDetail,
    status_code=201,
    responses=ERRORS,
    summary="Save a scenario file",
)
def save_scenario(request: Request, scenario: Annotated[ApiScenario, Body()]) -> ScenarioDetail:
    """Validate a scenario file (the schema of ``kruispunt run``'s YAML files; ids checked
    against the data package; the base must exist) and save it as YAML in the store's
    ``scenarios/`` folder, replacing a saved file of the same name."""
    _, _, saved = _state(request)
    try:
        saved.save(scenario)
    except BuilderError as exc:
        raise _body_errors(exc.errors) from None
    return get_scenario(request, scenario.name)


def _body_errors(errors: list[FieldError]) -> BadInput:
    """A 422 naming every field of the request body at fault."""
    items: list[tuple[tuple[str | int, ...], str]] = [(("body", *e.loc), e.message) for e in errors]
    return BadInput(items[0][0], items[0][1], items[1:])


# --- runs and jobs ----------------------------------------------------------------------------


@router.post(
    "/runs", response_model=JobInfo, status_code=202, responses=ERRORS, summary="Start a run"
)
def start_run(request: Request, body: RunRequest) -> JobInfo:
    """Queue a run of the scenarios; follow it at ``/api/jobs/{job_id}``."""
    _, jobs, saved = _state(request)
    check_scenarios(saved, body.scenarios)
    try:  # before the run, not after it: the store refuses such a name when it saves
        check_run_name(body.name)
    except KruispuntError as exc:
        raise BadInput(("body", "name"), str(exc)) from None
    return job_info(jobs.submit(body.scenarios, body.name))


@router.get("/jobs", response_model=list[JobInfo], summary="Runs asked for on this server")
def list_jobs(request: Request) -> list[JobInfo]:
    _, jobs, _ = _state(request)
    return [job_info(j) for j in jobs.list()]


@router.get("/jobs/{job_id}", response_model=JobInfo, responses=ERRORS, summary="One job")
def get_job(request: Request, job_id: Annotated[str, Path(max_length=100)]) -> JobInfo:
    """Status and progress of a run asked for on this server."""
    _, jobs, _ = _state(request)
    job = jobs.get(job_id)
    if job is None:
        raise NotFound(("path", "job_id"), f"unknown job '{job_id[:100]}'")
    return job_info(job)


@router.get("/runs", response_model=list[RunSummary], summary="Stored runs")
def list_runs(request: Request) -> list[RunSummary]:
    """Runs in the results store, newest first."""
    runs, _, _ = _state(request)
    return [RunSummary(**r) for r in runs.stored()]


@router.get("/runs/{run_id}", response_model=RunDetail, responses=ERRORS, summary="One run")
def get_run(request: Request, run_id: RunId) -> RunDetail:
    """Provenance, scenario descriptions, key indicators and the charts available."""
    runs, _, _ = _state(request)
    return run_detail(runs, runs.run_id(run_id))


@router.get(
    "/runs/{run_id}/charts/{chart}",
    response_model=Figure,
    responses=ERRORS,
    summary="A chart of a run",
)
def get_chart(request: Request, run_id: RunId, chart: ChartName) -> Response:
    """A report chart as a plotly figure; every scenario of the run is in it (trace
    ``meta.view``), the first visible."""
    runs, _, _ = _state(request)
    return _json(runs.chart(runs.run_id(run_id), chart))


@router.get(
    "/runs/{run_id}/map", response_model=Figure, responses=ERRORS, summary="Map of the sites"
)
def get_map(
    request: Request,
    run_id: RunId,
    scenario: Scenario = None,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
) -> Response:
    """Sites coloured by their main route family, one frame per year (``frames``)."""
    runs, _, _ = _state(request)
    rid = runs.run_id(run_id)
    return _json(runs.site_map(rid, runs.scenario(rid, scenario), runs.year(rid, year)))


@router.get("/runs/{run_id}/sites", response_model=list[SiteRow], responses=ERRORS, summary="Sites")
def get_sites(
    request: Request,
    run_id: RunId,
    scenario: Scenario = None,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
) -> list[SiteRow]:
    """The site table of one scenario and year (default: the last year)."""
    runs, _, _ = _state(request)
    rid = runs.run_id(run_id)
    name = runs.scenario(rid, scenario)
    shown = runs.year(rid, year) or max(runs.overview(rid)["years"])
    return [SiteRow(**r) for r in runs.sites(rid, name, shown)]


@router.get(
    "/runs/{run_id}/pools",
    response_model=list[PoolSeries],
    responses=ERRORS,
    summary="Scarce capacity",
)
def get_pools(request: Request, run_id: RunId, scenario: Scenario = None) -> list[PoolSeries]:
    """Each pool of grid, CO2-storage, hydrogen and biomass capacity of one scenario: its
    capacity and use year by year, its highest use and the most of its capacity used."""
    runs, _, _ = _state(request)
    rid = runs.run_id(run_id)
    return [PoolSeries(**r) for r in runs.pool_series(rid, runs.scenario(rid, scenario))]


@router.get(
    "/runs/{run_id}/sites/{site}",
    response_model=SiteDetail,
    responses=ERRORS,
    summary="One site",
)
def get_site(
    request: Request,
    run_id: RunId,
    site: Annotated[str, Path(max_length=100)],
    scenario: Scenario = None,
) -> SiteDetail:
    """Route switches, why they happened and the costs of one site."""
    runs, _, _ = _state(request)
    rid = runs.run_id(run_id)
    sid = runs.site(rid, site)
    return SiteDetail(**runs.site_detail(rid, sid, runs.scenario(rid, scenario)))


@router.get(
    "/runs/{run_id}/sites/{site}/explain",
    response_model=Explanation,
    responses=ERRORS,
    summary="Why a site chose what it chose",
)
def get_explanation(
    request: Request,
    run_id: RunId,
    site: Annotated[str, Path(max_length=100)],
    scenario: Scenario = None,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
) -> Explanation:
    """Every option the site's plants weighed in ``year`` (default: the first decision to
    switch), its value, terms and feasibility, and why it was or was not chosen. Replays the
    run's scenario with ``kruispunt.explain``."""
    runs, _, _ = _state(request)
    rid = runs.run_id(run_id)
    sid = runs.site(rid, site)
    view = runs.explain(rid, sid, runs.scenario(rid, scenario), runs.year(rid, year))
    return Explanation(
        available=view.available,
        note=view.note,
        year=view.year,
        terms=view.terms,
        options=view.options,
    )


@router.get(
    "/runs/{run_id}/sites/{site}/charts/{kind}",
    response_model=Figure,
    responses=ERRORS,
    summary="A chart of one site",
)
def get_site_chart(
    request: Request,
    run_id: RunId,
    site: Annotated[str, Path(max_length=100)],
    kind: Annotated[str, Path(max_length=20, json_schema_extra={"enum": ["routes", "costs"]})],
    scenario: Scenario = None,
) -> Response:
    """``routes``: each plant's route over the years; ``costs``: cost items per year."""
    runs, _, _ = _state(request)
    rid = runs.run_id(run_id)
    sid = runs.site(rid, site)
    return _json(runs.site_chart(rid, sid, runs.scenario(rid, scenario), kind))


@router.get(
    "/compare/{run_a}/{run_b}",
    response_model=Comparison,
    responses=ERRORS,
    summary="Two runs side by side",
)
def compare_runs(
    request: Request,
    run_a: Annotated[str, Path(min_length=1, max_length=100)],
    run_b: Annotated[str, Path(min_length=1, max_length=100)],
) -> Comparison:
    runs, _, _ = _state(request)
    a = runs.run_id(run_a, ("path", "run_a"))
    b = runs.run_id(run_b, ("path", "run_b"))
    return Comparison(a=run_detail(runs, a), b=run_detail(runs, b))


@router.get(
    "/compare/{run_a}/{run_b}/charts/{chart}",
    response_model=Figure,
    responses=ERRORS,
    summary="A chart of two runs",
)
def compare_chart(
    request: Request,
    run_a: Annotated[str, Path(min_length=1, max_length=100)],
    run_b: Annotated[str, Path(min_length=1, max_length=100)],
    chart: ChartName,
) -> Response:
    """Run A solid, run B dashed, scenario by scenario (trace ``meta.view``)."""
    runs, _, _ = _state(request)
    a = runs.run_id(run_a, ("path", "run_a"))
    b = runs.run_id(run_b, ("path", "run_b"))
    return _json(runs.compare_chart(a, b, chart))


# --- downloads --------------------------------------------------------------------------------

DOWNLOADS = ("iamc", "csv", "report")


def report_path(runs: RunCache, run_id: str) -> FsPath:
    """The run's HTML report in the store (written now if the run has none). The run is read
    first, as every other view of it does: a run that cannot be read is refused, not served
    the report it had."""
    res = runs.results(run_id)
    path = runs.store.report_path(run_id)
    if not path.is_file():
        write_report(
            res,
            path,
            title=f"Kruispunt results: {', '.join(res.scenarios)}",
            meta=RunMeta.from_record(runs.record(run_id)),
        )
    return path


def download_response(runs: RunCache, run_id: str, format: str) -> Response:
    from kruispunt.export import export

    if format not in DOWNLOADS:
        raise NotFound(
            ("path", "format"), f"unknown download '{format[:40]}'; allowed: {', '.join(DOWNLOADS)}"
        )
    if format == "report":
        return FileResponse(
            report_path(runs, run_id), media_type="text/html", filename=f"{run_id}.html"
        )
    res = runs.results(run_id)
    with tempfile.TemporaryDirectory() as tmp:
        if format == "iamc":
            path = export(res, FsPath(tmp) / f"{run_id}-iamc.csv", "iamc")
            return Response(
                path.read_bytes(),
                media_type="text/csv",
                headers={"Content-Disposition": f'attachment; filename="{run_id}-iamc.csv"'},
            )
        folder = export(res, FsPath(tmp) / f"{run_id}-csv", "csv")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for file in sorted(folder.iterdir()):
                zf.write(file, f"{run_id}-csv/{file.name}")
        shutil.rmtree(folder, ignore_errors=True)
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{run_id}-csv.zip"'},
    )


@router.get(
    "/runs/{run_id}/download/{format}",
    responses={
        **ERRORS,
        200: {
            "description": "iamc: IAMC CSV; csv: zip of CSV parts and manifest; report: HTML",
            "content": {"text/csv": {}, "application/zip": {}, "text/html": {}},
        },
    },
    summary="Download a run",
)
def download(
    request: Request,
    run_id: RunId,
    format: Annotated[str, Path(max_length=20, json_schema_extra={"enum": list(DOWNLOADS)})],
) -> Response:
    """The run as an IAMC table, a zip of CSV parts, or the HTML report."""
    runs, _, _ = _state(request)
    return download_response(runs, runs.run_id(run_id), format)


# --- ensembles --------------------------------------------------------------------------------


@router.get("/ensembles", response_model=list[EnsembleSummary], summary="Stored ensembles")
def list_ensembles(request: Request) -> list[EnsembleSummary]:
    """Ensembles of futures in the results store (``kruispunt explore run``), by id."""
    return [EnsembleSummary(**e) for e in request.app.state.ensembles.listing()]


@router.get(
    "/ensembles/{ensemble_id}",
    response_model=EnsembleDetail,
    responses=ERRORS,
    summary="One ensemble's robustness",
)
def get_ensemble(request: Request, ensemble_id: EnsembleId) -> EnsembleDetail:
    """Percentiles, target shares and regret per package and outcome, the most robust
    package per outcome, the PRIM boxes, the tornado and (saltelli, morris) the sensitivity
    indices; worked out from the finished batches (the first time a while on a large
    ensemble)."""
    cache = request.app.state.ensembles
    return EnsembleDetail(**cache.detail(cache.ensemble(ensemble_id)))
