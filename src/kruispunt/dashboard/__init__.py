"""The local web dashboard: build scenarios, run them in the background, explore and compare
stored runs, download results; an HTTP API (OpenAPI) for the same actions.

Start it with ``kruispunt serve`` (extra ``kruispunt[dashboard]``). It listens on 127.0.0.1,
works offline (plotly.js is served from the installed plotly package) and reads stored results
only through :mod:`kruispunt.metrics` and the chart module :mod:`kruispunt.reports.charts`,
the one the HTML report draws with.

Modules
-------
``settings``  :class:`~kruispunt.dashboard.settings.ServeSettings`, what a server starts with.
``command``   the ``kruispunt serve`` command.
``builder``   the scenario builder: form fields from the scenario schema, field-level errors.
``jobs``      background runs in a process pool, with progress.
``worker``    what a worker process does for one run.
``views``     cached stored runs and the data behind each page.
``api``       the HTTP API (``/api/...``, OpenAPI at ``/openapi.json``, docs at ``/api/docs``).
``pages``     the HTML pages (Jinja2 templates in ``templates/``).
``app``       :func:`~kruispunt.dashboard.app.create_app` puts them together.
``live``      the app served in a background thread, for tests and benchmarks.

Only ``api``, ``pages`` and ``app`` import the web framework, and the command line imports
them only when ``serve`` runs, so ``kruispunt`` without the extra still works.
"""
