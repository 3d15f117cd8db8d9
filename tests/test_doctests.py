"""The examples in the package's docstrings run and give what they show.

Run here, on the installed package (``import kruispunt``), rather than by pytest's
``--doctest-modules`` on ``src/``: a non-editable install (as CI and users have) would
otherwise import every module twice.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import kruispunt

SKIP = {"kruispunt.__main__"}
"""Modules that do something when imported."""


def _modules() -> list[str]:
    names = [kruispunt.__name__]
    for info in pkgutil.walk_packages(kruispunt.__path__, prefix="kruispunt."):
        if info.name not in SKIP:
            names.append(info.name)
    return sorted(names)


def _with_examples() -> list[str]:
    finder = doctest.DocTestFinder(exclude_empty=True)
    out = []
    for name in _modules():
        module = importlib.import_module(name)
        if any(t.examples for t in finder.find(module, name)):
            out.append(name)
    return out


MODULES = _with_examples()


def test_examples_exist() -> None:
    assert len(MODULES) >= 10


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    for test in finder.find(module, name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
