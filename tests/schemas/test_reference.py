from __future__ import annotations

from kruispunt.schemas.config import ScenarioFile, reference_markdown
from tests.catalogue.conftest import REPO


def test_docs_scenario_reference_is_generated_from_schema() -> None:
    doc = REPO / "docs" / "scenarios.md"
    assert doc.read_text(encoding="utf-8") == reference_markdown()


def test_every_field_is_documented() -> None:
    text = reference_markdown()
    for name, info in ScenarioFile.model_fields.items():
        assert f"`{name}`" in text
        assert info.description, f"{name} has no docstring"
