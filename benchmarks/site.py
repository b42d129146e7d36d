"""Site benchmark: total size, weight per page and time to first chart in headless Chromium.

    .venv/bin/python benchmarks/site.py [--site DIR] [--runs N]

Reads the site that `make run` built (<out>/site, KINDBELANG_OUT overrides <out>). Page weight is the HTML
plus every local script and stylesheet it references (plotly.min.js counted once per page, as a browser
without cache would load it). Time to first chart is performance.now() when the first Plotly chart has
finished drawing, measured from navigation start, median over N cold loads (new browser context each).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from pathlib import Path

from kindbelang import settings
from kindbelang.dashboard.builder import PAGES

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-extensions"]


def referenced(html: str) -> list[str]:
    return re.findall(r'<script src="([^"]+)"', html) + re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)


def kb(n: int) -> str:
    return f"{n / 1024:,.0f} KiB".replace(",", ".")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=settings.paths().site)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    site = args.site.resolve()
    if not (site / "index.html").exists():
        print(f"no site in {site}: run `make run` first", file=sys.stderr)
        return 1
    files = [p for p in site.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    csvs = [p for p in files if p.suffix == ".csv"]
    print(f"site: {site}")
    print(f"total size: {total / 1e6:.2f} MB in {len(files)} files "
          f"(plotly.min.js {(site / 'assets' / 'plotly.min.js').stat().st_size / 1e6:.2f} MB once; "
          f"{len(csvs)} CSV files, {sum(p.stat().st_size for p in csvs) / 1e6:.2f} MB)")

    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for filename, title in PAGES:
            html = (site / filename).read_text(encoding="utf-8")
            html_bytes = (site / filename).stat().st_size
            weight = html_bytes + sum((site / ref).stat().st_size for ref in referenced(html))
            first, ready, charts = [], [], 0
            for _ in range(args.runs):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.goto((site / filename).as_uri(), wait_until="load")
                page.wait_for_function("window.kbReady === true", timeout=60_000)
                t = page.evaluate("[window.kbFirstChart ?? null, performance.now()]")
                charts = page.locator(".js-plotly-plot").count()
                if t[0] is not None:
                    first.append(t[0])
                ready.append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"))
                context.close()
            rows.append((filename, html_bytes, weight, charts,
                         statistics.median(first) if first else None, statistics.median(ready)))
        browser.close()
    print(f"\n{'page':<22}{'HTML':>11}{'page weight':>14}{'charts':>8}{'first chart':>13}{'load event':>12}")
    for filename, html_bytes, weight, charts, first, load in rows:
        first_text = f"{first:,.0f} ms" if first is not None else "-"
        print(f"{filename:<22}{kb(html_bytes):>11}{kb(weight):>14}{charts:>8}{first_text:>13}{load:>9,.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
