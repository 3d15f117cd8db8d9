"""The scenario file's text fields (``kruispunt.schemas.config``)."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from kruispunt.schemas.config import ScenarioFile


@pytest.mark.parametrize(
    "text",
    [
        "Two lines,\nwith a\ttab.",
        "café ✓ 中文, a family 👨\u200d👩\u200d👧, a soft\u00adhyphen",
        "می\u200cخواهم",  # a zero-width non-joiner, which Persian needs
    ],
)
def test_a_description_of_plain_text_is_kept_as_written(text: str) -> None:
    assert ScenarioFile(name="x", description=text).description == text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("a\x00b", "U+0000"),
        ("a\x85b", "U+0085"),  # YAML reads it back as a line break: the text would change
        ("a\u2028b", "U+2028"),
        ("a\u202e08", "U+202E"),  # a right-to-left override shows '80' for '08'
    ],
)
def test_a_description_with_control_characters_is_refused_by_position(text: str, code: str) -> None:
    """A NUL once reached the home page's HTML and a next-line character was lost on reload;
    run names already refused them."""
    with pytest.raises(ValidationError, match=re.escape(f"({code}) at position 2")):
        ScenarioFile(name="x", description=text)
