"""docs/dashboard.md's HTTP API table and example against the app: every operation it lists
exists, with the values and query parameters it names, and it lists every operation the app
serves under ``/api``; the ``curl`` example answers what the page prints."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kruispunt.dashboard.app import create_app
from kruispunt.dashboard.settings import ServeSettings

PAGE = Path(__file__).resolve().parents[2] / "docs" / "dashboard.md"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    store = tmp_path_factory.mktemp("empty-store")
    with TestClient(
        create_app(ServeSettings(store=store, workers=1)), base_url="http://localhost"
    ) as c:
        yield c


def _documented() -> list[tuple[str, str, dict[str, list[str]], list[str]]]:
    """Each operation of the page's table: method, path (``{a,b}`` choices made a
    parameter named ``*``), the choices of each such parameter, the query parameters named.
    ``.../rest`` continues the previous path from its segment named like ``rest``'s first
    (or from its end)."""
    text = PAGE.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    operations = []
    for row in rows:
        method, previous = "", ""
        for item in re.findall(r"`([^`]+)`", row.split("|")[1]):
            if " " in item:
                method, item = item.split(" ", 1)
            path, _, query = item.partition("?")
            if path.startswith(".../"):
                rest = path[4:]
                segments = previous.split("/")
                first = rest.split("/")[0]
                cut = segments.index(first) if first in segments else len(segments)
                path = "/".join([*segments[:cut], rest])
            previous = path
            choices = {
                str(i): m.split(",") for i, m in enumerate(re.findall(r"\{([^}]*,[^}]*)\}", path))
            }
            pattern = re.sub(r"\{[^}]*,[^}]*\}", "{*}", path)
            names = [q.split("=")[0] for q in query.split("&") if q]
            operations.append((method, pattern, choices, names))
    return operations


def _served(app_spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """Each ``/api`` operation of the OpenAPI description: (method, path) -> operation."""
    return {
        (method.upper(), path): op
        for path, ops in app_spec["paths"].items()
        if path.startswith("/api")
        for method, op in ops.items()
    }


def _matches(pattern: str, path: str) -> bool:
    """``pattern`` with ``{*}`` for a documented choice fits the app's ``path``."""
    a, b = pattern.split("/"), path.split("/")
    return len(a) == len(b) and all(
        x == y or (x == "{*}" and y[:1] == "{") for x, y in zip(a, b, strict=True)
    )


def test_the_api_table_lists_every_operation_the_app_serves(client: TestClient) -> None:
    served = _served(client.app.openapi())  # type: ignore[attr-defined]
    documented = _documented()
    assert len(documented) >= 15  # the table was read (17 operations on 5 Dec 2026)
    found = set()
    for method, pattern, choices, names in documented:
        hits = [k for k in served if k[0] == method and _matches(pattern, k[1])]
        assert len(hits) == 1, (method, pattern, hits)
        found.add(hits[0])
        params = served[hits[0]].get("parameters", [])
        path_params = [p for p in params if p["in"] == "path"]
        starred = [
            seg[1:-1]
            for part, seg in zip(pattern.split("/"), hits[0][1].split("/"), strict=True)
            if part == "{*}"
        ]
        for i, values in choices.items():  # the choices the page names are the app's
            (param,) = [p for p in path_params if p["name"] == starred[int(i)]]
            assert sorted(param["schema"]["enum"]) == sorted(values), (pattern, param["name"])
        query = {p["name"] for p in params if p["in"] == "query"}
        assert set(names) <= query, (pattern, names, query)
    assert set(served) == found, sorted(set(served) - found)


def test_the_pages_curl_example_answers_what_it_prints(client: TestClient) -> None:
    text = PAGE.read_text(encoding="utf-8")
    block = re.search(r"```console\n\$ (curl .*?)\n(\{.*?\})\n```", text, re.S)
    assert block is not None
    words = shlex.split(block.group(1).replace("\\\n", " "))
    method = words[words.index("-X") + 1]
    path = "/" + words[words.index("-X") + 2].split("/", 1)[1]
    body = json.loads(words[words.index("-d") + 1])
    answer = client.request(method, path, json=body)
    assert answer.status_code == 422
    assert answer.json() == json.loads(block.group(2))
