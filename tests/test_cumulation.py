"""Issue 13, item 5: stapeling (cumulation) of parental problems. Nationally the SCP survey of parents as the RVS
advice and the news render it, each with its own source; per gemeente only co-occurrence between areas
(marts.parental_cumulation), recomputed here by hand from marts.indicator_values. Real snapshot data."""

from __future__ import annotations

from collections import defaultdict

import pytest

from kindbelang.registry import load_publications, load_registry

CAVEAT = ("Stapeling tussen gebieden, niet binnen gezinnen: dat een gemeente op meerdere domeinen bij het "
          "ongunstigste vijfde hoort, zegt niet dat dezelfde gezinnen die problemen hebben.")
RVS = "rvs2023_kinderen_uit_de_knel"
SCP = "scp2023_meer_zicht_op_ouders"


def quantile(values: list[float], p: float) -> float:
    """Linear interpolation between order statistics (type 7), written out independently of DuckDB."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * p
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def counted_indicators() -> dict[str, dict]:
    """From the registry file itself: parental indicators with a direction (neutral ones do not count)."""
    return {ind["id"]: ind for ind in load_registry()
            if ind.get("ouderdomein") and ind["status"] != "gap" and ind["direction"] != "neutral"}


def test_national_stapeling_shows_rvs_and_scp_each_with_its_own_source(warehouse):
    publications = load_publications()
    rows = warehouse.execute("""
        SELECT source_table, period, value, unit, source_organisation, source_label, published_wording, source_url
        FROM marts.indicator_values WHERE indicator_id = 'ouders_stapeling_nl' ORDER BY source_table""").fetchall()
    by_source = {r[0]: r for r in rows}
    assert set(by_source) == {RVS, SCP} and len(rows) == 2
    # RVS, Kinderen uit de knel, Figuur 2: 13% of parents with worries or problems in three or more domains.
    _, period, value, unit, organisation, label, _, _ = by_source[RVS]
    assert (period, value, unit) == ("circa 2022", 13.0, "%")
    assert organisation == publications[RVS]["organisation"] == "Raad voor Volksgezondheid & Samenleving (RVS)"
    assert label.startswith("Bron: Raad voor Volksgezondheid & Samenleving (RVS), Kinderen uit de knel")
    # SCP, Meer zicht op ouders, as Trouw renders it: 10 percent of all parents.
    _, period, value, unit, organisation, label, wording, url = by_source[SCP]
    assert value == 10.0 and period.startswith("2022") and wording == "in totaal om 10 procent van alle ouders"
    assert organisation == publications[SCP]["organisation"] == "Sociaal en Cultureel Planbureau (SCP)"
    assert label.startswith("Bron: Sociaal en Cultureel Planbureau (SCP), Meer zicht op ouders") and "trouw.nl" in url
    # Neither is CBS's figure.
    assert all("CBS" not in (r[4] + r[5]) for r in rows)
    # The values are the curated figures as published.
    published = dict(warehouse.execute(f"""
        SELECT source_id, CAST(value AS DOUBLE) FROM raw.publications
        WHERE (source_id = '{RVS}' AND "group" = '3 of meer domeinen'
               AND indicator = 'Ouders naar aantal domeinen met zorgen of problemen')
           OR (source_id = '{SCP}' AND "group" = 'Alle ouders' AND indicator LIKE 'Aandeel ouders met opeenstapeling%')
    """).fetchall())
    assert published == {RVS: 13.0, SCP: 10.0}
    orgs, caveat = warehouse.execute("SELECT source_organisations, caveat FROM marts.indicators "
                                     "WHERE indicator_id = 'ouders_stapeling_nl'").fetchone()
    assert orgs == "Raad voor Volksgezondheid & Samenleving (RVS), Sociaal en Cultureel Planbureau (SCP)"
    # The caveat reconciles the two renderings and names the other SCP wordings with their own population.
    for phrase in ("13% drie of meer", "ruim een op de tien ouders met minderjarige kinderen",
                   "in totaal om 10 procent van alle ouders", "330 000 ouders in 200 000 gezinnen",
                   "beide cijfers worden getoond, elk met de eigen bron", "niet na te rekenen",
                   "SCP, Zicht op zorgen, 2023"):
        assert phrase in caveat, phrase


def test_cumulation_recomputed_by_hand_for_named_gemeenten(warehouse):
    counted = counted_indicators()
    boundary_year = warehouse.execute("SELECT max(boundary_year) FROM marts.indicator_values").fetchone()[0]
    values = warehouse.execute("""
        SELECT indicator_id, region_code, value FROM marts.indicator_values
        WHERE boundary_year = ? AND region_level = 'gemeente' AND period_type = 'jaar' AND year = 2022
          AND value IS NOT NULL AND indicator_id IN (SELECT unnest(?))
    """, [boundary_year, list(counted)]).fetchall()
    per_indicator = defaultdict(dict)
    for indicator, region, value in values:
        per_indicator[indicator][region] = value

    def by_hand(gemeente: str) -> tuple[set[str], set[str]]:
        worst, with_data = set(), set()
        for indicator, by_region in per_indicator.items():
            if gemeente not in by_region:
                continue
            domain, direction = counted[indicator]["ouderdomein"], counted[indicator]["direction"]
            with_data.add(domain)
            v = by_region[gemeente]
            if (direction == "lower_is_better" and v >= quantile(list(by_region.values()), 0.8)) or (
                    direction == "higher_is_better" and v <= quantile(list(by_region.values()), 0.2)):
                worst.add(domain)
        return worst, with_data

    # Rotterdam: worst fifth on debts/income, mental health and justice in 2022; Urk on none of the three.
    for gemeente, expected in (("GM0599", 3), ("GM0184", 0)):
        worst, with_data = by_hand(gemeente)
        row = warehouse.execute("""
            SELECT domains_in_worst_fifth, domains_with_data, worst_fifth_domains, data_domains
            FROM marts.parental_cumulation WHERE gemeente_code = ? AND year = 2022""", [gemeente]).fetchone()
        assert row == (len(worst), len(with_data), sorted(worst), sorted(with_data)), gemeente
        assert len(worst) == expected and len(with_data) == 3, gemeente


def test_worst_fifth_never_exceeds_the_domains_with_data(warehouse):
    bad = warehouse.execute("""
        SELECT count(*) FILTER (WHERE domains_in_worst_fifth > domains_with_data),
               count(*) FILTER (WHERE domains_with_data <> (worst_fifth_schulden_inkomen IS NOT NULL)::INT
                                + (worst_fifth_wonen IS NOT NULL)::INT + (worst_fifth_ggz_gezondheid IS NOT NULL)::INT
                                + (worst_fifth_relaties_scheiding IS NOT NULL)::INT
                                + (worst_fifth_justitie IS NOT NULL)::INT),
               count(*) FILTER (WHERE domains_in_worst_fifth <> len(worst_fifth_domains)),
               count(*)
        FROM marts.parental_cumulation""").fetchone()
    assert bad[:3] == (0, 0, 0) and bad[3] > 3000
    # Every gemeente of the latest boundary year, every year: missing data shows as fewer domains, not as favourable.
    per_year = warehouse.execute("""
        SELECT DISTINCT count(*) FROM marts.parental_cumulation GROUP BY year""").fetchall()
    gemeenten = warehouse.execute("""SELECT count(*) FROM marts.region_memberships
        WHERE boundary_year = (SELECT max(boundary_year) FROM marts.region_memberships)""").fetchone()[0]
    assert per_year == [(gemeenten,)]
    # Amsterdam 2022 has no harmonised value on debts or mental health: 1 domain with data, not 3.
    assert warehouse.execute("SELECT domains_with_data, worst_fifth_schulden_inkomen FROM marts.parental_cumulation "
                             "WHERE gemeente_code = 'GM0363' AND year = 2022").fetchone() == (1, None)


def test_every_row_carries_the_caveat_and_names_its_proxies(warehouse):
    counted = counted_indicators()
    titles = {ind["id"]: ind["title"] for ind in load_registry()}
    rows = warehouse.execute("SELECT caveat, proxy_indicators, indicators_with_data, source_label "
                             "FROM marts.parental_cumulation").fetchall()
    assert rows and all(caveat.startswith(CAVEAT) for caveat, *_ in rows)
    for caveat, proxies, used, label in rows:
        assert set(used) <= set(counted)
        assert set(proxies) == {i for i in used if counted[i]["status"] == "proxy"}
        assert all(titles[i] in caveat for i in proxies)
        # Only CBS tables have values per gemeente; the row names the tables of the indicators it counts.
        assert label.startswith("Bron: CBS, ") and "bewerking kindbelang" in label
        assert all(any(s["table"] in label for s in counted[i]["sources"]) for i in used)
    # Neutral parental indicators (Veilig Thuis) are named as left out and never counted.
    assert "Richting neutraal, dus niet meegeteld: " in rows[0][0]
    assert titles["veilig_thuis_meldingen_per_1000"] in rows[0][0]
    assert warehouse.execute("SELECT count(*) FROM marts.parental_cumulation "
                             "WHERE worst_fifth_relaties_scheiding IS NOT NULL").fetchone()[0] == 0


def test_about_a_fifth_of_gemeenten_is_flagged(warehouse):
    counted = counted_indicators()
    # Per indicator and year, among the gemeenten with a value: between 15% and 25% in the worst fifth.
    per_indicator = warehouse.execute("""
        SELECT i.indicator_id, c.year, avg(list_contains(c.indicators_in_worst_fifth, i.indicator_id)::INT), count(*)
        FROM marts.parental_cumulation AS c, unnest(c.indicators_with_data) AS i(indicator_id)
        GROUP BY ALL""").fetchall()
    assert len(per_indicator) > 40
    for indicator, year, share, _n in per_indicator:
        assert 0.15 <= share <= 0.25, (indicator, year, share)
    # Per domain and year: exactly a fifth where the domain has one indicator that year; a domain flagged on any of
    # several indicators lies between its largest indicator share and the sum of them (e.g. debts/income 2022).
    shares = defaultdict(list)
    for indicator, year, share, _n in per_indicator:
        shares[(counted[indicator]["ouderdomein"], year)].append(share)
    per_domain = warehouse.execute("""
        SELECT d.domain, c.year, avg(list_contains(c.worst_fifth_domains, d.domain)::INT)
        FROM marts.parental_cumulation AS c, unnest(c.data_domains) AS d(domain)
        GROUP BY ALL""").fetchall()
    single = 0
    for domain, year, share in per_domain:
        indicator_shares = shares[(domain, year)]
        if len(indicator_shares) == 1:
            single += 1
            assert 0.15 <= share <= 0.25, (domain, year, share)
        assert max(indicator_shares) - 1e-9 <= share <= min(1.0, sum(indicator_shares)) + 1e-9, (domain, year)
    assert single >= 10
    # Justice (one indicator, all gemeenten) in the latest year: about a fifth.
    justice = [s for d, y, s in per_domain if d == "justitie" and y == max(y for _, y, _ in per_domain)]
    assert justice == [pytest.approx(0.2, abs=0.02)]
