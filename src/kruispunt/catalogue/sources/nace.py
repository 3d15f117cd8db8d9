"""Adapter for the EUTL -> NACE Rev.2 mapping (``data/raw/eutl_nl_nace_jabrell``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kruispunt.errors import KruispuntError

FILE = Path("eutl_nl_nace_jabrell") / "installation_nace_NL.csv"


def read(raw_dir: Path) -> pd.Series:
    """NACE code per EUTL installation id (the ``nace`` column, as euets.info uses it)."""
    path = raw_dir / FILE
    if not path.is_file():
        raise KruispuntError(f"raw NACE file not found: {path}")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    ids = df["id"].str.removeprefix("NL_")
    if not ids.str.fullmatch(r"\d+").all():
        raise KruispuntError(f"{path}: ids must look like NL_<number>")
    return pd.Series(df["nace"].str.strip().to_numpy(), index=ids.astype(int), name="nace")
