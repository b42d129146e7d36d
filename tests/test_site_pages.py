"""The Overzicht (answers per ouderdomein), the Gemeenteprofiel (every indicator of one gemeente, its CSV and the
selector from file://) and the harmonised regions on Per thema, in headless Chromium (see tests/test_site.py for
how the browser and the site are set up). Screenshots go to data/out/test-artifacts/ (or
$KINDBELANG_TEST_ARTIFACTS), which the CI keeps."""

from __future__ import annotations

import functools
import os
import threading
from pathlib import Path

import pytest

from kindbelang.dashboard.formatting import figure_text, interval_text, nl_number, period_label
from kindbelang.settings import PROJECT_ROOT
from test_site import (  # noqa: F401  (fixtures)
    CHROMIUM, CHROMIUM_ARGS, SOURCE_LINES_JS, Visit, check_source_line, published, read_sourced_download,
    sources_in_marts,
)

PROFILE_GEMEENTEN = ["GM0363", "GM0344", "GM0088"]  # Amsterdam, Utrecht, Schiermonnikoog (968 inwoners)
PERIOD_TYPES = ("jaar", "halfjaar", "kwartaal", "maand", "eenmalig")
LINKAGE_SECTIONS = {"Huishoudenspositie", "Waargenomen en verwacht", "Stapeling"}


@pytest.fixture
def visit(site_dir) -> Path:
    """The site; `in_browser` turns it into a function that opens a page of it (test_site.Visit)."""
    return site_dir


def in_browser(test):
    """Run the test in its own thread with its own headless Chromium. tests/test_site.py keeps a Playwright
    session open in the main thread for the whole session, and Playwright's sync API allows one per thread."""
    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        site = kwargs["visit"]
        failure: list[BaseException] = []

        def run():
            from playwright.sync_api import sync_playwright

            try:
                with sync_playwright() as p:
                    if not CHROMIUM.exists():
                        raise AssertionError(f"{CHROMIUM} is missing (scripts/ensure_chromium.sh)")
                    b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
                    opened: list[Visit] = []

                    def open_page(filename: str) -> Visit:
                        opened.append(Visit(b, site, filename))
                        return opened[-1]

                    try:
                        test(*args, **{**kwargs, "visit": open_page})
                    finally:
                        for v in opened:
                            v.close()
                        b.close()
            except BaseException as error:  # re-raised in the test's own thread
                failure.append(error)

        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
        if failure:
            raise failure[0]

    return wrapper


def artifacts() -> Path:
    path = Path(os.environ.get("KINDBELANG_TEST_ARTIFACTS") or PROJECT_ROOT / "data" / "out" / "test-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


def open_profile(visit, code: str):
    v = visit("gemeenteprofiel.html")
    page = v.page
    page.locator("#gp-gemeente").select_option(code)
    page.wait_for_function(f"document.body.dataset.gemeente === '{code}'", timeout=15_000)
    return v


def latest_figures(published, code: str) -> dict[str, tuple]:
    """Per indicator with a figure for the gemeente: its latest figure in its main period type (the first of
    jaar, halfjaar, ... that it has), in the boundaries of the period, straight from marts.indicator_values."""
    rows = published.execute(
        """WITH types AS (SELECT indicator_id, list(DISTINCT period_type) AS types FROM marts.indicator_values
                          GROUP BY ALL)
           SELECT v.indicator_id, v.period, v.period_type, v.value, v.unit, v.published_wording, v.status,
                  v.source_label, v.published_above_100, t.types, v.value_low, v.value_high
           FROM marts.indicator_values AS v JOIN types AS t USING (indicator_id)
           WHERE v.region_code = ? AND v.boundary_year IS NULL AND v.value IS NOT NULL""", [code]).fetchall()
    out: dict[str, tuple] = {}
    for ind, period, ptype, value, unit, wording, status, label, above, types, low, high in rows:
        main = next(t for t in PERIOD_TYPES if t in types)
        if ptype == main and (ind not in out or period > out[ind][0]):
            out[ind] = (period, value, unit, wording, status, label, above, low, high)
    return out


def profile_rows(page) -> dict[str, list[str]]:
    return page.evaluate("""Object.fromEntries(Array.from(document.querySelectorAll(
        'section[data-group] tbody tr[data-indicator]')).filter(tr => tr.getClientRects().length > 0).map(
        tr => [tr.dataset.indicator, Array.from(tr.children).map(c => c.innerText.trim())]))""")


def linkage_rows(page) -> list[list[str]]:
    return page.evaluate("""Array.from(document.querySelectorAll('#gp-tabel-koppelingen tbody tr')).map(
        tr => Array.from(tr.children).map(c => c.innerText.trim()))""")


# ------------------------------------------------------------------------------------------- Overzicht

@in_browser
def test_overview_has_one_answer_block_per_ouderdomein(visit, published, sources_in_marts):
    domains = [d for (d,) in published.execute(
        "SELECT DISTINCT ouderdomein FROM marts.indicators WHERE ouderdomein IS NOT NULL AND status <> 'gap' "
        "ORDER BY 1").fetchall()]
    assert domains
    v = visit("index.html")
    page = v.page
    assert v.errors == [] and v.non_file_requests() == []
    for dom in domains + ["jeugdzorg"]:
        block = page.locator(f"section.answer-block[data-domain='{dom}']")
        assert block.count() == 1, dom
        answers = block.locator(".answer")
        assert answers.count() >= 3, dom
        for i in range(answers.count()):
            answer = answers.nth(i)
            kind = answer.get_attribute("data-answer")
            if kind == "gaps":
                continue
            text = answer.inner_text()
            bron = answer.locator(".bron")
            if kind == "signals" and bron.count() == 0:
                assert "geen signalen" in text
                continue
            # every figure: its 'Bron:' line (the marts' own source) and its release status
            assert bron.count() >= 1, (dom, kind)
            for j in range(bron.count()):
                line = bron.nth(j).evaluate("""e => ({text: e.innerText.trim(), indicators: e.dataset.indicators || '',
                    publications: e.dataset.publications || '', tables: e.dataset.tables || ''})""")
                for ind in check_source_line(line, sources_in_marts):
                    caveat = sources_in_marts["caveats"].get(ind)
                    if caveat and kind != "signals":
                        assert caveat in text, (dom, kind, ind)
            if kind != "signals":
                assert "releasestatus" in text.lower(), (dom, kind)
        # the block links to its detail page
        assert block.locator("a[href^='themas.html#']").count() == 1
    themas = (Path(page.url.removeprefix("file://")).parent / "themas.html").read_text(encoding="utf-8")
    for href in page.locator("section.answer-block a[href^='themas.html#']").evaluate_all(
            "as => as.map(a => a.getAttribute('href'))"):
        assert f'id="{href.split("#")[1]}"' in themas, href
    # over-representation in the publication's own wording (marts.linkage_national)
    wordings = [w for (w,) in published.execute(
        "SELECT published_wording FROM marts.linkage_national WHERE ratio_source = 'gepubliceerd'").fetchall()]
    shown = " ".join(page.locator("[data-answer='overrepresentation']").all_inner_texts())
    assert any(w in shown for w in wordings)
    # blind spots: each gap of a domain in its block
    for ind, dom in published.execute("SELECT indicator_id, ouderdomein FROM marts.indicators "
                                      "WHERE status = 'gap' AND ouderdomein IS NOT NULL").fetchall():
        assert page.locator(f"section[data-domain='{dom}'] [data-answer='gaps'] li[data-indicator='{ind}']"
                            ).count() == 1, ind
    page.screenshot(path=str(artifacts() / "overzicht.png"), full_page=True)


@in_browser
def test_overview_highest_gemeenten_are_the_marts_top(visit, published):
    """'Waar is het het hoogst?' for youth care: the top gemeenten of jeugdhulp_pct in its latest year."""
    top = published.execute(
        "SELECT r.region_name, v.value FROM marts.indicator_values AS v JOIN marts.regions AS r USING (region_code) "
        "WHERE v.indicator_id = 'jeugdhulp_pct' AND v.period_type = 'jaar' AND v.region_level = 'gemeente' "
        "AND v.boundary_year IS NULL AND v.value IS NOT NULL AND v.period = (SELECT max(period) FROM "
        "marts.indicator_values WHERE indicator_id = 'jeugdhulp_pct' AND period_type = 'jaar' AND value IS NOT NULL "
        "AND region_level = 'gemeente') ORDER BY v.value DESC, v.region_code LIMIT 3").fetchall()
    page = visit("index.html").page
    items = page.locator("section[data-domain='jeugdzorg'] ol[data-level='gemeenten'] li").all_inner_texts()
    assert [i.split(":")[0] for i in items] == [n for n, _v in top]
    assert [i.split(": ", 1)[1].split(" (")[0] for i in items] == [figure_text(v, "%") for _n, v in top]


# ------------------------------------------------------------------------------------------- Gemeenteprofiel

@pytest.mark.parametrize("code", PROFILE_GEMEENTEN)
@in_browser
def test_profile_shows_every_indicator_as_in_the_marts_and_csv_equals_page(visit, published, sources_in_marts,
                                                                           code):
    v = open_profile(visit, code)
    page = v.page
    assert v.errors == [], v.errors
    assert v.non_file_requests() == []
    expected = latest_figures(published, code)
    assert expected, code
    rows = profile_rows(page)
    # every indicator of the registry with a figure for this gemeente, and nothing else
    assert set(rows) == set(expected), (code, set(expected) ^ set(rows))
    titles = dict(published.execute("SELECT indicator_id, title FROM marts.indicators").fetchall())
    intervals = {ind: (e[7], e[8]) for ind, e in expected.items()}
    expected = {ind: e[:7] for ind, e in expected.items()}
    for ind, (period, value, unit, wording, status, label, above) in expected.items():
        cells = rows[ind]
        assert cells[0] == titles[ind]
        assert cells[1] == period_label(period), (ind, cells)
        shown = figure_text(value, unit, wording) + (" (boven 100% gepubliceerd)" if above else "")
        assert cells[2].split("\n")[0] == shown, (ind, cells[2], shown)
        assert cells[-2] == (status or "onbekend")
        assert cells[-1].startswith(label), (ind, cells[-1], label)
    # every 'Bron:' line is the figure's own; every caveat of a shown indicator stands on the page
    text = page.evaluate("document.querySelector('main').innerText")
    for line in page.evaluate(SOURCE_LINES_JS):
        for ind in check_source_line(line, sources_in_marts):
            caveat = sources_in_marts["caveats"].get(ind)
            if caveat:
                assert caveat in text, (code, ind)

    # the CSV: exactly the rows of the page, with the mart's values
    # made in the browser from the rows on the page (a blob: link, no file per gemeente)
    assert page.locator("#gp-csv").get_attribute("download") == f"gemeenteprofiel-{code}.csv"
    assert page.locator("#gp-csv").get_attribute("href").startswith("blob:")
    # (read_sourced_download: per row its bron, the caveats once below the data; `kanttekening` is the text)
    header, body, _caveats = read_sourced_download(page, "#gp-csv")
    assert header[-3:] == ["boven_100_gepubliceerd", "bron", "kanttekening"]
    indicator_rows = [r for r in body if r["onderdeel"] not in LINKAGE_SECTIONS]
    by_title = {titles[i]: i for i in expected}
    assert sorted(r["indicator"] for r in indicator_rows) == sorted(titles[i] for i in rows)
    caveats = dict(published.execute("SELECT indicator_id, caveat FROM marts.indicators").fetchall())
    for r in indicator_rows:
        ind = by_title[r["indicator"]]
        period, value, unit, wording, status, label, above = expected[ind]
        cells = rows[ind]
        assert r["periode"] == cells[1]
        assert r["waarde"] == nl_number(value, unit) and r["eenheid"] == unit
        assert r["status"] == cells[-2] and r["bron"] == cells[-1]
        assert r["kanttekening"] == (caveats[ind] or "")
        assert r["boven_100_gepubliceerd"] == ("ja" if above else "nee")
        if r["interval ondergrens"]:
            assert cells[2].split("\n")[1] == f"{r['interval ondergrens']} tot {r['interval bovengrens']}"
            assert cells[2].split("\n")[1] == interval_text(*intervals[ind], unit)
            lo, hi = intervals[ind]
            assert lo <= value <= hi
        if r["Nederland"]:
            assert cells[3].startswith(r["Nederland"])
        assert cells[7] == (f"{r['plaats (1 = hoogste waarde)']} van {r['gemeenten met een cijfer']}"
                            if r["plaats (1 = hoogste waarde)"] else "–")
        assert r["signaal of oordeel"] == cells[9].split("\n")[0]
        # the sparkline's series in words is the CSV's 'reeks'
        spark = page.locator(f"tr[data-indicator='{ind}'] svg.gp-spark")
        if r["reeks"] and spark.count():
            assert spark.get_attribute("aria-label") == f"{page.evaluate('KB_GP[%r].name' % code)}: {r['reeks']}"
    linkage = [r for r in body if r["onderdeel"] in LINKAGE_SECTIONS]
    shown = linkage_rows(page)
    assert len(shown) == len(linkage)
    for r, cells in zip(linkage, shown):
        assert [cells[0], cells[1], cells[2]] == [r["indicator"], r["onderdeel"], r["periode"]]
        assert cells[5] == r["signaal of oordeel"] and cells[6] == r["status"] and cells[7] == r["bron"]
        assert r["bron"].startswith("Bron: ")
    if code != "GM0088":
        sections = {r["onderdeel"] for r in linkage}
        assert {"Huishoudenspositie", "Waargenomen en verwacht"} <= sections, sections
        assert "ecologische associatie" in page.locator("#gp-koppelingen").inner_text()
    page.screenshot(path=str(artifacts() / f"gemeenteprofiel-{code}.png"), full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=str(artifacts() / f"gemeenteprofiel-{code}-afdruk.png"), full_page=True)
    assert not page.locator("#gp-gemeente").is_visible() and not page.locator(".site-header").is_visible()


@in_browser
def test_profile_household_and_funnel_are_the_marts(visit, published):
    code = "GM0363"
    (share, period, verdict) = published.execute(
        "SELECT one_parent_share, period_key, compared_with_national FROM marts.household_position "
        "WHERE region_code = ? AND one_parent_share IS NOT NULL ORDER BY period_key DESC LIMIT 1", [code]).fetchone()
    (ratio, lower, upper, signal, fperiod) = published.execute(
        "SELECT ratio, lower_998, upper_998, signal, period FROM marts.youth_care_expected WHERE gemeente_code = ? "
        "AND care_form = 'jeugdhulp' AND expected > 0 ORDER BY year DESC LIMIT 1", [code]).fetchone()
    page = open_profile(visit, code).page
    rows = linkage_rows(page)
    household = next(r for r in rows if r[1] == "Huishoudenspositie" and r[2] == period_label(period))
    assert household[3].split("\n")[0] == f"{nl_number(share, '%')}%" and household[5] == verdict
    funnel = next(r for r in rows if r[1] == "Waargenomen en verwacht" and r[0].startswith("Jeugdhulp"))
    assert funnel[2] == period_label(fperiod) and funnel[3].split("\n")[0] == nl_number(ratio, None, 2)
    assert funnel[5] == (signal or "binnen de 99,8%-grenzen")
    assert "ecologische associatie" in funnel[0]
    assert funnel[3].split("\n")[1] == f"99,8%-controlegrenzen: {interval_text(lower, upper, None)}"


@in_browser
def test_profile_selector_and_links_work_from_file(visit, site_dir):
    """The selector loads data/gemeenteprofiel/<code>.js by a script tag (file://, no server, no network); the
    address keeps the gemeente (#GM...), and the list of all gemeenten links to each profile."""
    v = visit("gemeenteprofiel.html")
    page = v.page
    page.wait_for_function("document.body.dataset.gemeente === 'GM0363'")  # the default: Amsterdam
    options = page.locator("#gp-gemeente option").evaluate_all("os => os.map(o => o.value)")
    assert len(options) > 300 and all((site_dir / "data" / "gemeenteprofiel" / f"{c}.js").exists() for c in options)
    page.locator("#gp-gemeente").focus()
    page.locator("#gp-gemeente").select_option("GM0344")
    page.wait_for_function("document.body.dataset.gemeente === 'GM0344'")
    assert page.url.endswith("#GM0344")
    assert page.locator("#gp-naam").inner_text().startswith("Utrecht")
    assert page.locator("#gp-csv").get_attribute("download") == "gemeenteprofiel-GM0344.csv"
    page.evaluate("document.querySelector('details.gp-alle').open = true")
    page.locator("a[data-gemeente='GM0088']").click()
    page.wait_for_function("document.body.dataset.gemeente === 'GM0088'")
    assert page.locator("#gp-gemeente").input_value() == "GM0088"
    # opened directly with a gemeente in the address
    direct = v.context.new_page()
    direct.goto((site_dir / "gemeenteprofiel.html").as_uri() + "#GM0344", wait_until="load")
    direct.wait_for_function("document.body.dataset.gemeente === 'GM0344'")
    scripts = [u for u in v.requests if u.endswith(".js")]
    assert any(u.endswith("data/gemeenteprofiel/GM0344.js") for u in scripts)
    assert v.errors == [] and v.non_file_requests() == []
    direct.close()


# ------------------------------------------------------------------------------------------- Per thema

@in_browser
def test_themas_uses_harmonised_regions_and_says_so(visit, published):
    """An indicator without provincial figures on the boundaries of its period gets the harmonised ones, with the
    Dutch note beside the chart; the chart's table holds exactly the harmonised values of the mart."""
    (byear,) = published.execute("SELECT max(boundary_year) FROM marts.indicator_values").fetchone()
    (period,) = published.execute(
        "SELECT max(period) FROM marts.indicator_values WHERE indicator_id = 'verdachten_per_1000' "
        "AND region_level = 'provincie' AND boundary_year = ? AND value IS NOT NULL", [byear]).fetchone()
    own = published.execute("SELECT count(*) FROM marts.indicator_values WHERE indicator_id = 'verdachten_per_1000' "
                            "AND region_level = 'provincie' AND boundary_year IS NULL AND value IS NOT NULL"
                            ).fetchone()[0]
    assert own == 0, "the snapshot has no own-boundary provincial figures for verdachten_per_1000"
    values = dict(published.execute(
        "SELECT r.region_name, v.value FROM marts.indicator_values AS v JOIN marts.regions AS r USING (region_code) "
        "WHERE v.indicator_id = 'verdachten_per_1000' AND v.region_level = 'provincie' AND v.boundary_year = ? "
        "AND v.period = ? AND v.value IS NOT NULL", [byear, period]).fetchall())
    page = visit("themas.html").page
    note = page.locator("p.harmonised[data-chart='thema-verdachten_per_1000']")
    assert note.count() == 1
    assert f"Provinciecijfers op de gemeentegrenzen van {byear} (geharmoniseerd)" in note.inner_text()
    cells = page.evaluate("""Array.from(document.querySelectorAll('#thema-verdachten_per_1000-tabel tbody tr')).map(
        tr => Array.from(tr.children).map(c => c.textContent.trim()))""")
    shown = {c[0]: c[2] for c in cells if c[0] != "Nederland"}
    assert shown == {n: nl_number(v, "per 1 000 inwoners") for n, v in values.items()}
    assert all(c[1] == period_label(period) for c in cells)
    block = page.locator(".chart-block", has=page.locator("#thema-verdachten_per_1000"))
    assert "geharmoniseerd" in block.locator(".note").inner_text()
    assert page.locator("text=Geen provinciecijfers").count() == 0
    # and the jeugdregio's beside them
    assert page.locator("#thema-verdachten_per_1000-jeugdregio").count() == 1
