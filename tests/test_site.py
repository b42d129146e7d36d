"""The dashboard site in a real browser: Debian's Chromium (/usr/bin/chromium) driven headless by Playwright.

The site is built by the pipeline run of the session fixture `pipeline_run` (tests/conftest.py). Chromium is
installed by the test set-up (`scripts/ensure_chromium.sh`, called by `make test`); these tests fail with a
clear message when it is absent. One screenshot per page goes to data/out/test-artifacts/screenshots/ (or
$KINDBELANG_TEST_ARTIFACTS/screenshots).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import pytest

from kindbelang.dashboard.builder import PAGES
from kindbelang.dashboard.formatting import (
    CSV_LEGEND_LABEL, CSV_LEGEND_TEXT, csv_cell, display_cell, esc, figure_text, nl_number, period_label,
    read_sourced_csv, script_json, with_unit, write_csv, write_sourced_csv,
)
from kindbelang.settings import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-default-apps", "--disable-extensions", "--disable-domain-reliability"]
PAGE_FILES = [p for p, _t in PAGES]
# Plotly charts each page must at least draw with the snapshot data.
# (The gemeenteprofiel draws no Plotly chart: its sparklines are SVG; tests/test_site_pages.py checks it.)
MIN_CHARTS = {"index.html": 1, "themas.html": 1, "kaart.html": 2}


def artifacts_dir() -> Path:
    root = Path(os.environ.get("KINDBELANG_TEST_ARTIFACTS") or PROJECT_ROOT / "data" / "out" / "test-artifacts")
    path = root / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


# ------------------------------------------------------------------------------------------- unit checks

def test_csv_is_dutch_excel(tmp_path):
    path = tmp_path / "x.csv"
    write_csv(path, ["regio", "waarde"], [["Den Bosch; \"oud\"", 12.5], ["B", None], ["C", 3.0]])
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 byte order mark"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows == [["regio", "waarde"], ["Den Bosch; \"oud\"", "12,5"], ["B", ""], ["C", "3"]]


def test_csv_of_figures_gives_each_caveat_once(tmp_path):
    """A CSV of figures: per row its own `bron` and the key of its caveat; after an empty line the legend with
    each caveat once, so a long caveat does not fill every row, and a row stays traceable after sorting."""
    path = tmp_path / "x.csv"
    long = "Een lange kanttekening; met puntkomma."
    write_sourced_csv(path, ["regio", "waarde", "status"],
                      [["A", 12.5, "voorlopig"], ["B", None, "definitief"], ["C", 3.0, "onbekend"]],
                      ["Bron: CBS, 85098NED", "Bron: CBS, 85098NED", "Bron: Trimbos-instituut, X (2024)"],
                      [long, long, None])
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.count(long) == 1
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[:4] == [["regio", "waarde", "status", "bron", "kanttekening"],
                        ["A", "12,5", "voorlopig", "Bron: CBS, 85098NED", "K1"],
                        ["B", "", "definitief", "Bron: CBS, 85098NED", "K1"],
                        ["C", "3", "onbekend", "Bron: Trimbos-instituut, X (2024)", ""]]
    assert rows[4] == [] and rows[5] == [CSV_LEGEND_LABEL, CSV_LEGEND_TEXT] and rows[6] == ["Kanttekening K1", long]
    header, data, caveats = read_sourced_csv(text)
    assert header == rows[0] and data == rows[1:4] and caveats == {"K1": long}


def test_labels_from_data_are_escaped():
    assert esc("<b>Bergen (NH.)</b> & co") == "&lt;b&gt;Bergen (NH.)&lt;/b&gt; &amp; co"
    assert "</script>" not in script_json({"name": "</script><script>alert(1)</script>"})
    assert nl_number(12345.678, "aantal") == "12.346" and nl_number(9.25, "%") == "9,2"


def test_numbers_print_with_their_unit_and_published_wording():
    # counts never get decimals, whatever follows 'aantal'; the unit is always printed
    assert nl_number(900000.0, "aantal kinderen") == "900.000"
    assert with_unit(900000.0, "aantal kinderen") == "900.000 kinderen"
    assert with_unit(186.4, "x 1 000 kinderen") == "186,4 x 1 000 kinderen"
    assert with_unit(3.25, "per 1 000 inwoners") == "3,2 per 1 000 inwoners"
    assert with_unit(12.3, "%") == "12,3%" and with_unit(None, "%") == "geen cijfer"
    # a publication's own wording is the figure; a wording that is only the number in machine form is not
    assert figure_text(485000.0, "aantal", "bijna 485.000") == "bijna 485.000"
    assert figure_text(49000.0, "aantal kinderen", "bijna 49 duizend") == "bijna 49 duizend kinderen"
    assert figure_text(186.4, "x 1 000 kinderen", "186.4") == "186,4 x 1 000 kinderen"
    assert figure_text(900000.0, "aantal kinderen", "900000") == "900.000 kinderen"
    assert period_label("2016HJ02") == "2016 2e halfjaar" and period_label("2011-12-31") == "31-12-2011"
    # nothing the reader sees says None, nan or True
    assert display_cell(None) == display_cell(float("nan")) == "–"
    assert display_cell(True) == csv_cell(True) == "ja" and display_cell([3, 6]) == "3, 6"


# ------------------------------------------------------------------------------------------- the site

@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium first (scripts/ensure_chromium.sh, which "
                    "`make test` runs; as root: apt-get install chromium)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Visit:
    """A page opened from file:// with its console errors and every request it made."""

    def __init__(self, browser, site: Path, filename: str):
        self.context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900},
                                           locale="nl-NL")
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        # Anything that is not a local file is refused (and reported by the test).
        self.context.route(re.compile(r"^(https?|wss?|ftp)://"), lambda route: route.abort())
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto((site / filename).as_uri(), wait_until="load")
        self.page.wait_for_function("window.kbReady === true", timeout=30_000)

    def non_file_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(("file://", "data:", "blob:"))]

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, site_dir):
    opened = []

    def open_page(filename: str) -> Visit:
        v = Visit(browser, site_dir, filename)
        opened.append(v)
        return v

    yield open_page
    for v in opened:
        v.close()


def test_plotly_js_written_once(site_dir):
    scripts = sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.js"))
    assert "assets/plotly-kindbelang.min.js" in scripts
    plotly_bundles = [s for s in scripts if "plotly" in s]
    assert plotly_bundles == ["assets/plotly-kindbelang.min.js"]
    for filename in PAGE_FILES:
        text = (site_dir / filename).read_text(encoding="utf-8")
        if 'class="chart' in text:
            assert '<script src="assets/plotly-kindbelang.min.js"></script>' in text, filename
        assert "cdn.plot.ly" not in text and "https://" not in re.sub(r'<a href="https://[^"]*"', "", text)


@pytest.mark.parametrize("filename", PAGE_FILES)
def test_page_loads_offline_and_renders(visit, site_dir, filename):
    v = visit(filename)
    page = v.page
    assert v.errors == [], f"console errors on {filename}: {v.errors}"
    assert v.non_file_requests() == [], f"{filename} requested the network: {v.non_file_requests()}"
    assert page.evaluate("document.documentElement.lang") == "nl"
    charts = page.locator(".chart").count()
    plots = page.locator(".js-plotly-plot").count()
    assert plots == charts, f"{filename}: {plots} of {charts} charts rendered"
    assert plots >= MIN_CHARTS.get(filename, 0)
    for i in range(plots):
        chart = page.locator(".js-plotly-plot").nth(i)
        assert chart.locator(".main-svg").count() >= 1
        chart_id = chart.get_attribute("id")
        # every chart: a text alternative and a data table with a CSV file beside it
        assert page.locator(f"#{chart_id}").get_attribute("aria-describedby")
        block = page.locator(".chart-block", has=page.locator(f"#{chart_id}"))
        assert block.locator("table tbody tr").count() > 0
        link = block.locator("a[download]").first
        href = link.get_attribute("href")
        if href.startswith("blob:"):  # the map: its CSV is made in the browser from the data it draws
            assert link.get_attribute("download").endswith(".csv")
        else:
            assert (site_dir / href).exists(), href
    # keyboard: the first Tab reaches the skip link, which moves focus to the content
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Naar de inhoud"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhoud"
    page.screenshot(path=str(artifacts_dir() / f"{filename.removesuffix('.html')}.png"), full_page=True)


def test_map_draws_real_boundaries(visit):
    page = visit("kaart.html").page
    drawn = page.evaluate("document.querySelectorAll('#kaart .choroplethlocation').length")
    assert drawn >= 340, f"only {drawn} gemeenten drawn"
    attribution = page.locator(".attribution").first.inner_text()
    assert "Kaartgrenzen: CBS en Kadaster (PDOK)" in attribution and re.search(r"\b20\d\d\b", attribution)


def chart_traces(page, div_id: str) -> list[dict]:
    return page.evaluate(f"""Array.from(document.getElementById('{div_id}').data).map(t => ({{
        name: t.name, x: Array.from(t.x || []), y: Array.from(t.y || []), meta: t.meta || null,
        locations: Array.from(t.locations || []), z: Array.from(t.z || [])}}))""")


def read_download(page, link_selector: str) -> list[list[str]]:
    """Every line of the CSV a link or button downloads."""
    with page.expect_download() as info:
        page.locator(link_selector).click()
    path = info.value.path()
    raw = Path(path).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV without UTF-8 byte order mark"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def sourced_table(lines: list[list[str]]) -> tuple[list[str], list[dict], dict[str, str]]:
    """A CSV of figures (formatting.sourced_csv_rows): its header, its data rows as dicts with the caveat's text
    in `kanttekening` (not its key), and the caveats {key: text} of its legend. Checks the layout on the way."""
    assert [] in lines, "no empty line between the data and the legend"
    end = lines.index([])
    header, data, legend = lines[0], lines[1:end], lines[end + 1:]
    assert header[-2:] == ["bron", "kanttekening"], header
    assert legend[0] == [CSV_LEGEND_LABEL, CSV_LEGEND_TEXT]
    caveats = {}
    for row in legend[1:]:
        assert len(row) == 2 and re.fullmatch(r"Kanttekening K\d+", row[0]), row
        caveats[row[0].removeprefix("Kanttekening ")] = row[1]
    assert len(set(caveats.values())) == len(caveats), "a caveat twice in the legend"
    rows, used = [], set()
    for row in data:
        assert len(row) == len(header), row
        r = dict(zip(header, row))
        assert r["kanttekening"] == "" or r["kanttekening"] in caveats, r
        used.add(r["kanttekening"])
        r["kanttekening"] = caveats.get(r["kanttekening"], "")
        rows.append(r)
    assert set(caveats) <= used, "a caveat in the legend that no row refers to"
    return header, rows, caveats


def read_sourced_download(page, link_selector: str) -> tuple[list[str], list[dict], dict[str, str]]:
    return sourced_table(read_download(page, link_selector))


def read_sourced_file(path: Path) -> tuple[list[str], list[dict], dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), f"{path} without UTF-8 byte order mark"
    return sourced_table(list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";")))


def dutch(text: str) -> float | None:
    return float(text.replace(",", ".")) if text else None


def test_map_csv_matches_map(visit):
    page = visit("kaart.html").page
    # choose another period with the selector, then download what the map shows
    periods = page.locator("#kaart-periode option")
    assert periods.count() >= 1
    page.locator("#kaart-periode").select_option(index=0)
    key = page.locator("#kaart-periode").input_value()
    page.wait_for_function(f"document.getElementById('kaart-csv').getAttribute('download') === 'kaart-{key}.csv'")
    traces = chart_traces(page, "kaart")
    shown = dict(zip(traces[0]["locations"], traces[0]["z"]))
    series = next(s for s in json.loads(page.locator("#kaart-data").text_content())["series"] if s["key"] == key)
    caveat = json.loads(page.locator("#kaart-data").text_content())["indicators"][series["indicator"]]["caveat"]
    header, rows, _caveats = read_sourced_download(page, "#kaart-csv")
    assert header == ["gemeente", "code", "waarde", "eenheid", "periode", "boven_100_gepubliceerd", "status", "bron",
                      "kanttekening"]
    from_csv = {r["code"]: dutch(r["waarde"]) for r in rows if r["waarde"]}
    assert from_csv.keys() == shown.keys()
    assert all(abs(from_csv[c] - shown[c]) < 1e-9 for c in shown)
    # every gemeente of the map, with its status, source and the indicator's caveat
    assert len(rows) == page.locator("#kaart-tabel tbody tr").count()
    assert all(r["status"] == series["status"] and r["bron"] == series["source"] and r["kanttekening"] == caveat
               and r["periode"] == series["periodLabel"] for r in rows)


def test_static_chart_csv_matches_figure(visit):
    page = visit("index.html").page
    chart_id = page.locator(".js-plotly-plot").first.get_attribute("id")
    traces = chart_traces(page, chart_id)
    header, rows, _caveats = read_sourced_download(page, f"a[data-csv-for='{chart_id}']")
    assert header[:3] == ["indicator", "periode", "waarde"]
    for trace in traces:
        title = trace["name"].replace("&amp;", "&")
        mine = [r for r in rows if esc(r["indicator"]) == trace["name"]]
        assert [r["periode"] for r in mine] == trace["x"], title
        assert [dutch(r["waarde"]) for r in mine] == pytest.approx(trace["y"], nan_ok=True)


# ------------------------------------------------------------------------------ marts used by the pages

@pytest.fixture(scope="session")
def published(pipeline_run):
    """The published copy the site is built from."""
    import duckdb

    out, _result = pipeline_run
    con = duckdb.connect(str(out / "published" / "kindbelang.duckdb"), read_only=True)
    yield con
    con.close()


def table_cells(page, table_id: str) -> list[list[str]]:
    return page.evaluate(f"""Array.from(document.querySelectorAll('#{table_id} tbody tr')).map(
        tr => Array.from(tr.children).map(c => c.textContent.trim()))""")


def test_overview_signals_from_monitor(visit, published):
    page = visit("index.html").page
    rule = page.locator("#signaalregel").inner_text()
    # the rule of sql/marts/monitor.sql, in Dutch
    assert "ongunstige richting" in rule and "5% van de vorige waarde" in rule and "0,5 procentpunt" in rule
    assert "onder 20" in rule and "10.000 inwoners" in rule
    nl = published.execute("SELECT count(*), count(*) FILTER (WHERE signal) FROM marts.monitor "
                           "WHERE region_level = 'land' AND previous_value IS NOT NULL").fetchall()[0]
    shown = table_cells(page, "signalen-nederland")
    assert len(shown) == nl[0] > 0
    assert sum(r[7] == "ja" for r in shown) == nl[1]
    expected = {(t, pt): n for t, pt, n in published.execute(
        "SELECT title, period_type, count(*) FILTER (WHERE signal AND NOT small_number) FROM marts.monitor "
        "WHERE region_level = 'gemeente' GROUP BY ALL").fetchall()}
    counts = {(r[0], r[1]): int(r[3].replace(".", "")) for r in table_cells(page, "signalen-gemeenten")}
    assert counts == expected and sum(counts.values()) > 0
    # the old detection of a table named like "signal" is gone
    assert page.locator("text=Signalen uit marts.").count() == 0


def test_themas_linkage_and_association(visit, published):
    page = visit("themas.html").page
    linkage = published.execute("SELECT ouderdomein, ratio_source, published_wording, source_url, caveat "
                                "FROM marts.linkage_national").fetchall()
    assert linkage
    for dom, ratio_source, wording, url, caveat in linkage:
        section = page.locator(f"#ouderdomein-{dom}")
        assert section.count() == 1, dom
        text = section.inner_text()
        if ratio_source == "gepubliceerd":
            # the published wording stands in the same table row as the number
            row = section.locator("tbody tr", has_text=wording).first
            assert row.count() == 1, wording
        assert caveat in text, caveat
        link = section.locator(f"a[href='{url}']").first
        assert link.inner_text() == "bron"
        assert section.locator(".js-plotly-plot").count() >= 1
    assoc = published.execute(
        "SELECT i.ouderdomein, a.pearson_r, a.ci95_lower, a.ci95_upper FROM marts.association AS a "
        "JOIN marts.indicators AS i ON i.indicator_id = a.parental_indicator_id "
        "QUALIFY a.year = max(a.year) OVER (PARTITION BY a.parental_indicator_id, a.youth_care_indicator_id)"
    ).fetchall()
    assert assoc
    for dom, r, lo, hi in assoc:
        cells = table_cells(page, f"samenhang-{dom}-tabel")
        assert [nl_number(r, "r"), nl_number(lo, "r"), nl_number(hi, "r")] in [c[4:7] for c in cells]
        assert "Samenhang tussen gebieden, geen effect op kinderen (ecologische associatie)" in \
            page.locator(f"#ouderdomein-{dom}").inner_text()


def test_verantwoording_data_dictionary(visit, published, site_dir):
    page = visit("verantwoording.html").page
    assert page.locator("#gegevenswoordenboek").inner_text() == "Gegevenswoordenboek"
    columns = published.execute("SELECT table_name, column_name, comment FROM duckdb_columns() "
                                "WHERE schema_name = 'marts'").fetchall()
    tables = {t for t, _c, _m in columns}
    assert {"monitor", "linkage_national", "association", "youth_care_expected"} <= tables
    for table in tables:
        cells = {r[0]: r[2] for r in table_cells(page, f"wb-tabel-{table}")}
        for t, column, comment in columns:
            if t == table:
                assert cells.get(column) == (comment or "geen toelichting"), f"{table}.{column}"
    report = site_dir.parent / "quality" / "latest" / "index.html"
    if report.exists():
        href = page.locator("#kwaliteitsrapport").get_attribute("href")
        # The browser resolves the link textually from <out>/site (a symlink into the current release).
        assert Path(os.path.normpath(site_dir / href)) == Path(os.path.normpath(report))


def test_footer_cites_cbs_tables_and_publications_separately(visit, published):
    """The footer lists the CBS tables, and apart from them every publication a figure on the site comes from,
    under its own organisation and title: never a publication as 'Bron: CBS', never a raw publication key."""
    publications = published.execute(
        "SELECT DISTINCT p.source_id, p.organisation, p.publication_title FROM raw.publications AS p "
        "WHERE p.source_id IN (SELECT source_table FROM marts.indicator_values WHERE source_kind = 'publicatie' "
        "UNION SELECT source FROM marts.linkage_national)").fetchall()
    assert {org for _i, org, _t in publications} >= {"CBS", "Trimbos-instituut",
                                                     "Raad voor Volksgezondheid & Samenleving (RVS)"}
    for filename in ("index.html", "verantwoording.html"):
        page = visit(filename).page
        footer = page.locator("footer").inner_text()
        assert "Bron:" not in footer
        cbs = page.locator("footer .bron-cbs").inner_text()
        ids = re.findall(r"[\w-]+", cbs.split("tabellen", 1)[1])
        assert ids and all(re.fullmatch(r"\d+[A-Z]*NED", i) for i in ids), cbs
        cited = page.locator("footer .publicaties").inner_text()
        assert cited.startswith("Publicaties: ")
        groups = {g.split(": ", 1)[0]: g.split(": ", 1)[1]
                  for g in page.locator("footer .publicaties-organisatie").all_inner_texts()}
        for source_id, organisation, title in publications:
            assert title in groups[organisation], (organisation, title)
            assert source_id not in cited


def test_funnel_flags_exactly_what_the_mart_flags(site_dir, published):
    (flagged,) = published.execute(
        "SELECT count(*) FILTER (outside_998) FROM marts.youth_care_expected "
        "WHERE care_form = 'jeugdhulp' AND expected > 0 "
        "AND period = (SELECT max(period) FROM marts.youth_care_expected WHERE expected > 0)").fetchall()[0]
    page = (site_dir / "kaart.html").read_text(encoding="utf-8")
    assert f"gemeenten, {flagged} buiten de 99,8%-grenzen" in page
    assert "geen effect op kinderen" in page


def test_household_funnel_flags_exactly_what_the_mart_flags(site_dir, published):
    """The relaties-en-scheiding funnel: its CSV is the mart's latest period, each gemeente's 'hoger/lager' is
    the mart's, and a gemeente is flagged exactly when it lies outside the drawn 99.8% limits."""
    import math

    mart = {code: (n, share, label, p0) for code, n, share, label, p0 in published.execute(
        "SELECT region_code, youth_with_youth_care, one_parent_share, compared_with_national, national_share "
        "FROM marts.household_position WHERE region_level = 'gemeente' AND one_parent_share IS NOT NULL "
        "QUALIFY period_key = max(period_key) OVER ()").fetchall()}
    _header, rows, _caveats = read_sourced_file(site_dir / "data" / "huishoudenspositie.csv")
    assert {r["code"] for r in rows} == set(mart)
    for r in rows:
        n, share, label, p0 = mart[r["code"]]
        assert r["vergeleken met landelijk"] == label
        limit = 3.09 * math.sqrt(p0 / 100 * (1 - p0 / 100) / n) * 100
        assert (abs(share - p0) > limit) == (label != "niet te onderscheiden van landelijk"), r["gemeente"]
    page = (site_dir / "themas.html").read_text(encoding="utf-8")
    # The drawn limits are the rows of marts.household_position_funnel, not a recomputation.
    figure = json.loads(re.search(r'id="huishoudenspositie-data">(.*?)</script>', page, re.S)[1])
    drawn = {(t["name"], tuple(t["x"]), tuple(t["y"])) for t in figure["data"] if t.get("mode") == "lines"}
    limits = published.execute(
        "SELECT confidence || '-grens', list(youth_with_youth_care ORDER BY step), list(limit_high ORDER BY step), "
        "list(limit_low ORDER BY step) FROM marts.household_position_funnel "
        "WHERE period_key = (SELECT max(period_key) FROM marts.household_position) GROUP BY confidence").fetchall()
    assert len(limits) == 2
    assert drawn == {(name, tuple(x), tuple(y)) for name, x, high, low in limits for y in (high, low)}
    higher = sum(1 for v in mart.values() if v[2] == "hoger dan landelijk")
    assert f"{higher} gemeenten liggen boven" in page
    assert "geen effect van een scheiding op kinderen" in page


def test_big_tables_offer_their_latest_year_as_csv(visit, published):
    (total, latest) = published.execute("SELECT count(*), max(year) FROM marts.household_position").fetchone()
    (in_latest,) = published.execute(
        "SELECT count(*) FROM marts.household_position WHERE year = ?", [latest]).fetchone()
    assert total > 30_000
    page = visit("themas.html").page
    button = page.locator("button[data-tabel='household_position']")
    assert button.inner_text() == f"Download de {in_latest} rijen van {latest} als CSV"
    _header, rows, _caveats = read_sourced_download(page, "button[data-tabel='household_position']")
    assert len(rows) == in_latest and {r["year"] for r in rows} == {str(latest)}
    assert "published/parquet/household_position.parquet" in page.content()


def same_cell(text: str, value) -> bool:
    """A CSV cell is the mart's value: empty for no value (never 0), ja/nee, every digit of a number."""
    import math

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return text == ""
    if isinstance(value, bool):
        return text == ("ja" if value else "nee")
    if isinstance(value, int):
        return text == str(value)
    if isinstance(value, float):
        return text != "" and float(text.replace(",", ".")) == value
    return text == (value if isinstance(value, str) else csv_cell(value))


def test_monitor_tables_download_every_row_with_its_source_status_and_caveat(visit, published):
    """The tables of the monitor on Per thema (no CSV file on the site: the browser makes it from
    assets/tabellen/<name>.js): every row of the mart (of its latest year where the table is big), every value
    exactly as in the mart, per row its own `bron` and a status, the caveat of each row once in the legend."""
    import polars as pl

    from kindbelang.dashboard.builder import MAX_CSV_ROWS
    from kindbelang.dashboard.data import Data

    data = Data(published)
    v = visit("themas.html")
    page = v.page
    names = page.locator("button[data-tabel]").evaluate_all("bs => bs.map(b => b.dataset.tabel)")
    assert sorted(names) == data.extra_marts() and len(names) >= 9
    for name in names:
        frame = data.table_frame("marts", name)
        if frame.height > MAX_CSV_ROWS and "year" in frame.columns:
            frame = frame.filter(pl.col("year") == frame["year"].max())
        header, rows, caveats = read_sourced_download(page, f"button[data-tabel='{name}']")
        assert set(frame.columns) - set(header) <= {"caveat", "source_label"}, name
        assert {"status", "release_status"} & set(header), name
        mart = list(frame.iter_rows(named=True))
        assert len(rows) == len(mart), name
        for r, m in zip(rows, mart):
            source = data.row_source(m)  # None only for a row that is no figure (marts.release_comparison)
            assert r["bron"] == (source.label if source else ""), (name, r)
            assert source is None or r["bron"].startswith("Bron: "), (name, r)
            assert r["kanttekening"] == (data.row_caveat(m) or ""), name
            if "caveat" in m and "caveat" not in header:
                assert m["caveat"] == data.row_caveat(m)
            if "source_label" not in header and "source_label" in m:
                assert m["source_label"] == r["bron"]
            for column in frame.columns:
                if column in header:
                    assert same_cell(r[column], m[column]), (name, column, r[column], m[column])
    assert v.errors == [] and v.non_file_requests() == []


CONTRAST_JS = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
                                      .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const worst = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.js-plotly-plot, svg, script, style')) continue;
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(el);
    if (!own || style.visibility === 'hidden' || style.display === 'none' || el.getClientRects().length === 0) continue;
    const fg = lum(rgb(style.color).slice(0, 3)), bg = lum(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && +style.fontWeight >= 700);
    if (ratio < (large ? 3 : 4.5)) worst.push(el.tagName + '.' + el.className + ': ' + ratio.toFixed(2) + ' "' +
                                               el.textContent.trim().slice(0, 40) + '"');
  }
  return worst;
}"""


@pytest.mark.parametrize("filename", PAGE_FILES)
def test_text_contrast_meets_wcag_aa(visit, filename):
    """WCAG 2.1 AA 1.4.3, measured in the browser: every visible text outside the charts has a contrast ratio
    of at least 4.5:1 (3:1 for large text) against the background it is drawn on."""
    page = visit(filename).page
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert page.evaluate(CONTRAST_JS) == []


# ------------------------------------------------------------------------ sources, caveats and exact figures

# Every 'Bron:' line on a page is an element of class `bron` that says which figures it stands for: data-indicators
# (marts.indicators ids), data-publications (raw.publications ids) or data-tables (CBS table ids).
SOURCE_LINES_JS = """() => Array.from(document.querySelectorAll('main .bron'))
  .filter(e => e.getClientRects().length > 0)
  .map(e => ({text: e.innerText.trim(), indicators: e.dataset.indicators || '',
              publications: e.dataset.publications || '', tables: e.dataset.tables || ''}))"""
RAW_TEXT = re.compile(r"\b(None|nan|NaN|null|undefined|True|False)\b")
RAW_KEYS = ("gap_note", "status_note", "rvs_recommendation", "Alle cijfers: Bron: CBS")


@pytest.fixture(scope="session")
def sources_in_marts(published) -> dict:
    """What the marts say about where figures come from: per indicator its source labels (of its figures and
    of the indicator as a whole), per publication its organisation and title, and the caveats."""
    labels = {}
    for ind, label in published.execute(
            "SELECT DISTINCT indicator_id, source_label FROM marts.indicator_values WHERE source_label IS NOT NULL "
            "UNION SELECT indicator_id, source_label FROM marts.indicators WHERE source_label IS NOT NULL").fetchall():
        labels.setdefault(ind, set()).add(label.removeprefix("Bron: "))
    publications = {i: (org, title) for i, org, title in published.execute(
        "SELECT DISTINCT source_id, organisation, publication_title FROM raw.publications").fetchall()}
    caveats = dict(published.execute("SELECT indicator_id, caveat FROM marts.indicators").fetchall())
    return {"labels": labels, "publications": publications, "caveats": caveats}


def check_source_line(line: dict, marts: dict) -> set[str]:
    """A 'Bron:' line names the source of each figure it stands for as the marts have it (organisation and table
    or publication), and begins with the right organisation: 'Bron: CBS' only for CBS figures. Returns the
    indicators it stands for."""
    text = line["text"]
    assert text.startswith("Bron: "), text
    indicators, publications, tables = (set(line[k].split()) for k in ("indicators", "publications", "tables"))
    assert indicators or publications or tables, f"a 'Bron:' line that does not say for which figure: {text}"
    parts = []
    for ind in indicators:
        assert ind in marts["labels"], f"{text}: {ind} has no source in the marts"
        matched = [label for label in marts["labels"][ind] if label in text]
        assert matched, f"{text} is not a source of {ind}"
        parts += matched
    for pub in publications:
        org, title = marts["publications"][pub]
        assert f"{org}, {title}" in text, text
        parts.append(f"{org}, {title}")
    for table in tables:
        assert re.fullmatch(r"\d+[A-Z]*NED", table), table
        assert f"CBS, {table}" in text, text
        parts.append(f"CBS, {table}")
    assert any(text.removeprefix("Bron: ").startswith(p) for p in parts), f"{text}: another organisation first"
    return indicators


@pytest.mark.parametrize("filename", PAGE_FILES)
def test_every_source_line_is_the_figures_own_and_its_caveat_is_shown(visit, sources_in_marts, filename):
    """On every page: each 'Bron:' line next to a figure is that figure's source in the marts (a Trimbos figure
    says Trimbos-instituut, an RVS figure the RVS, never 'Bron: CBS'); there is no 'Bron:' line outside them;
    the caveat of every indicator shown stands on the page; no raw value or registry key reaches the reader."""
    page = visit(filename).page
    text = page.evaluate("document.querySelector('main').innerText")
    html = page.content()
    assert not RAW_TEXT.findall(text), RAW_TEXT.findall(text)[:5]
    for key in RAW_KEYS:
        assert key not in html, f"{filename} contains {key!r}"
    lines = page.evaluate(SOURCE_LINES_JS)
    shown = set()
    for line in lines:
        shown |= check_source_line(line, sources_in_marts)
    # the data dictionary quotes the marts' column comments as they are
    dictionary = sum(t.count("Bron:") for t in page.locator(".woordenboek").all_inner_texts())
    assert text.count("Bron:") - dictionary == sum(line["text"].count("Bron:") for line in lines), \
        f"{filename}: a 'Bron:' line that is not a figure's source line"
    for ind in shown:
        caveat = sources_in_marts["caveats"].get(ind)
        if caveat:
            assert caveat in text, f"{filename}: caveat of {ind} not shown"
    if filename != "nieuw.html":
        assert shown, f"{filename} shows no sourced figure"


def card(page, indicator_id: str):
    return page.locator(f".card[data-indicator='{indicator_id}']")


def test_publication_cards_show_publication_source_and_wording(visit, published):
    """The Overzicht card of a publication figure: its literal wording as the figure, its own organisation as
    the source (Trimbos, RVS), its caveat; a count never has decimals and a unit is always printed."""
    page = visit("index.html").page
    latest = published.execute(
        "SELECT indicator_id, value, unit, published_wording, source_label, source_organisation, caveat "
        "FROM marts.indicator_values WHERE region_code = 'NL01' AND source_kind = 'publicatie' "
        "AND boundary_year IS NULL AND value IS NOT NULL "
        "QUALIFY period = max(period) OVER (PARTITION BY indicator_id)").fetchall()
    by_id = {r[0]: r for r in latest}
    assert by_id["kinderen_problematische_schulden_nl"][5] == "Raad voor Volksgezondheid & Samenleving (RVS)"
    assert by_id["kinderen_ouder_psychische_aandoening_nl"][5] == "Trimbos-instituut"
    for ind, value, unit, wording, label, org, caveat in latest:
        c = card(page, ind)
        assert c.count() == 1, ind
        assert c.locator(".value").inner_text().startswith(figure_text(value, unit, wording)), ind
        bron = c.locator(".bron").inner_text()
        assert bron == label and org in bron, (ind, bron)
        if org != "CBS":
            assert not bron.startswith("Bron: CBS")
        if caveat:
            assert caveat in c.inner_text()
    assert card(page, "kinderen_problematische_schulden_nl").locator(".value").inner_text().startswith("bijna 485.000")
    assert card(page, "kinderen_opvang_nl").locator(".value").inner_text().startswith("bijna 5.000")
    assert card(page, "kinderen_ouder_psychische_aandoening_nl").locator(".value").inner_text().startswith(
        "900.000 kinderen")
    (bijstand,) = published.execute(
        "SELECT value FROM marts.indicator_values WHERE indicator_id = 'kinderen_bijstand_nl' "
        "AND region_code = 'NL01' ORDER BY period DESC LIMIT 1").fetchone()
    assert card(page, "kinderen_bijstand_nl").locator(".value").inner_text().startswith(
        f"{nl_number(bijstand, 'x 1 000 kinderen')} x 1 000 kinderen")
    # counts: Dutch thousands separator, no decimals, on every card
    units = dict(published.execute("SELECT indicator_id, unit FROM marts.indicators").fetchall())
    for i in range(page.locator(".card").count()):
        c = page.locator(".card").nth(i)
        ind = c.get_attribute("data-indicator")
        if units[ind] == "aantal" or units[ind].startswith("aantal "):
            assert not re.search(r"\d,\d", c.locator(".value").inner_text()), c.locator(".value").inner_text()


def test_unit_is_printed_with_kinderen_bijstand_nl(visit, published):
    """'x 1 000' stands with every figure of the series, on the card, in its table and on the axis."""
    rows = published.execute("SELECT period, value FROM marts.indicator_values WHERE indicator_id = "
                             "'kinderen_bijstand_nl' AND region_code = 'NL01' ORDER BY period").fetchall()
    assert rows
    page = visit("themas.html").page
    cells = {c[1]: c for c in table_cells(page, "thema-kinderen_bijstand_nl-tabel")}
    for period, value in rows:
        row = cells[period_label(period)]
        assert row[2] == nl_number(value, "x 1 000 kinderen") and row[3] == "x 1 000 kinderen", row
    axis = page.locator("#thema-kinderen_bijstand_nl .ytitle").text_content()
    assert axis == "x 1 000 kinderen"


def test_poverty_series_with_its_revision_notes(visit, published):
    """kinderen_laag_inkomen_nl, a series of separate publications: every figure with its own publication and
    its note on revisions, the caveat beside the chart, and the change between two editions not computed."""
    rows = published.execute(
        "SELECT period, value, source_label, source_note FROM marts.indicator_values "
        "WHERE indicator_id = 'kinderen_laag_inkomen_nl' AND region_code = 'NL01' ORDER BY period").fetchall()
    (caveat,) = published.execute(
        "SELECT caveat FROM marts.indicators WHERE indicator_id = 'kinderen_laag_inkomen_nl'").fetchone()
    assert len(rows) > 2 and caveat
    page = visit("themas.html").page
    traces = chart_traces(page, "thema-kinderen_laag_inkomen_nl")
    assert traces[0]["x"] == [period_label(p) for p, *_ in rows]
    assert traces[0]["y"] == pytest.approx([v for _p, v, *_ in rows])
    cells = table_cells(page, "thema-kinderen_laag_inkomen_nl-tabel")
    for (period, value, label, note), cell in zip(rows, cells):
        assert cell[1] == period_label(period) and cell[2] == nl_number(value, "aantal kinderen")
        assert cell[-1] == label and (note is None or note in cell)
    block = page.locator(".chart-block", has=page.locator("#thema-kinderen_laag_inkomen_nl"))
    assert caveat in block.inner_text()
    index = visit("index.html").page
    assert "andere publicatie" in card(index, "kinderen_laag_inkomen_nl").inner_text()


@pytest.fixture(scope="session")
def site_csvs(site_dir) -> dict[str, tuple[list[str], list[dict]]]:
    """Every CSV file of figures on the site (all but the data dictionary): its header and rows, read and checked
    as formatting.sourced_csv_rows writes them (`sourced_table`)."""
    out = {}
    for path in sorted((site_dir / "data").rglob("*.csv")):
        name = path.relative_to(site_dir).as_posix()
        if name != "data/gegevenswoordenboek.csv":
            header, rows, _caveats = read_sourced_file(path)
            out[name] = (header, rows)
    return out


def test_csv_exports_carry_source_caveat_and_above_100_flag(site_dir, site_csvs, published):
    """Every CSV of figures has, per row, its `bron`, a release status and the key of its `kanttekening` (the text
    once, below the data); CSVs of indicator values flag what CBS published above 100% (`boven_100_gepubliceerd`),
    exactly the rows the mart flags."""
    csvs = site_csvs
    assert len(csvs) > 50
    figure_csvs = {name: rows for name, (_header, rows) in csvs.items()}
    for name, (header, rows) in csvs.items():
        assert header[-2:] == ["bron", "kanttekening"], name
        assert any("status" in h for h in header), name
        for r in rows:
            assert r["bron"].startswith("Bron: "), (name, r)
            if "status" in r:
                assert r["status"], (name, r)
    value_csvs = [n for n in figure_csvs if re.match(r"data/(kaart/|gemeenteprofiel/|thema-|overzicht-|regio-)", n)]
    assert value_csvs
    for name in value_csvs:
        assert all(r["boven_100_gepubliceerd"] in ("ja", "nee") for r in figure_csvs[name]), name
    # the map (its CSV is made in the browser, see test_map_flags_values_published_above_100): per selection
    # exactly the gemeenten the mart flags
    page = (site_dir / "kaart.html").read_text(encoding="utf-8")
    series = json.loads(re.search(r'id="kaart-data">(.*?)</script>', page, re.S)[1])["series"]
    flagged = {}
    for ind, period, code, byear in published.execute(
            "SELECT indicator_id, period, region_code, boundary_year FROM marts.indicator_values "
            "WHERE region_level = 'gemeente' AND published_above_100").fetchall():
        flagged.setdefault((ind, period, byear), set()).add(code)
    assert flagged, "the snapshot has values CBS published above 100%"
    checked = 0
    for s in series:
        byear = int(s["key"].rsplit("-h", 1)[1]) if "-h" in s["key"] else None
        expected = flagged.get((s["indicator"], s["period"], byear), set())
        assert s["csv"] == f"kaart-{s['key']}.csv"
        assert set(s["above100"]) == expected
        checked += bool(expected)
    assert checked
    # the gemeenteprofiel (its yearly figures)
    for (ind, period, byear), codes in flagged.items():
        if byear is not None or not period.endswith("JJ00"):
            continue
        (title,) = published.execute("SELECT title FROM marts.indicators WHERE indicator_id = ?", [ind]).fetchone()
        for code in codes:
            # one row per indicator (its latest figure, flagged 'above'); earlier figures stand in its series
            # ('reeks'), which the sparkline and the profile's CSV (made in the browser) print
            js = (site_dir / "data" / "gemeenteprofiel" / f"{code}.js").read_text(encoding="utf-8")
            record = json.loads(js.split("]=", 1)[1].rstrip().removesuffix(";"))
            fields = json.loads(re.search(r'id="gp-meta">(.*?)</script>', (site_dir / "gemeenteprofiel.html")
                                          .read_text(encoding="utf-8"), re.S)[1])["rowFields"]
            rows = [dict(zip(fields, r)) for r in record["rows"] if r[0] == ind]
            assert rows, (ind, code)
            flagged_here = f"{period_label(period)}: "
            mark = rows[0]["reeks"].split(flagged_here, 1)[1].split(";", 1)[0]
            assert "(boven 100% gepubliceerd)" in mark, (ind, code, period, title)
            assert rows[0]["period"] != period_label(period) or rows[0]["above"] == 1


def test_map_flags_values_published_above_100(visit):
    page = visit("kaart.html").page
    series = json.loads(page.locator("#kaart-data").text_content())["series"]
    s = next(s for s in series if s["above100"])
    page.locator("#kaart-indicator").select_option(s["indicator"])
    page.locator("#kaart-periode").select_option(s["key"])
    page.wait_for_function(f"document.getElementById('kaart-csv').getAttribute('download') === '{s['csv']}'")
    assert page.locator("#kaart-boven-100").is_visible()
    assert "boven 100%" in page.locator("#kaart-boven-100").inner_text()
    flagged_cells = [c for c in table_cells(page, "kaart-tabel") if "(boven 100% gepubliceerd)" in c[2]]
    assert {c[1] for c in flagged_cells} == set(s["above100"])
    _header, rows, _caveats = read_sourced_download(page, "#kaart-csv")
    assert {r["code"] for r in rows if r["boven_100_gepubliceerd"] == "ja"} == set(s["above100"])
    assert all(r["boven_100_gepubliceerd"] in ("ja", "nee") for r in rows)
    assert page.locator("#kaart-bron").get_attribute("data-indicators") == s["indicator"]


@pytest.mark.parametrize("filename,selector", [("kaart.html", "#kaart-indicator")])
def test_each_selected_indicator_shows_its_source_and_caveat(visit, sources_in_marts, filename, selector):
    """The map and the gemeenteprofiel are drawn in the browser: for every indicator one can choose, the source
    line and the caveat below the chart are that indicator's."""
    page = visit(filename).page
    prefix = selector.split("-")[0]
    for value in page.locator(f"{selector} option").evaluate_all("os => os.map(o => o.value)"):
        page.locator(selector).select_option(value)
        page.wait_for_function(f"document.querySelector('{prefix}-bron').dataset.indicators === '{value}'")
        for line in page.evaluate(SOURCE_LINES_JS):
            check_source_line(line, sources_in_marts)
        caveat = sources_in_marts["caveats"].get(value)
        shown = page.locator(f"{prefix}-kanttekening")
        if caveat:
            assert shown.is_visible() and caveat in shown.inner_text(), value
        else:
            assert not shown.is_visible()


def test_rvs_chapters_and_caveats_on_blind_spots_and_verantwoording(visit, published):
    """Blinde vlekken and Verantwoording print, in Dutch, why a subject cannot be followed (the caveat) and the
    chapter of the RVS advice it belongs to (rvs_chapter_headings), not registry keys."""
    indicators = published.execute(
        "SELECT indicator_id, status, caveat, rvs_chapter_headings, denominator_missing FROM marts.indicators"
    ).fetchall()
    gaps = visit("blinde-vlekken.html").page
    for ind, status, caveat, headings, _missing in indicators:
        if status not in ("gap", "proxy"):
            continue
        row = gaps.locator(f"[data-indicator='{ind}']")
        assert row.count() == 1, ind
        text = row.inner_text()
        if caveat:
            assert caveat in text
        if headings:
            assert headings in text
    page = visit("verantwoording.html").page
    for ind, _status, caveat, headings, missing in indicators:
        section = page.locator(f"section[data-indicator='{ind}']").inner_text()
        for value in (caveat, headings, missing):
            if value:
                assert value in section, (ind, value)
    # the RVS link of a linkage figure stands beside the section of the advice it comes from
    themas = visit("themas.html").page
    sections = published.execute("SELECT source_section, source_url FROM marts.linkage_national "
                                 "WHERE source_url LIKE '%raadrvs%'").fetchall()
    assert sections
    for section, url in sections:
        rows = themas.locator("tbody tr", has=themas.locator(f"a[href='{url}']"))
        assert any(section in rows.nth(i).inner_text() for i in range(rows.count())), section


# ------------------------------------------------------------------- blind spots, domains, social network

def test_registry_requires_every_gap_to_say_where_its_limit_lies(tmp_path):
    """A gap without gap_limit (or with an unknown one), or a gap_limit on a figure that is no gap, is an error in
    the registry, not a blind spot that silently drops off the Blinde vlekken page."""
    from kindbelang.registry import load_registry

    gap = {"id": "x_gemeente", "title": "X", "definition": "X per gemeente.", "theme": "ouderdomein", "unit": "%",
           "denominator": None, "direction": "lower_is_better", "levels": ["gemeente"], "frequency": "jaar",
           "ivrk_articles": [3], "rvs_chapters": [2], "status": "gap", "caveat": "Geen open data."}

    def load(**changes):
        import yaml

        path = tmp_path / f"indicators_{len(list(tmp_path.iterdir()))}.yaml"
        path.write_text(yaml.safe_dump({"populations": {}, "indicators": [{**gap, **changes}]}), encoding="utf-8")
        return load_registry(path)

    assert load(gap_limit="open_data")[0]["gap_limit"] == "open_data"
    assert load(gap_limit="snapshot", gap_reason="Niet in de momentopname.")[0]["gap_reason"]
    for changes in ({}, {"gap_limit": "unknown"}, {"gap_limit": "open_data", "caveat": None},
                    {"gap_limit": "open_data", "gap_remark": "a key the registry does not know"}):
        with pytest.raises(ValueError):
            load(**changes)


def test_blind_spots_in_two_groups_each_with_its_reason(visit, published):
    """Blinde vlekken splits the gaps as the registry classifies them (marts.indicators.gap_limit): 'Grenzen van de
    open data' and 'Grenzen van deze momentopname'. Every gap stands in exactly one group, the one the mart says,
    with its reason; the social network of parents is among them."""
    gaps = published.execute("SELECT indicator_id, gap_limit, gap_reason, caveat FROM marts.indicators "
                             "WHERE status = 'gap' ORDER BY indicator_id").fetchall()
    assert gaps and all(limit in ("open_data", "snapshot") and reason for _i, limit, reason, _c in gaps)
    assert published.execute("SELECT count(*) FROM marts.indicators WHERE status <> 'gap' "
                             "AND (gap_limit IS NOT NULL OR gap_reason IS NOT NULL)").fetchone()[0] == 0
    limits = {i: limit for i, limit, _r, _c in gaps}
    assert limits["ouders_sociaal_netwerk_gemeente"] == "open_data"
    assert limits["problematische_schulden_gemeente"] == "snapshot"
    assert limits["kindcheck_volwassenen_ggz"] == limits["kinderen_ouder_gedetineerd"] == "open_data"

    page = visit("blinde-vlekken.html").page
    headings = {"open_data": "Grenzen van de open data", "snapshot": "Grenzen van deze momentopname"}
    for limit, heading in headings.items():
        group = page.locator(f"section[data-gap-limit='{limit}']")
        assert group.count() == 1, limit
        assert group.locator("h3").inner_text() == heading
        shown = group.locator("tr[data-indicator]").evaluate_all("rs => rs.map(r => r.dataset.indicator)")
        assert sorted(shown) == sorted(i for i, lim in limits.items() if lim == limit), limit
    for ind, limit, reason, caveat in gaps:
        rows = page.locator(f"tr[data-indicator='{ind}']")
        assert rows.count() == 1, ind
        group = rows.evaluate("r => r.closest('section').dataset.gapLimit")
        assert group == limit == rows.get_attribute("data-gap-limit"), ind
        text = rows.inner_text()
        assert reason in text and (caveat is None or caveat in text), ind
    # nothing else in the page's blind-spot tables
    assert page.locator("section[data-gap-limit] tr[data-indicator]").count() == len(gaps)
    # and the themas page names the group beside each gap of a theme
    themas = visit("themas.html").page.locator("main").inner_text()
    for ind, limit, reason, _c in gaps:
        assert f"{headings[limit]}: {reason}" in themas, ind


def chosen_domain_years(published) -> dict[str, int]:
    """Per youth-care form the latest year of marts.association_domains with the most domains."""
    return dict(published.execute(
        "WITH m AS (SELECT youth_care_indicator_id, year, n_domains, "
        "max(n_domains) OVER (PARTITION BY youth_care_indicator_id) AS most FROM marts.association_domains) "
        "SELECT youth_care_indicator_id, max(year) FROM m WHERE n_domains = most GROUP BY ALL").fetchall())


def test_domains_chart_on_themas(visit, published, sources_in_marts):
    """'Welke ouderdomeinen verklaren de verschillen tussen gemeenten het meest?': per youth-care form the mart's
    rows of the latest year with the most domains, the stacked bars adding up to the full model's R², a 'Bron:'
    line naming every indicator of the model (CBS tables, computed by kindbelang), and the ecological caveat."""
    chosen = chosen_domain_years(published)
    rows = published.execute(
        "SELECT youth_care_indicator_id, year, ouderdomein, rank, r2_alone, shapley_r2, full_model_r2, n_gemeenten, "
        "n_domains, indicators FROM marts.association_domains ORDER BY youth_care_indicator_id, rank").fetchall()
    mine = [r for r in rows if chosen.get(r[0]) == r[1]]
    assert mine and {r[0] for r in mine} == set(chosen)
    latest = dict(published.execute("SELECT youth_care_indicator_id, max(year) FROM marts.association_domains "
                                    "GROUP BY ALL").fetchall())
    page = visit("themas.html").page
    block = page.locator(".chart-block", has=page.locator("#ouderdomeinen-verklaring"))
    assert block.count() == 1
    title = "Welke ouderdomeinen verklaren de verschillen tussen gemeenten het meest?"
    assert block.locator("h3").inner_text() == title
    assert block.locator(".js-plotly-plot").count() == 1
    # the table: exactly the chosen rows, with the mart's figures
    cells = table_cells(page, "ouderdomeinen-verklaring-tabel")
    assert len(cells) == len(mine)
    titles = dict(published.execute("SELECT indicator_id, title FROM marts.indicators").fetchall())
    expected = {(titles[r[0]], str(r[3])): r for r in mine}
    assert {(c[0], c[3]) for c in cells} == expected.keys()
    for cell in cells:
        form, year, _dom, rank, alone, shapley, full, n, _nd, _inds = expected[(cell[0], cell[3])]
        assert cell[1] == str(year)
        assert cell[4:6] == [nl_number(alone, "r"), nl_number(shapley, "r")]
        assert cell[7:9] == [nl_number(full, "r"), nl_number(n, "aantal")]
    # the stacked bars of each form add up to its full R²
    traces = chart_traces(page, "ouderdomeinen-verklaring")
    totals = {}
    for t in traces:
        for x, y in zip(t["x"], t["y"]):
            totals[y] = totals.get(y, 0) + x
    fulls = {(f, y): full for f, y, _d, _r, _a, _s, full, *_x in mine}
    assert sorted(totals.values()) == pytest.approx(sorted(fulls.values()))
    # the year of each form and why: a later year has fewer domains
    text = page.locator("main").inner_text()
    ylabels = {y.replace("<br>", " ") for t in traces for y in t["y"]}
    for form, year in chosen.items():
        assert any(y.startswith(f"{esc(titles[form])} ({year}, ") for y in ylabels), form
        if latest[form] > year:
            assert f"in {latest[form]}, het laatste jaar" in text, form
    # the source: every indicator of every model, each by its own CBS table; computed by kindbelang
    lines = block.evaluate("""b => Array.from(b.querySelectorAll('figure .bron')).map(e => ({text: e.innerText.trim(),
        indicators: e.dataset.indicators || '', publications: '', tables: ''}))""")
    assert lines
    named = set()
    for line in lines:
        assert line["text"].startswith("Bron: CBS, ") and "bewerking kindbelang" in line["text"], line
        named |= check_source_line(line, sources_in_marts)
    model = {i for *_x, inds in mine for i in inds.split(", ")} | set(chosen)
    assert named == model
    # an association between areas, never an effect
    block_text = block.inner_text()
    assert "Samenhang tussen gebieden, geen effect op kinderen (ecologische associatie)" in block_text
    assert page.locator("#ouderdomeinen-verklaring-alt").text_content().endswith(
        "Samenhang tussen gebieden, geen effect op kinderen (ecologische associatie).")
    section = page.locator("section.ouderdomeinen-verklaring").inner_text()
    assert "niet om gezinnen of kinderen" in section and "Methode:" in section


def test_social_network_of_parents_is_explicit(visit, published):
    """Item 6: the 17% of parents with worries or problems with their social network, as the RVS publishes it
    citing the SCP, with the RVS as its source (never 'Bron: CBS'); per gemeente a blind spot."""
    value, label, org, note, unit = published.execute(
        "SELECT value, source_label, source_organisation, source_note, unit FROM marts.indicator_values "
        "WHERE indicator_id = 'ouders_sociaal_netwerk_nl' AND region_code = 'NL01'").fetchone()
    assert value == 17 and unit == "%" and org == "Raad voor Volksgezondheid & Samenleving (RVS)"
    assert label == "Bron: Raad voor Volksgezondheid & Samenleving (RVS), Kinderen uit de knel (2023)"
    assert "SCP" in note
    domain, caveat = published.execute("SELECT ouderdomein, caveat FROM marts.indicators "
                                       "WHERE indicator_id = 'ouders_sociaal_netwerk_nl'").fetchone()
    assert domain == published.execute("SELECT ouderdomein FROM marts.indicators "
                                       "WHERE indicator_id = 'ouders_sociaal_netwerk_gemeente'").fetchone()[0]
    for filename in ("index.html", "themas.html"):
        c = card(visit(filename).page, "ouders_sociaal_netwerk_nl")
        assert c.count() == 1, filename
        assert c.locator(".value").inner_text().startswith("17%")
        bron = c.locator(".bron").inner_text()
        assert bron == label and not bron.startswith("Bron: CBS")
        text = c.inner_text()
        assert "SCP" in text and caveat in text
    gaps = visit("blinde-vlekken.html").page
    assert gaps.locator("section[data-gap-limit='open_data'] tr[data-indicator='ouders_sociaal_netwerk_gemeente']"
                        ).count() == 1
    assert gaps.locator("li[data-indicator='ouders_sociaal_netwerk_nl'] .bron").inner_text() == label


@pytest.mark.parametrize("values", [
    [1, 1.0, True, None, 1, True, 1.0],  # equal in Python, three different cells in a CSV
    [0.0, -0.0, 0.0, None, -0.0],  # equal as dict keys, "0" and "-0" in a CSV
    [2.5, None, float("nan"), 2.5, None],  # NaN is empty
    ["a", "a", None, "b", "a", "a"],
    [3, 3, 3, 7, None, None, 3],
    [0.1 * i for i in range(50)],
    [],
])
def test_compact_columns_keep_every_cell_apart_that_the_csv_writes_differently(values):
    """Synthetic columns: the fast way (one kind of cell) gives what the general way gives, and decodes to the
    cells as json_cell writes them."""
    from kindbelang.dashboard import formatting

    compact = formatting.compact_column(values)
    cells = [formatting.json_cell(v) for v in values]
    distinct, idx = formatting._distinct_cells_by_kind(cells)
    assert formatting._distinct_cells(cells) == (distinct, idx)
    if "v" in compact:
        decoded = compact["v"]
    elif "i" in compact:
        decoded = [compact["d"][i] for i in compact["i"]]
    else:
        decoded = [compact["d"][i] for i, n in zip(compact["r"][::2], compact["r"][1::2]) for _ in range(n)]
    assert [(type(c), repr(c)) for c in decoded] == [(type(c), repr(c)) for c in cells]
