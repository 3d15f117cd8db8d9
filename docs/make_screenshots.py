"""Make the dashboard screenshots of docs/dashboard.md (docs/img/dashboard-*.png).

Runs two default scenarios and a small ensemble of futures into a temporary results store,
serves the dashboard on a free local port, and photographs its main pages in headless
Chromium (Debian's, through Playwright: ``KRUISPUNT_CHROMIUM`` or /usr/bin/chromium; never a
downloaded browser).

    python docs/make_screenshots.py

Needs the extras ``dashboard`` and ``test`` (Playwright). Takes about a minute.
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import Page, sync_playwright

import kruispunt
from kruispunt.catalogue import load_catalogue
from kruispunt.dashboard.app import create_app
from kruispunt.dashboard.settings import ServeSettings
from kruispunt.store import Store
from kruispunt.uncertainty.run import explore, plan
from kruispunt.uncertainty.spec import load_spec

OUT = Path(__file__).resolve().parent / "img"
CHROMIUM = os.environ.get("KRUISPUNT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
WIDTH = 1200


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _drawn(page: Page, n: int) -> None:
    page.wait_for_function(
        "n => document.querySelectorAll('.plot[data-state=drawn]').length >= n", arg=n
    )


def _shoot(page: Page, name: str, selector: str | None = None) -> None:
    path = OUT / f"dashboard-{name}.png"
    if selector is None:
        page.screenshot(path=str(path))
    else:
        page.locator(selector).screenshot(path=str(path))
    print(f"{path.relative_to(OUT.parent.parent)}: {path.stat().st_size / 1024:.0f} kB")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "store")
        cat = load_catalogue()
        base = store.save(kruispunt.run("current-policy", catalogue=cat), name="current")
        high = store.save(kruispunt.run("high-ambition", catalogue=cat), name="ambition")
        futures = plan(load_spec(), n=32, seed=1, batch_size=16, catalogue=cat)
        ensemble = explore(futures, store_root=store.root).ensemble.folder.name
        port = _free_port()
        app = create_app(ServeSettings(store=store.root, workers=1))
        server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = browser.new_page(viewport={"width": WIDTH, "height": 760})
                page.goto(url + "/")
                _shoot(page, "home")

                page.goto(url + "/scenarios/new?base=high-ambition")
                page.fill("#f-name", "more-ccfd")
                page.fill("#f-subsidies-ccfd_duration", "40")
                page.click("button[value=save]")
                page.locator('[data-field="subsidies.ccfd_duration"]').scroll_into_view_if_needed()
                page.evaluate("window.scrollBy(0, -260)")
                _shoot(page, "builder")

                page.goto(f"{url}/runs/{high}")
                _drawn(page, 11)
                _shoot(page, "run")
                _shoot(page, "map", 'div.chart[data-chart="site_map"]')
                _shoot(page, "route-mix", 'div.chart[data-chart="route_mix_emissions"]')

                page.goto(f"{url}/runs/{high}/sites/tata_steel_ijmuiden")
                _drawn(page, 2)
                _shoot(page, "site")
                page.wait_for_selector('#explain[data-available="yes"]')
                _shoot(page, "explain", "#explain")

                page.goto(f"{url}/compare?a={base}&b={high}")
                _drawn(page, 10)
                page.locator(
                    'div.chart[data-chart="emissions_sector"]'
                ).scroll_into_view_if_needed()
                _shoot(page, "compare", 'div.chart[data-chart="emissions_sector"]')

                page.goto(url + "/ensembles")
                _shoot(page, "ensembles", "main")
                page.goto(f"{url}/ensembles/{ensemble}")
                page.wait_for_selector(".plotly .main-svg")
                _shoot(page, "ensemble-report")
                browser.close()
        finally:
            server.should_exit = True
            thread.join(timeout=60)


if __name__ == "__main__":
    main()
