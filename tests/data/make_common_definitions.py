"""Write ``common_definitions_variables.txt`` from a checkout of the IAMC common-definitions
(https://github.com/IAMconsortium/common-definitions, CC0-1.0): every variable name whose
template starts with one of PREFIXES, with the {Tag} placeholders expanded.

Usage: ``python tests/data/make_common_definitions.py PATH/TO/common-definitions``
(the reference file in the repository was made from commit d877b5f, 2026-06-24).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

PREFIXES = ("Final Energy", "Emissions|CO2", "Carbon Capture", "Production")


def _tags(root: Path) -> dict[str, list[str]]:
    tags: dict[str, list[str]] = {}
    for path in sorted(root.glob("definitions/variable/**/tag_*.yaml")):
        for entry in yaml.safe_load(path.read_text("utf-8")) or []:
            for tag, values in entry.items():
                tags.setdefault(tag, []).extend(next(iter(v)) for v in values)
    return tags


def _expand(template: str, tags: dict[str, list[str]]) -> list[str]:
    match = re.search(r"\{([^}]+)\}", template)
    if match is None:
        return [template]
    out = []
    for value in tags.get(match.group(1), []):
        out += _expand(template[: match.start()] + value + template[match.end() :], tags)
    return out


def main() -> None:
    root = Path(sys.argv[1])
    tags = _tags(root)
    names: set[str] = set()
    for path in sorted(root.glob("definitions/variable/**/*.yaml")):
        if path.name.startswith("tag_"):
            continue
        for entry in yaml.safe_load(path.read_text("utf-8")) or []:
            for template in entry:
                names.update(n for n in _expand(template, tags) if n.startswith(PREFIXES))
    out = Path(__file__).with_name("common_definitions_variables.txt")
    out.write_text("\n".join(sorted(names)) + "\n", encoding="utf-8")
    print(f"{len(names)} variable names written to {out}")


if __name__ == "__main__":
    main()
