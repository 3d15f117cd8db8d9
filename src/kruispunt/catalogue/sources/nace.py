"""Adapter for the EUTL -> NACE Rev.2 mapping (``data/raw/eutl_nl_nace_jabrell``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kruispunt.catalogue.raw import read_csv_text
from kruispunt.errors import KruispuntError

FILE = Path("eutl_nl_nace_jabrell") / "installation_nace_NL.csv"


def read(raw_dir: Path) -> pd.Series:
    """NACE code per EUTL installation id (the ``nace`` column, as euets.info uses it)."""
    path = raw_dir / FILE
    if not path.is_file():
        raise KruispuntError(f"raw NACE file not found: {path}")
    df = read_csv_text(path)
    missing = [c for c in ("id", "nace") if c not in df.columns]
    if missing:
        raise KruispuntError(f"{path}: columns missing: {', '.join(missing)}")
    ids = df["id"].str.removeprefix("NL_")
    bad = ~ids.str.fullmatch(r"\d{1,18}")  # 19 digits and more overflow an int64
    if bad.any():
        at = int(bad.to_numpy().argmax())
        raise KruispuntError(
            f"{path}: data row {at + 1}, column id: {df['id'].iloc[at]!r}; ids must look like "
            "NL_<number of at most 18 digits>"
        )
    return pd.Series(df["nace"].str.strip().to_numpy(), index=ids.astype(int), name="nace")
