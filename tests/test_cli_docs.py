"""Every ``kruispunt ...`` the documentation shows (code lines and inline code in docs/ and
the README, inline code in the package's help texts and docstrings) names a command the CLI
has, with options that command takes: a renamed command or option cannot leave the pages
behind."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer

from kruispunt.cli import app

ROOT = Path(__file__).resolve().parents[1]
PAGES = [
    *sorted((ROOT / "docs").glob("*.md")),
    ROOT / "README.md",
    *sorted((ROOT / "src" / "kruispunt").rglob("*.py")),  # help texts and docstrings
]


def _mentions() -> list[tuple[str, str]]:
    """(page, words after ``kruispunt``) of each command shown: a code line of a page
    starting with ``kruispunt`` or ``$ kruispunt`` (several on a line split at ``;``), or an
    inline code span starting with ``kruispunt``; a trailing ``# comment`` dropped."""
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        lines = re.findall(r"^(?:\$ )?(kruispunt .*)$", text, re.M) if page.suffix == ".md" else []
        spans = re.findall(r"`(kruispunt [^`]*)`", text)
        for shown in lines + spans:
            for part in shown.split(" # ")[0].split(";"):
                words = part.strip().split()
                if words and words[0] == "kruispunt":
                    found.append((page.name, " ".join(words[1:])))
    return found


def _command(words: list[str]) -> tuple[Any, list[str]]:
    """The (sub)command the leading words name, and the words left (a group has
    ``commands``; typer's commands are click's, which typer may carry inside itself)."""
    command: Any = typer.main.get_command(app)
    while words and hasattr(command, "commands") and words[0] in command.commands:
        command = command.commands[words[0]]
        words = words[1:]
    return command, words


MENTIONS = _mentions()


def test_the_pages_show_commands() -> None:
    """The search below finds what the pages hold (so that it cannot pass on nothing)."""
    assert len(MENTIONS) >= 60
    assert {page for page, _ in MENTIONS} >= {"tutorial.md", "robustness.md", "README.md"}


@pytest.mark.parametrize(("page", "shown"), MENTIONS, ids=[f"{p}:{s}" for p, s in MENTIONS])
def test_a_command_the_docs_show_exists_with_its_options(page: str, shown: str) -> None:
    command, rest = _command(shown.split())
    if hasattr(command, "commands"):  # a group alone ("kruispunt explore"): its name only
        assert not [w for w in rest if not w.startswith("-")] or rest[0] in ("--help",), shown
    known = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)} | {"--help"}
    if hasattr(command, "commands"):
        known |= {"--version"}
    for option in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", shown):
        assert option in known, (
            f"{page}: `kruispunt {shown}`: {option} is not an option of {command.name}"
        )
