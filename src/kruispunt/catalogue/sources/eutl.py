"""Adapter for the EUTL installation export (``data/raw/eutl_nl_cedricr/installations-NL.csv``).

Maps the export's columns to the package's names, keeps stationary installations (activity
code 10 is aviation) and returns verified emissions and free allocation in long form.
Cells that the EUTL marks ``NA``, ``Excluded`` or ``Not Reported`` become empty: the model
never reads them as zero.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

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
    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    missing = [c for c in VARIABLE_MAP if c not in df.columns]
    if missing:
        raise KruispuntError(f"{path}: columns missing: {', '.join(missing)}")
    df = df[df["MainActivityTypeCode"].astype(int) != AVIATION_ACTIVITY]
    installations = df[list(VARIABLE_MAP)].rename(columns=VARIABLE_MAP)
    installations["installation_id"] = installations["installation_id"].astype(int)
    installations["ets_activity"] = installations["ets_activity"].astype(int)
    for col in ("name", "account_holder", "city"):
        installations[col] = installations[col].str.strip().replace("NA", "")
    frames = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        part = pd.DataFrame(
            {"installation_id": df["InstallationOrAircraftOperatorID"].astype(int), "year": year}
        )
        for raw_name, name in YEAR_VARIABLES.items():
            values = df[f"{raw_name}_{year}"].str.strip()
            values = values.where(~values.isin(MISSING_MARKERS), "")
            bad = values[(values != "") & ~values.str.fullmatch(r"-?\d+(\.\d+)?")]
            if len(bad):
                raise KruispuntError(
                    f"{path}: column {raw_name}_{year} has non-numeric "
                    f"values: {sorted(set(bad))[:5]}"
                )
            part[name] = values.to_numpy()
        frames.append(part)
    years = pd.concat(frames, ignore_index=True)
    return (
        installations.sort_values("installation_id").reset_index(drop=True),
        years.sort_values(["installation_id", "year"]).reset_index(drop=True),
    )
