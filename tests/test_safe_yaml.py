"""Strict YAML reading (kruispunt.safe_yaml): each limit holds at its value and refuses one
past it, and what cannot be read is an error naming the file and line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from kruispunt.limits import YAML_MAX_BYTES, YAML_MAX_DEPTH, YAML_MAX_NODES
from kruispunt.safe_yaml import YamlFileError, read_yaml


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(YamlFileError) as exc:
        read_yaml(path)
    return str(exc.value)


def test_a_file_of_the_size_limit_is_read_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    path = _file(tmp_path, "#" * YAML_MAX_BYTES)
    assert read_yaml(path) == (None, {})
    path = _file(tmp_path, "#" * (YAML_MAX_BYTES + 1))
    assert _error(path) == (
        f"{path}: scenario file is too large (1,048,577 bytes); at most 1 MiB "
        "(1,048,576 bytes) is read"
    )


def test_nesting_to_the_depth_limit_is_read_and_one_level_more_is_refused(
    tmp_path: Path,
) -> None:
    """The document's mapping is the first of the 16 levels allowed."""
    data, _ = read_yaml(_file(tmp_path, "name: x\nlol: " + "[" * 15 + "]" * 15 + "\n"))
    depth, node = 1, data["lol"]
    while isinstance(node, list):
        depth, node = depth + 1, node[0] if node else None
    assert depth == YAML_MAX_DEPTH == 16
    path = _file(tmp_path, "name: x\nlol: " + "[" * 16 + "]" * 16 + "\n")
    assert _error(path) == (
        f"{path}, line 2: nested too deeply (more than 16 levels of mappings and lists)"
    )


def test_the_node_limit_is_read_and_one_node_more_is_refused(tmp_path: Path) -> None:
    """A list of n - 1 numbers is n nodes (the list and its items)."""
    data, _ = read_yaml(_file(tmp_path, "[" + "1, " * (YAML_MAX_NODES - 2) + "1]\n"))
    assert len(data) == YAML_MAX_NODES - 1
    path = _file(tmp_path, "[" + "1, " * (YAML_MAX_NODES - 1) + "1]\n")
    assert _error(path).startswith(f"{path}, line 1: too many YAML nodes (more than 20,000, ")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "name: x\nstart: !!timestamp 2030-13-45\n",
            "line 2: malformed YAML: cannot read this !!timestamp value (month must be in 1..12)",
        ),
        (
            "name: x\ndescription: a\x07b\n",
            "line 2: malformed YAML: control characters are not allowed",
        ),
        (
            "name: x\nseed: 1\nname: y\n",
            "line 3: malformed YAML: duplicate key 'name' (first on line 1)",
        ),
        (
            "base: &b {x: 1}\n? *b\n: 2\n",
            "line 2: a key must be a plain value (text or a number), not a list, a mapping or "
            "an alias of one",
        ),
    ],
    ids=["bad_timestamp", "control_character", "duplicate_key", "alias_of_a_mapping_as_key"],
)
def test_what_cannot_be_read_is_named_with_its_line(tmp_path: Path, text: str, error: str) -> None:
    path = _file(tmp_path, text)
    assert _error(path) == f"{path}, {error}"


def test_a_device_is_not_read_as_a_scenario_file() -> None:
    """``/dev/null`` (or a pipe, which would block) is refused before it is opened."""
    assert (
        _error(Path("/dev/null"))
        == "/dev/null: is not a regular file; a scenario file is a YAML file"
    )
