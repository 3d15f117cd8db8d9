"""The builder form as a browser submits it, for the dashboard's tests."""

from __future__ import annotations

from fastapi.testclient import TestClient

from kruispunt.dashboard.builder import SavedScenarios, form_values


def browser_form(
    saved: SavedScenarios | TestClient, base: str, name: str = "x", **changes: str | None
) -> dict[str, str]:
    """Every field of the builder filled in with ``base``'s levers, as its page shows them:
    text fields always, checkboxes only when ticked (``"on"``); then ``changes`` (dotted
    keys, e.g. ``**{"subsidies.ccfd_duration": "20"}``; None takes a field out of the form,
    which unticks a checkbox)."""
    if isinstance(saved, TestClient):
        saved = saved.app.state.saved  # type: ignore[attr-defined]
    assert isinstance(saved, SavedScenarios)
    values = form_values(saved.resolve(base).levers.model_dump(mode="json"))
    values.update(name=name, base=base, description="")
    form = {k: v for k, v in values.items() if isinstance(v, str)}
    form.update({k: "on" for k, v in values.items() if v is True})
    for key, value in changes.items():
        if value is None:
            form.pop(key, None)
        else:
            form[key] = value
    return form
