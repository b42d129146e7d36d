"""Site benchmark: total size, weight per page and time to first chart in headless Chromium, against a baseline.

    .venv/bin/python benchmarks/site.py [--site DIR] [--runs N]

Reads the site that `make run` built (<out>/site, KINDBELANG_OUT overrides <out>). In the same run it measures a
baseline: a blank page that loads the FULL plotly.js bundle (plotly.offline.get_plotlyjs(), written to a temporary
folder) and draws one bar chart. Page weight is every local file the page loaded until its charts were drawn (the
HTML, scripts, stylesheet and the map files of the chosen year), as a browser without cache loads them. Time to
first chart is performance.now() when the first Plotly chart has finished drawing, measured from navigation
start; median over N cold loads (a new browser context each), pages and baseline taking turns so that both see
the same machine. Targets (issue 15): every page's first chart at most 0.5 x the baseline, the site at most
15 MB. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

import plotly.offline

from kindbelang import settings
from kindbelang.dashboard.builder import PAGES

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-extensions"]
SITE_TARGET = 15_000_000
RATIO_TARGET = 0.5
BASELINE_HTML = """<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>baseline</title>
<script src="plotly-full.min.js"></script></head>
<body><div id="c"></div>
<script>
Plotly.newPlot("c", [{type: "bar", x: ["a", "b", "c"], y: [1, 3, 2]}], {}, {displayModeBar: false})
  .then(function () { window.kbFirstChart = performance.now(); window.kbReady = true; });
</script></body></html>
"""


def kb(n: int) -> str:
    return f"{n / 1024:,.0f} KiB"


def measure(browser, path: Path) -> dict:
    """One cold load of a local page: time to first chart, load event, charts drawn and bytes loaded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    context.route(re.compile(r"^(https?|wss?|ftp)://"), lambda route: route.abort())
    files: set[Path] = set()
    context.on("request", lambda r: files.add(Path(unquote(urlparse(r.url).path)))
               if r.url.startswith("file://") else None)
    page = context.new_page()
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_function("window.kbReady === true", timeout=60_000)
    first = page.evaluate("window.kbFirstChart ?? null")
    load = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    charts = page.locator(".js-plotly-plot").count()
    context.close()
    return {"first": first, "load": load, "charts": charts,
            "weight": sum(f.stat().st_size for f in files if f.is_file())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=settings.paths().site)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    site = args.site.resolve()
    if not (site / "index.html").exists():
        print(f"no site in {site}: run `make run` first", file=sys.stderr)
        return 1
    files = [p for p in site.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    csvs = [p for p in files if p.suffix == ".csv"]
    bundles = [p for p in (site / "assets").glob("plotly*.js")]
    full = plotly.offline.get_plotlyjs().encode()
    print(f"site: {site}")
    print(f"total size: {total / 1e6:.2f} MB in {len(files)} files ({len(csvs)} CSV files, "
          f"{sum(p.stat().st_size for p in csvs) / 1e6:.2f} MB); target <= {SITE_TARGET / 1e6:.0f} MB: "
          f"{'met' if total <= SITE_TARGET else 'NOT met'}")
    for p in bundles:
        print(f"plotly bundle: {p.name} {p.stat().st_size:,} bytes (full bundle {len(full):,} bytes, "
              f"{p.stat().st_size / len(full):.0%})")
    by_top: dict[str, int] = {}
    for p in files:
        rel = p.relative_to(site).parts
        key = "/".join(rel[:2]) if len(rel) > 2 else (rel[0] if rel[0] != "data" else "data/*.csv")
        by_top[key] = by_top.get(key, 0) + p.stat().st_size
    print("largest parts: " + ", ".join(f"{k} {v / 1e6:.2f} MB" for k, v in
                                        sorted(by_top.items(), key=lambda kv: -kv[1])[:6]))

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        baseline_page = Path(tmp) / "baseline.html"
        (Path(tmp) / "plotly-full.min.js").write_bytes(full)
        baseline_page.write_text(BASELINE_HTML, encoding="utf-8")
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        targets = [("baseline", baseline_page)] + [(f, site / f) for f, _t in PAGES]
        results: dict[str, list[dict]] = {name: [] for name, _p in targets}
        for _ in range(args.runs):
            for name, path in targets:
                results[name].append(measure(browser, path))
        browser.close()

    def median(name: str, key: str) -> float | None:
        values = [r[key] for r in results[name] if r[key] is not None]
        return statistics.median(values) if values else None

    base = median("baseline", "first")
    print(f"\nbaseline (blank page, full plotly.js {len(full) / 1e6:.2f} MB, one bar chart): first chart "
          f"{base:,.0f} ms, weight {kb(median('baseline', 'weight'))}; median of {args.runs} cold loads")
    print(f"\n{'page':<22}{'first chart':>12}{'baseline':>10}{'ratio':>7}{'target':>8}{'page weight':>13}"
          f"{'charts':>8}{'load event':>12}")
    for name, _path in targets[1:]:
        first = median(name, "first")
        ratio = first / base if first is not None else None
        verdict = "-" if ratio is None else ("met" if ratio <= RATIO_TARGET else "NOT met")
        first_text = f"{first:,.0f} ms" if first is not None else "-"
        ratio_text = f"{ratio:.2f}" if ratio is not None else "-"
        load_text = f"{median(name, 'load'):,.0f} ms"
        print(f"{name:<22}{first_text:>12}{base:>7,.0f} ms{ratio_text:>7}{verdict:>8}{kb(median(name, 'weight')):>13}"
              f"{results[name][0]['charts']:>8}{load_text:>12}")
    print(f"\nwhole site: {total / 1e6:.2f} MB (target <= {SITE_TARGET / 1e6:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
