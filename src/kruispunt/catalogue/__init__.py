"""Read-only access to the versioned data package: load, canonical units, named checks."""

from kruispunt.catalogue.load import Catalogue, default_package_path, load_catalogue

__all__ = ["Catalogue", "default_package_path", "load_catalogue"]
