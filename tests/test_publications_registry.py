"""publications.yaml: every curated source has exactly its citation fields, each filled (a comma inside an
unquoted YAML flow mapping once split one 'via' into stray keys and cut the Bron line short)."""

from __future__ import annotations

from kindbelang.registry import load_publications


def test_every_publication_has_exactly_its_citation_fields():
    for source_id, pub in load_publications().items():
        assert set(pub) <= {"organisation", "title", "year", "via"}, (source_id, sorted(pub))
        assert {"organisation", "title", "year"} <= set(pub), source_id
        assert all(value not in (None, "") for value in pub.values()), source_id
    via = load_publications()["scp2023_meer_zicht_op_ouders"]["via"]
    assert via == "nieuwsberichten (trouw.nl, ajnjeugdartsen.nl, goab.eu)"
