"""Adapter for the EUTL installation export (``data/raw/eutl_nl_cedricr/installations-NL.csv``).

Maps the export's columns to the package's names, keeps stationary installations (activity
code 10 is aviation) and returns verified emissions and free allocation in long form.
Cells that the EUTL marks ``NA``, ``Excluded`` or ``Not Reported`` become empty: the model
never reads them as zero.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kruispunt.catalogue.raw import read_csv_text
from kruispunt.errors import KruispuntError

FILE = Path("eutl_nl_cedricr") / "installations-NL.csv"
AVIATION_ACTIVITY = 10
FIRST_YEAR, LAST_YEAR = 2013, 2022

VARIABLE_MAP = {
    "InstallationOrAircraftOperatorID": "installation_id",
    "InstallationNameOrAircraftOperatorCode": "name",
    "AccountHolderName": "account_holder",
    "City": "city",
    "MainActivityTypeCode": "ets_activity",
}
YEAR_VARIABLES = {"VerifiedEmissions": "verified_emissions", "FreeAllocations": "free_allocation"}
MISSING_MARKERS = ("NA", "Excluded", "Not Reported", "Not Calculated", "")


def read(raw_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Installations and their yearly figures.

    Returns
    -------
    installations : DataFrame
        ``installation_id, name, account_holder, city, ets_activity`` (stationary only).
    years : DataFrame
        ``installation_id, year, verified_emissions, free_allocation`` [tCO2e]; empty string
        where the EUTL has no figure.
    """
    path = raw_dir / FILE
    if not path.is_file():
        raise KruispuntError(f"raw EUTL file not found: {path}")
    df = read_csv_text(path)
    needed = list(VARIABLE_MAP) + [
        f"{raw_name}_{year}"
        for year in range(FIRST_YEAR, LAST_YEAR + 1)
        for raw_name in YEAR_VARIABLES
    ]
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise KruispuntError(f"{path}: columns missing: {', '.join(missing)}")
    activity = _integers(path, df, "MainActivityTypeCode")
    df = df[activity != AVIATION_ACTIVITY]
    ids = _integers(path, df, "InstallationOrAircraftOperatorID")
    installations = df[list(VARIABLE_MAP)].rename(columns=VARIABLE_MAP)
    installations["installation_id"] = ids
    installations["ets_activity"] = activity[df.index]
    for col in ("name", "account_holder", "city"):
        installations[col] = installations[col].str.strip().replace("NA", "")
    frames = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        part = pd.DataFrame({"installation_id": ids, "year": year})
        for raw_name, name in YEAR_VARIABLES.items():
            values = df[f"{raw_name}_{year}"].str.strip()
            values = values.where(~values.isin(MISSING_MARKERS), "")
            # tonnes: 15 digits (10^15 t) is far above any installation and within an int64
            bad = values[(values != "") & ~values.str.fullmatch(r"-?\d{1,15}(\.\d+)?")]
            if len(bad):
                raise KruispuntError(
                    f"{path}: column {raw_name}_{year} has values that are not numbers "
                    f"of at most 15 digits before the point: {sorted(set(bad))[:5]}"
                )
            part[name] = values.to_numpy()
        frames.append(part)
    years = pd.concat(frames, ignore_index=True)
    return (
        installations.sort_values("installation_id").reset_index(drop=True),
        years.sort_values(["installation_id", "year"]).reset_index(drop=True),
    )


def _integers(path: Path, df: pd.DataFrame, column: str) -> pd.Series:
    """``df[column]`` as integers; a cell that is not a whole number is a KruispuntError
    naming the file, the data row (1 = the first row after the header; ``df`` keeps the
    file's row positions as its index) and the value."""
    cells = df[column].str.strip()
    bad = ~cells.str.fullmatch(r"\d{1,18}")  # 19 digits and more overflow an int64
    if bad.any():
        at = int(bad.to_numpy().argmax())
        raise KruispuntError(
            f"{path}: data row {int(df.index[at]) + 1}, column {column}: "
            f"{df[column].iloc[at]!r} is not a whole number of at most 18 digits"
        )
    return cells.astype(int)
