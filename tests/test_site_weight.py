"""Issue 15, "fast and light": the site ships a partial plotly.js bundle that matches the Python plotly package and
covers every trace type it draws, the map loads its boundaries and values per year from file://, and the site
stays small. Built by the session fixture `pipeline_run` (tests/conftest.py), driven in Debian's Chromium like
tests/test_site.py."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import plotly.offline
import pytest

from kindbelang.dashboard.builder import DASHBOARDS_DIR, PAGES
from kindbelang.dashboard.formatting import read_sourced_csv

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-default-apps", "--disable-extensions", "--disable-domain-reliability"]
BUNDLE = "plotly-kindbelang.min.js"
HEADER = re.compile(r"^/\*! plotly\.js (?P<version>\S+) partial bundle for kindbelang; traces: (?P<traces>[a-z0-9,]+); "
                    r"sha256 of the rest of this file: (?P<sha256>[0-9a-f]{64});[^\n]*\*/\n")
SITE_LIMIT = 15_000_000
KAART_HTML_LIMIT = 512 * 1024
PAGE_WEIGHT_LIMIT = 4_000_000  # everything one page loads from disk until its charts are drawn


def observe(site: Path) -> dict:
    """Open the pages in Chromium from file://, blocking the network, and report what they loaded and drew; on
    the map also what choosing another year loads. Runs in its own process (see `browser_report`)."""
    from playwright.sync_api import sync_playwright

    report: dict = {"pages": {}}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        for filename, _title in PAGES:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
            requests: list[str] = []
            errors: list[str] = []
            context.on("request", lambda r: requests.append(r.url))
            context.route(re.compile(r"^(https?|wss?|ftp)://"), lambda route: route.abort())
            page = context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto((site / filename).as_uri(), wait_until="load")
            page.wait_for_function("window.kbReady === true", timeout=30_000)
            seen = {"requests": list(requests), "charts": page.locator(".js-plotly-plot").count(),
                    "registered": page.evaluate("window.Plotly ? Object.keys(Plotly.PlotSchema.get().traces) : []"),
                    "drawn": page.evaluate("Array.from(document.querySelectorAll('.js-plotly-plot'))"
                                           ".flatMap(gd => gd._fullData.map(t => t.type))")}
            if filename == "kaart.html":
                series = json.loads(page.locator("#kaart-data").text_content())["series"]
                default = next(s for s in series if s["key"] == page.locator("#kaart-periode").input_value())
                other = next(s for s in series
                             if s["indicator"] == default["indicator"] and s["data"] != default["data"])
                seen["map"] = {"default": default, "other": other,
                               "areas": page.evaluate("document.querySelectorAll('#kaart .choroplethlocation').length"),
                               "requests": list(requests)}
                page.locator("#kaart-periode").select_option(other["key"])
                page.wait_for_function(
                    f"document.getElementById('kaart-csv').getAttribute('download') === '{other['csv']}'")
                seen["map"].update({
                    "areas_other": page.evaluate("document.querySelectorAll('#kaart .choroplethlocation').length"),
                    "locations_other": page.evaluate("Array.from(document.getElementById('kaart').data[0].locations)"),
                    "requests_other": list(requests)})
            seen["errors"] = list(errors)
            report["pages"][filename] = seen
            context.close()
        browser.close()
    return report


@pytest.fixture(scope="module")
def browser_report(site_dir) -> dict:
    """What Chromium saw, from a separate process: tests/test_site.py keeps its Playwright session open, and a
    second synchronous Playwright cannot run beside it in this one."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure_chromium.sh first", pytrace=False)
    done = subprocess.run([sys.executable, __file__, str(site_dir)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def local_files(requests: list[str]) -> list[Path]:
    return [Path(unquote(urlparse(u).path)) for u in requests if u.startswith("file://")]


def non_file(requests: list[str]) -> list[str]:
    return [u for u in requests if not u.startswith(("file://", "data:", "blob:"))]


def bundle_header(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    match = HEADER.match(text)
    assert match, f"{path} does not start with the header scripts/plotly_bundle/build.mjs writes"
    return {"version": match["version"], "traces": match["traces"].split(","), "sha256": match["sha256"],
            "body": text[match.end():]}


def figure_trace_types(site: Path) -> set[str]:
    """The trace types of every figure the pipeline embeds in the pages."""
    types = set()
    for filename, _title in PAGES:
        html = (site / filename).read_text(encoding="utf-8")
        for body in re.findall(r'<script type="application/json" id="[^"]+">(.*?)</script>', html, re.S):
            data = json.loads(body)
            if isinstance(data, dict) and isinstance(data.get("data"), list) and "layout" in data:
                types |= {trace.get("type", "scatter") for trace in data["data"]}
    return types


def test_bundle_is_the_python_plotly_version_and_intact(site_dir):
    vendored = DASHBOARDS_DIR / "static" / BUNDLE
    header = bundle_header(vendored)
    assert header["version"] == plotly.offline.get_plotlyjs_version(), (
        "the vendored plotly.js bundle and the Python plotly package differ: rebuild it with "
        "scripts/plotly_bundle (pin plotly.js in package.json to plotly.offline.get_plotlyjs_version())")
    assert hashlib.sha256(header["body"].encode("utf-8")).hexdigest() == header["sha256"], "bundle was edited"
    assert (site_dir / "assets" / BUNDLE).read_bytes() == vendored.read_bytes()
    package = json.loads((DASHBOARDS_DIR.parent / "scripts" / "plotly_bundle" / "package.json").read_text())
    assert package["devDependencies"]["plotly.js"] == header["version"]


def test_bundle_covers_every_trace_type_the_site_draws(browser_report, site_dir):
    listed = set(bundle_header(site_dir / "assets" / BUNDLE)["traces"])
    static = figure_trace_types(site_dir)
    assert static and static <= listed, f"figures use trace types the bundle lacks: {static - listed}"
    drawn = set()
    for filename, seen in browser_report["pages"].items():
        if seen["charts"]:
            assert set(seen["registered"]) == listed, "the header's trace list is not what the bundle registers"
        drawn |= set(seen["drawn"])
    assert {"bar", "scatter", "choropleth"} <= drawn
    assert drawn <= listed, f"charts drawn with trace types the bundle lacks: {drawn - listed}"


def test_no_page_loads_the_full_plotly_bundle(site_dir):
    full = len(plotly.offline.get_plotlyjs().encode())
    assert not list(site_dir.rglob("plotly.min.js"))
    assert (site_dir / "assets" / BUNDLE).stat().st_size < 0.4 * full
    for filename, _title in PAGES:
        html = (site_dir / filename).read_text(encoding="utf-8")
        assert "plotly.min.js" not in html and "cdn.plot.ly" not in html, filename
        assert re.findall(r'<script src="([^"]*plotly[^"]*)"', html) in ([], [f"assets/{BUNDLE}"]), filename


def test_site_size(site_dir):
    """The whole site, every file (pages, scripts, map files, CSV files, the data of the CSVs made in the
    browser), is at most 15 MB: a CSV gives each caveat once instead of on every row (formatting.sourced_csv_rows),
    and the CSVs of the map and of the tables of the monitor are made in the browser from the compact files the
    site already has."""
    sizes: dict[str, int] = {}
    for p in site_dir.rglob("*"):
        if p.is_file():
            parts = p.relative_to(site_dir).parts
            key = "/".join(parts[:2]) if len(parts) > 2 else parts[0]
            sizes[key] = sizes.get(key, 0) + p.stat().st_size
    total = sum(sizes.values())
    largest = ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sorted(sizes.items(), key=lambda kv: -kv[1])[:6])
    assert total <= SITE_LIMIT, f"the site is {total / 1e6:.1f} MB (limit {SITE_LIMIT / 1e6:.0f} MB); " \
                                f"largest: {largest}"


def test_no_csv_repeats_a_caveat_on_every_row(site_dir):
    """A caveat is written once per CSV file (in the legend below the data), never per row; the map and the
    tables of the monitor have no CSV files of their own, only the compact data their CSVs are made from."""
    csvs = [p for p in site_dir.rglob("*.csv") if p.name != "gegevenswoordenboek.csv"]
    assert len(csvs) > 50
    for path in csvs:
        text = path.read_text(encoding="utf-8-sig")
        header, rows, caveats = read_sourced_csv(text)
        assert header[-2:] == ["bron", "kanttekening"], path.name
        assert all(re.fullmatch(r"(K\d+)?", r[-1]) and r[-1] in ("", *caveats) for r in rows), path.name
        assert not set(caveats.values()) & {c for r in rows for c in r}, f"{path.name}: a caveat in a data row"
    assert not (site_dir / "data" / "kaart").exists()
    assert not list((site_dir / "data").glob("tabel-*.csv"))
    html = (site_dir / "themas.html").read_text(encoding="utf-8")
    names = re.findall(r'<button type="button" data-tabel="([^"]+)"', html)
    assert names and all((site_dir / "assets" / "tabellen" / f"{n}.js").is_file() for n in names)


def test_kaart_html_holds_no_map_values_or_boundaries(site_dir):
    html = (site_dir / "kaart.html").read_text(encoding="utf-8")
    assert len(html.encode()) <= KAART_HTML_LIMIT
    assert '"FeatureCollection"' not in html
    series = json.loads(re.search(r'id="kaart-data">(.*?)</script>', html, re.S)[1])["series"]
    assert series and all("values" not in s and "codes" not in s for s in series)


def map_file(site: Path, name: str) -> dict:
    text = (site / "assets" / "kaart" / f"{name}.js").read_text(encoding="utf-8")
    match = re.fullmatch(r'window\.kbKaart\("([^"]+)",(.*)\);\n', text, re.S)
    assert match and match[1] == name, name
    return json.loads(match[2])


def test_every_map_selection_has_its_year_file(site_dir):
    html = (site_dir / "kaart.html").read_text(encoding="utf-8")
    series = json.loads(re.search(r'id="kaart-data">(.*?)</script>', html, re.S)[1])["series"]
    files = {}
    for s in series:
        data = files.setdefault(s["data"], map_file(site_dir, s["data"]))
        own = data["series"][s["key"]]
        region = data["regions"][own["region"]]
        assert len(region["codes"]) == len(region["names"]) == len(own["values"]), s["key"]
        assert set(s["above100"]) <= set(region["codes"])
        # the CSV of a selection is made in the browser from this file: per gemeente its status and source
        assert s["csv"] == f"kaart-{s['key']}.csv"
        for per_row in ("statuses", "labels"):
            assert len(own.get(per_row) or own["values"]) == len(own["values"])
        assert (s["status"] is not None) != ("statuses" in own), s["key"]
        assert s["status"] in (None, "voorlopig", "nader voorlopig", "definitief", "onbekend")
    for geo_year in {s["geoYear"] for s in series}:
        assert map_file(site_dir, f"grenzen-{geo_year}")["type"] == "FeatureCollection"


def test_map_loads_only_the_chosen_year_from_file_url(browser_report, site_dir):
    seen = browser_report["pages"]["kaart.html"]
    m = seen["map"]
    assert seen["errors"] == [] and non_file(seen["requests"]) == []

    def loaded(requests: list[str]) -> list[str]:
        return sorted(p.name for p in local_files(requests) if p.parent.name == "kaart")

    default, other = m["default"], m["other"]
    assert loaded(m["requests"]) == sorted([f"grenzen-{default['geoYear']}.js", f"{default['data']}.js"])
    assert m["areas"] >= 340
    # another year of the same indicator: its file is loaded only then, and the map is drawn from it
    assert f"{other['data']}.js" in loaded(m["requests_other"])
    assert m["areas_other"] >= 340
    year = map_file(site_dir, other["data"])
    own = year["series"][other["key"]]
    codes = year["regions"][own["region"]]["codes"]
    assert m["locations_other"] == [c for c, v in zip(codes, own["values"]) if v is not None]


@pytest.mark.parametrize("filename", [p for p, _t in PAGES])
def test_page_weight_and_no_network(browser_report, filename):
    seen = browser_report["pages"][filename]
    assert non_file(seen["requests"]) == [], f"{filename} requested the network: {non_file(seen['requests'])}"
    assert seen["errors"] == [], seen["errors"]
    weight = sum(p.stat().st_size for p in set(local_files(seen["requests"])) if p.is_file())
    assert weight <= PAGE_WEIGHT_LIMIT, f"{filename} loads {weight / 1e6:.1f} MB"


if __name__ == "__main__":  # the browser half of `browser_report`
    print(json.dumps(observe(Path(sys.argv[1]))))
