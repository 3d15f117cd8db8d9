"""One adapter per external source: reads a vendored raw file, renames to canonical names."""
