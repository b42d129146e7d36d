"""Blinde vlekken: the indicators of the registry without figures (status gap), in the two groups of gap_limit,
and the proxies (status proxy) that stand in for what is not measured directly."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kindbelang.dashboard.formatting import GAP_LIMITS, STATUS_LABELS

if TYPE_CHECKING:
    from kindbelang.dashboard.builder import SiteBuilder


def context(b: SiteBuilder) -> dict:
    gaps, proxies = [], []
    for ind in b.data.indicators.iter_rows(named=True):
        item = {**ind, "source": b.data.indicator_source(ind["indicator_id"]),
                "status_label": STATUS_LABELS.get(ind["status"], ind["status"])}
        if ind["status"] == "gap":
            gaps.append(item)
        elif ind["status"] == "proxy":
            proxies.append(item)
    # Two groups, as the registry classifies each gap (gap_limit): what no open publication has, and what the
    # snapshot lacks although CBS publishes it.
    groups = [{"limit": limit, "heading": heading, "text": text,
               "gaps": [g for g in gaps if g["gap_limit"] == limit]}
              for limit, (heading, text) in GAP_LIMITS.items()]
    return {"title": "Blinde vlekken", "gaps": gaps, "gap_groups": groups, "proxies": proxies,
            "uses_plotly": False}

