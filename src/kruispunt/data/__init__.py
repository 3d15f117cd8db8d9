"""The embedded data package (``package/``): CSV tables and ``datapackage.json``."""
