"""Every numeric cell of the package resolves to a source or a named assumption."""

from __future__ import annotations

import pandas as pd

from kruispunt.catalogue import load_catalogue
from kruispunt.catalogue.schema import table_specs


def test_every_number_has_a_resolving_source_or_assumption() -> None:
    cat = load_catalogue()
    sources = cat.sources.set_index("source_id")
    checked = 0
    for name, spec in table_specs().items():
        df = cat[name]
        for field in spec.fields:
            if field.type != "number":
                continue
            values = df[field.name]
            filled = values.notna()
            kind, _, ref = field.source.partition(":")
            assert kind in ("row", "field"), f"{name}.{field.name} declares no source"
            ids = df.loc[filled, ref] if kind == "row" else pd.Series(ref, index=df.index[filled])
            assert ids.notna().all(), f"{name}.{field.name}: a value without a source"
            unknown = set(ids) - set(sources.index)
            assert not unknown, f"{name}.{field.name}: unknown sources {unknown}"
            kinds = sources.loc[list(ids), "kind"]
            notes = sources.loc[list(ids), "note"]
            named = kinds.isin(["assumption", "derived"])
            assert notes[named].notna().all() and (notes[named].str.len() > 20).all()
            checked += int(filled.sum())
    assert checked > 5000


def test_units_are_declared_for_every_number() -> None:
    for spec in table_specs().values():
        for field in spec.fields:
            if field.type == "number":
                assert field.unit, f"{spec.name}.{field.name} has no unit"
