"""The code keeps the shape the architecture asks for (DESIGN.md §5, issue 7)."""

from __future__ import annotations

import ast
import pathlib

import pytest

SRC = pathlib.Path(__file__).resolve().parents[1] / "src" / "kruispunt"
MAX_LINES = 100


def _functions(folder: str) -> list[tuple[str, str, int]]:
    out = []
    for path in sorted((SRC / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                out.append((str(path.relative_to(SRC)), node.name, length))
    return out


@pytest.mark.parametrize("folder", ["engine", "assemble"])
def test_no_function_over_100_lines(folder: str) -> None:
    functions = _functions(folder)
    assert functions, f"no functions found under {folder}"
    long = [f"{path}:{name} ({n} lines)" for path, name, n in functions if n > MAX_LINES]
    assert not long, "functions over 100 lines: " + ", ".join(long)


def test_the_engine_and_assemble_hold_no_instrument_formula() -> None:
    """Instrument functions are called only from kruispunt.policy: no module of the engine or
    of assemble imports an instrument's pure functions."""
    pure = {
        "ets_cost",
        "free_allocation",
        "co2_heffing",
        "dispensation_rights",
        "indirect_cost_compensation",
        "bracketed_tax",
        "cbam_charge",
        "ccfd_payment",
        "sde_payment",
        "green_premium_revenue",
        "clearing_premium",
        "market_sales",
        "required_volume",
        "procurement_cap",
    }
    for folder in ("engine", "assemble"):
        for path in (SRC / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if isinstance(node, ast.ImportFrom):
                    names = {a.name for a in node.names}
                    assert not names & pure, f"{path.name} imports {names & pure}"


def test_dimension_names_come_from_the_vocabulary() -> None:
    """The literal 'scenario' appears in no module but the vocabulary, the schemas, the
    instrument parameter declarations (dims) and docstrings."""
    allowed = {"vocabulary.py"}
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.name in allowed or "schemas" in path.parts:
            continue
        tree = ast.parse(path.read_text("utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and node.value == "scenario"
                and id(node) not in docstrings
            ):
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert not offenders, "use kruispunt.vocabulary.SCENARIO: " + ", ".join(offenders)
