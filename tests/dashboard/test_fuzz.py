"""Fuzzing of the dashboard's OpenAPI description with schemathesis (offline, in-process).

Every operation gets generated requests, valid and invalid ones. Checks: no response is a
server error (5xx); every refused request (4xx) says why in the documented error shape,
``{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}``, and a 422 names the field or
parameter at fault; responses match their declared schema; status codes are documented.

The app serves a store of two synthetic runs (built here, at import: schemathesis needs the
schema when tests are collected); their sites have no coordinates, so the map's placement
fallback is exercised too.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from kruispunt.dashboard.app import create_app
from kruispunt.dashboard.settings import ServeSettings
from kruispunt.store import Store
from kruispunt.testing import synthetic_results

MAX_EXAMPLES = 25

_ROOT = Path(tempfile.mkdtemp(prefix="kruispunt-fuzz-"))
atexit.register(shutil.rmtree, _ROOT, ignore_errors=True)
_store = Store(_ROOT)
_store.save(synthetic_results(n_scenarios=2, n_plants=8, seed=1), name="first")
_store.save(synthetic_results(n_scenarios=1, n_plants=8, seed=2), name="second")
APP = create_app(ServeSettings(store=_ROOT, workers=1, host="testserver"))  # its Host header


async def _without_lifespan(scope: Any, receive: Any, send: Any) -> None:
    """The app, its lifespan acknowledged but not run: schemathesis opens one per request,
    and the app's lifespan starts and stops worker processes."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            await send({"type": message["type"] + ".complete"})
            if message["type"] == "lifespan.shutdown":
                return
    await APP(scope, receive, send)


schema = schemathesis.openapi.from_asgi("/openapi.json", _without_lifespan)
schema.config.generation.update(
    modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
    max_examples=MAX_EXAMPLES,
    database="none",
)


@pytest.fixture(scope="module", autouse=True)
def _stop_workers() -> Iterator[None]:
    yield
    APP.state.jobs.close()


@schemathesis.check
def refusals_say_why(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 4xx carries ``detail``: a list of ``{loc, msg, type}``; a 422 names its field."""
    if not 400 <= response.status_code < 500:
        return None
    body = response.json()
    detail = body.get("detail") if isinstance(body, dict) else None
    assert isinstance(detail, list) and detail, f"no detail list in {body!r}"
    for item in detail:
        assert isinstance(item.get("loc"), list), item
        assert isinstance(item.get("msg"), str) and item["msg"].strip(), item
        assert isinstance(item.get("type"), str), item
        if response.status_code == 422:
            assert item["loc"], f"a 422 without the field at fault: {item!r}"
    return None


@schema.parametrize()
def test_api_never_fails_and_refusals_name_the_field(case: Any) -> None:
    case.call_and_validate(
        checks=[
            not_a_server_error,
            refusals_say_why,
            status_code_conformance,
            response_schema_conformance,
        ]
    )
