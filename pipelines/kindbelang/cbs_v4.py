"""Fetch one CBS StatLine table live from the OData v4 API (datasets.cbs.nl) into the same RawTable shape as v3.

    fetch_table_v4("80072NED", base_url)     -> RawTable   (the caller writes it with raw_store.write_raw_table)
    fetch_modified_v4(base_url, "80072NED")  -> str        (Properties.Modified: the release signal)

Wire: ``<base>/CBS/<TABLE>/<EntitySet>``, base e.g. https://datasets.cbs.nl/odata/v1 (KINDBELANG_CBS_V4_URL).
Read: Properties (a singleton object), Dimensions, MeasureCodes, ``<Dim>Codes`` per dimension and Observations
(long: Id, Measure, Value, ValueAttribute, one column per dimension) asked with ``$count=true``. Lists are
paged by the server with ``@odata.nextLink``: a link must stay on the same server and entity set of this table
and may not repeat; the observations received must equal ``@odata.count``. Properties, Dimensions,
MeasureCodes and the first Observations page are requested together, the code lists as soon as Dimensions is
in, and later Observations pages concurrently when their ``$skip`` links are predictable (each page must still
link to the next exactly as the server said). HTTP, retries and errors are cbs_live's.

Shape (v3's TypedDataSet, so everything after the fetch is shared with v3):
  data         ``ID`` (Int64, row number in CBS's Observations order), one String column per dimension (trimmed
               codes, Dimensions order), one column per measure named by MeasureCodes.Identifier (DataType
               Long/Integer -> Int64, a fraction there is an error; Float/Double -> Float64; String -> String
               from StringValue), then ``<Measure>__attribute`` per measure (String).
  attributes   ValueAttribute "None" is an ordinary value: the attribute column is null. Any other attribute
               (Impossible, Confidential, Missing, ...) nulls the value and is kept verbatim in the attribute
               column; metadata.value_attributes counts them. v4 leaves out empty cells: a dimension
               combination without any observation has no row (v3 gives a row of nulls) and a measure without
               observations is an all-null column.
  dimensions   every ``<Dim>Codes`` list: key = Identifier, title, description, status (PeriodenCodes.Status:
               the release status per period, as v3's Perioden list).
  metadata     table_infos = Properties; data_properties = v3-style records (odata.type ``Cbs.OData.<Kind>`` for
               dimensions, ``Cbs.OData.Topic`` for measures; Key, Title, Description, Unit, Decimals and
               Datatype in v3's words), so schema_differences and raw.cbs_columns work unchanged; the v4
               records as received under ``v4``; source (api "v4"), truncation, coverage.
"""

from __future__ import annotations

import io
import json
import logging
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import polars as pl

from kindbelang.cbs_live import CbsFetchError, FetchPolicy, _Http, _snippet, dimension_frame, follow_pages
from kindbelang.raw_store import DIMENSION_SCHEMA, REGION_DIMENSIONS, RawTable, coverage

log = logging.getLogger(__name__)

DEFAULT_V4_URL = "https://datasets.cbs.nl/odata/v1"
V4_URL_ENV = "KINDBELANG_CBS_V4_URL"
CATALOG = "CBS"
ATTRIBUTE_SUFFIX = "__attribute"
ORDINARY = "None"  # ValueAttribute of an ordinary value

KIND_TYPES = {"Dimension": "Cbs.OData.Dimension", "GeoDimension": "Cbs.OData.GeoDimension",
              "GeoDetail": "Cbs.OData.GeoDetail", "TimeDimension": "Cbs.OData.TimeDimension"}
REGION_KINDS = ("GeoDimension", "GeoDetail")
INTEGER_TYPES = {"long", "integer", "int", "int16", "int32", "int64", "short", "byte"}
FLOAT_TYPES = {"float", "double", "decimal", "single", "number"}
STRING_TYPES = {"string", "text"}
# Observation fields that are not dimensions: a dimension of that name would be ambiguous.
OBSERVATION_FIELDS = ("Id", "Measure", "Value", "ValueAttribute", "StringValue")


def v4_base_url_from_env(environ: dict | None = None) -> str:
    """KINDBELANG_CBS_V4_URL, default https://datasets.cbs.nl/odata/v1 (no trailing slash)."""
    return ((environ if environ is not None else os.environ).get(V4_URL_ENV) or DEFAULT_V4_URL).rstrip("/")


def v4_entity_url(base_url: str, table_id: str, entity: str, query: str = "") -> str:
    return f"{base_url.rstrip('/')}/{CATALOG}/{table_id}/{entity}{query}"


# --------------------------------------------------------------------------------------------------- pages


def _json(table_id: str, url: str, body: bytes):
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CbsFetchError(table_id, url, f"malformed JSON ({exc}): {_snippet(body)}") from exc


class _Links:
    """Checks that an @odata.nextLink stays on this server, table and entity set (relative links resolved)."""

    def __init__(self, table_id: str, base_url: str):
        self.table_id, self.base_url = table_id, base_url

    def check(self, entity: str, url: str, link: object) -> str | None:
        if link is None:
            return None
        if not isinstance(link, str) or not link:
            raise CbsFetchError(self.table_id, url, f"@odata.nextLink is not a URL: {link!r}")
        absolute = urljoin(url, link)
        got, want = urlsplit(absolute), urlsplit(v4_entity_url(self.base_url, self.table_id, entity))
        if ((got.scheme, got.netloc.lower()) != (want.scheme, want.netloc.lower())
                or got.path.rstrip("/").lower() != want.path.lower()):
            raise CbsFetchError(self.table_id, url, f"@odata.nextLink leaves {entity} of {self.table_id} on "
                                f"{self.base_url}: {link!r}")
        return absolute


@dataclass
class _Page:
    url: str
    next_link: str | None
    rows: int
    count: int | None = None  # @odata.count, when the page carries it
    frame: pl.DataFrame | None = None


class _ObservationParser:
    """Observations pages -> polars frames (fields typed up front; required fields checked for nulls)."""

    def __init__(self, table_id: str, dims: list[str], links: _Links):
        self.table_id, self.dims, self.links = table_id, dims, links
        self.fields = {"Id": pl.Int64, "Measure": pl.String, "Value": pl.Float64, "ValueAttribute": pl.String,
                       "StringValue": pl.String, **{d: pl.String for d in dims}}
        self.schema = {"@odata.context": pl.String, "@odata.count": pl.Int64,
                       "value": pl.List(pl.Struct(self.fields)), "@odata.nextLink": pl.String}

    def parse(self, url: str, body: bytes) -> _Page:
        table_id = self.table_id
        try:
            envelope = pl.read_json(io.BytesIO(body), schema=self.schema)
        except Exception as exc:  # polars raises ComputeError & co. on bad JSON / wrong types
            first_line = str(exc).splitlines()[0] if str(exc) else ""
            raise CbsFetchError(table_id, url, f"malformed JSON page ({type(exc).__name__}: {first_line}): "
                                f"{_snippet(body)}") from exc
        if envelope.height != 1 or envelope["value"].null_count():
            raise CbsFetchError(table_id, url, f"no 'value' list in the response: {_snippet(body)}")
        link = self.links.check("Observations", url, envelope["@odata.nextLink"][0])
        count = envelope["@odata.count"][0]
        if envelope["value"].list.len()[0] == 0:
            return _Page(url, link, 0, count, pl.DataFrame(schema=self.fields))
        frame = envelope.select(pl.col("value").explode()).unnest("value")
        # With a schema polars reads a missing key as null: a renamed or dropped dimension shows here.
        for column in ("Id", "Measure", *self.dims):
            missing = frame[column].null_count()
            if missing:
                raise CbsFetchError(table_id, url, f"{missing} of {frame.height} observations have no {column!r}")
        return _Page(url, link, frame.height, count, frame)


class _Fetcher:
    def __init__(self, table_id: str, base_url: str, policy: FetchPolicy):
        self.table_id, self.base_url = table_id, base_url
        self.http = _Http(table_id, policy)
        self.links = _Links(table_id, base_url)

    def url(self, entity: str, query: str = "") -> str:
        return v4_entity_url(self.base_url, self.table_id, entity, query)

    def properties(self) -> dict:
        url = self.url("Properties")
        doc = _json(self.table_id, url, self.http.get(url))
        if not isinstance(doc, dict) or "value" in doc:
            raise CbsFetchError(self.table_id, url, "Properties is not a single object: "
                                f"{_snippet(json.dumps(doc).encode())}")
        identifier = doc.get("Identifier")
        if not isinstance(identifier, str) or identifier.strip().upper() != self.table_id:
            raise CbsFetchError(self.table_id, url, f"Properties.Identifier is {identifier!r}")
        return {k: v for k, v in doc.items() if not k.startswith("@odata.")}

    def records(self, entity: str) -> list[dict]:
        """A whole (small) entity set, following nextLinks sequentially."""
        url, seen, out = self.url(entity), set(), []
        while url is not None:
            seen.add(url)
            envelope = _json(self.table_id, url, self.http.get(url))
            if not isinstance(envelope, dict) or not isinstance(envelope.get("value"), list):
                raise CbsFetchError(self.table_id, url, "no 'value' list in the response: "
                                    f"{_snippet(json.dumps(envelope).encode())}")
            if not all(isinstance(r, dict) for r in envelope["value"]):
                raise CbsFetchError(self.table_id, url, "'value' holds something other than records")
            out.extend(envelope["value"])
            link = self.links.check(entity, url, envelope.get("@odata.nextLink"))
            if link in seen:
                raise CbsFetchError(self.table_id, link, f"@odata.nextLink repeats a page already fetched "
                                    f"(from {url})")
            url = link
        return out

    def observations(self, parser: _ObservationParser, first_url: str, first_body: bytes,
                     pool: ThreadPoolExecutor) -> list[_Page]:
        first = parser.parse(first_url, first_body)
        return follow_pages(self.table_id, first, first.count, lambda url: self._page(parser, url), pool,
                            link_name="@odata.nextLink")

    def _page(self, parser: _ObservationParser, url: str) -> _Page:
        return parser.parse(url, self.http.get(url))


# --------------------------------------------------------------------------------------------------- fetch


def fetch_table_v4(table_id: str, base_url: str | None = None, *, policy: FetchPolicy | None = None,
                   fetched_at: datetime | None = None) -> RawTable:
    """Fetch ``table_id`` completely from the v4 API at ``base_url`` (default KINDBELANG_CBS_V4_URL) into a RawTable.

    Raises CbsFetchError on any failure after retries, malformed pages, links that repeat or leave the table,
    an observation count that disagrees with @odata.count, or observations that contradict the metadata
    (undeclared measure or code, two values for one cell). Writes nothing.
    """
    table_id = table_id.upper()
    base_url = (base_url or v4_base_url_from_env()).rstrip("/")
    policy = policy or FetchPolicy()
    fetched_at = fetched_at or datetime.now(timezone.utc)
    fetcher = _Fetcher(table_id, base_url, policy)
    data_url = fetcher.url("Observations", "?$count=true")
    pool = ThreadPoolExecutor(max_workers=max(1, policy.workers), thread_name_prefix=f"cbs4-{table_id}")
    try:
        properties_f = pool.submit(fetcher.properties)
        dimensions_f = pool.submit(fetcher.records, "Dimensions")
        measures_f = pool.submit(fetcher.records, "MeasureCodes")
        first_f = pool.submit(fetcher.http.get, data_url)
        dimensions = _checked_dimensions(table_id, fetcher.url("Dimensions"), dimensions_f.result())
        dims = [d["Identifier"] for d in dimensions]
        code_futures: dict[str, Future] = {d: pool.submit(fetcher.records, f"{d}Codes") for d in dims}
        measures = _checked_measures(table_id, fetcher.url("MeasureCodes"), measures_f.result(), dims)
        properties = properties_f.result()
        pages = fetcher.observations(_ObservationParser(table_id, dims, fetcher.links), data_url,
                                     first_f.result(), pool)
        codes = {d: f.result() for d, f in code_futures.items()}
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        fetcher.http.close()
        raise
    pool.shutdown(wait=True)
    fetcher.http.close()

    received = sum(p.rows for p in pages)
    count = pages[0].count
    for page in pages[1:]:
        if page.count is not None and count is not None and page.count != count:
            raise CbsFetchError(table_id, page.url, f"@odata.count changed during the fetch: {count} on the "
                                f"first page, {page.count} here (a new release?)")
    if count is not None and received != count:
        raise CbsFetchError(table_id, data_url, f"received {received} observations in {len(pages)} pages, "
                            f"@odata.count says {count}")
    observations = pl.concat([p.frame for p in pages], rechunk=True)
    code_lists = {d: _codes(table_id, fetcher.url(f"{d}Codes"), records) for d, records in codes.items()}
    datatypes = {m["Identifier"]: _datatype(table_id, m) for m in measures}
    data, attribute_counts = _pivot(table_id, data_url, observations, dims, measures, datatypes, code_lists)

    kinds = {d["Identifier"]: d.get("Kind") for d in dimensions}
    region_dim = next((d for d in dims if kinds[d] in REGION_KINDS), None) or next(
        (d for d in dims if d in REGION_DIMENSIONS), None)
    rows = data.height
    metadata = {
        "table_id": table_id,
        "title": properties.get("Title"),
        "table_infos": properties,
        "data_properties": _data_properties(dimensions, measures, datatypes),
        "source": {
            "mode": "live",
            "api": "v4",
            "base_url": base_url,
            "fetched_at": fetched_at.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "modified": properties.get("Modified"),
            "feed_url": data_url,
            "pages": len(pages),
            "observations": received,
        },
        "truncation": {"truncated": False, "note": (
            f"Complete: all {received} observations of the v4 Observations in {len(pages)} page(s)"
            + (", equal to @odata.count" if count is not None else "; the server gave no @odata.count to check against")
            + f"; pivoted to {rows} rows x {len(measures)} measures.")},
        "row_filters": [],
        "reconstructed": [],
        "value_attributes": {
            "columns": {m["Identifier"]: m["Identifier"] + ATTRIBUTE_SUFFIX for m in measures},
            "counts": attribute_counts,
            "note": f"ValueAttribute other than {ORDINARY!r}: the value is null and the attribute is kept in "
                    f"<Measure>{ATTRIBUTE_SUFFIX}. Cells CBS v4 leaves out (no observation) are null with a null "
                    "attribute.",
        },
        "v4": {"dimensions": dimensions, "measure_codes": measures},
        "coverage": coverage(data, region_dim),
    }
    return RawTable(table_id, data, dimension_frame(code_lists, key_field="Identifier"), metadata)


def fetch_modified_v4(base_url: str, table_id: str, *, policy: FetchPolicy | None = None) -> str:
    """Properties.Modified of ``table_id`` (one small request): the release signal for a sensor."""
    table_id = table_id.upper()
    fetcher = _Fetcher(table_id, base_url.rstrip("/"), policy or FetchPolicy())
    try:
        modified = fetcher.properties().get("Modified")
    finally:
        fetcher.http.close()
    if not isinstance(modified, str) or not modified:
        raise CbsFetchError(table_id, fetcher.url("Properties"), f"Properties has no Modified: {modified!r}")
    return modified


def _identifiers(table_id: str, url: str, records: list[dict], what: str) -> list[str]:
    ids = [r.get("Identifier") for r in records]
    bad = [i for i in ids if not isinstance(i, str) or not i.strip() or i != i.strip()]
    if bad:
        raise CbsFetchError(table_id, url, f"{what} without a usable Identifier: {bad[:5]}")
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise CbsFetchError(table_id, url, f"{what} declared twice: {twice}")
    return ids


def _checked_dimensions(table_id: str, url: str, records: list[dict]) -> list[dict]:
    dims = _identifiers(table_id, url, records, "dimension")
    clash = [d for d in dims if d in OBSERVATION_FIELDS or d == "ID"]
    if clash:
        raise CbsFetchError(table_id, url, f"dimension named like an observation field: {clash}")
    for record in records:
        if record.get("Kind") not in KIND_TYPES:
            log.warning("%s: dimension %s has Kind %r; taken as a plain dimension", table_id,
                        record["Identifier"], record.get("Kind"))
    return records


def _checked_measures(table_id: str, url: str, records: list[dict], dims: list[str]) -> list[dict]:
    ids = _identifiers(table_id, url, records, "measure")
    if not ids:
        raise CbsFetchError(table_id, url, "MeasureCodes declares no measures")
    columns = {"ID", *dims, *ids}
    clash = [i for i in ids if i in dims or i == "ID" or i + ATTRIBUTE_SUFFIX in columns]
    if clash:
        raise CbsFetchError(table_id, url, f"measure identifiers clash with other columns: {clash}")
    # Index is CBS's display order; a record without one keeps its place after those with one.
    return sorted(records, key=lambda r: (not isinstance(r.get("Index"), int), r.get("Index") or 0))


def _codes(table_id: str, url: str, records: list[dict]) -> list[dict]:
    raw = [r.get("Identifier") for r in records]
    if not all(isinstance(c, str) and c.strip() for c in raw):
        raise CbsFetchError(table_id, url, "codes without an Identifier")
    trimmed = [c.strip() for c in raw]
    if len(set(trimmed)) != len(trimmed):
        raise CbsFetchError(table_id, url, "a code is listed twice")
    return records


def _datatype(table_id: str, measure: dict) -> str:
    """v4 DataType in v3's words (DataProperties.Datatype)."""
    kind = str(measure.get("DataType") or "").lower()
    if kind in INTEGER_TYPES:
        return "Long"
    if kind in FLOAT_TYPES:
        return "Double"
    if kind in STRING_TYPES:
        return "String"
    log.warning("%s: measure %s has DataType %r; read as Double", table_id, measure["Identifier"],
                measure.get("DataType"))
    return "Double"


def _pivot(table_id: str, url: str, obs: pl.DataFrame, dims: list[str], measures: list[dict],
           datatypes: dict[str, str], code_lists: dict[str, list[dict]]) -> tuple[pl.DataFrame, dict]:
    """Long observations -> one row per dimension combination, one column (and attribute column) per measure."""
    if obs["Id"].n_unique() != obs.height:
        raise CbsFetchError(table_id, url, "duplicate observation Ids across pages (a page was served twice)")
    obs = obs.with_columns(pl.col("Measure", *dims).str.strip_chars())
    declared = {m["Identifier"] for m in measures}
    undeclared = sorted(set(obs["Measure"].unique().to_list()) - declared)
    if undeclared:
        raise CbsFetchError(table_id, url, f"observations of measures not in MeasureCodes: {undeclared[:10]}")
    for dim in dims:
        known = {r["Identifier"].strip() for r in code_lists[dim]}
        unknown = sorted(set(obs[dim].unique().to_list()) - known)
        if unknown:
            raise CbsFetchError(table_id, url, f"observations use {dim} codes not in {dim}Codes: {unknown[:10]}")
    doubled = obs.filter(pl.struct("Measure", *dims).is_duplicated())
    if doubled.height:
        example = doubled.row(0, named=True)
        cell = ", ".join(f"{k}={example[k]}" for k in ("Measure", *dims))
        raise CbsFetchError(table_id, url, f"{doubled.height} observations share a cell, e.g. {cell}")

    special = pl.col("ValueAttribute").is_not_null() & (pl.col("ValueAttribute") != ORDINARY)
    obs = obs.sort("Id").with_columns(pl.when(special).then(pl.col("ValueAttribute")).alias("_attribute"))
    data = obs.select(dims).unique(maintain_order=True).with_row_index("ID").with_columns(pl.col("ID").cast(pl.Int64))
    by_measure = obs.partition_by("Measure", as_dict=True, include_key=False)
    attribute_counts: dict[str, dict[str, int]] = {}
    for measure in measures:
        key = measure["Identifier"]
        datatype = datatypes[key]
        part = by_measure.get((key,), pl.DataFrame(schema={**obs.schema}).drop("Measure"))
        source = pl.col("StringValue") if datatype == "String" else pl.col("Value")
        value = pl.when(pl.col("_attribute").is_null()).then(source)
        if datatype == "Long":
            values = part.filter(pl.col("_attribute").is_null())["Value"].drop_nulls()
            bad = values.filter((values % 1 != 0) | ~values.is_finite())
            if bad.len():
                raise CbsFetchError(table_id, url, f"measure {key!r} is {measure.get('DataType')} but holds {bad[0]}")
            value = value.cast(pl.Int64)
        part = part.select(*dims, value.alias(key), pl.col("_attribute").alias(key + ATTRIBUTE_SUFFIX))
        data = data.join(part, on=dims, how="left")
        counts = part[key + ATTRIBUTE_SUFFIX].drop_nulls().value_counts(sort=True)
        if counts.height:
            attribute_counts[key] = {row[0]: row[1] for row in counts.iter_rows()}
    keys = [m["Identifier"] for m in measures]
    data = data.sort("ID").select("ID", *dims, *keys, *(k + ATTRIBUTE_SUFFIX for k in keys))
    return data, attribute_counts


def _data_properties(dimensions: list[dict], measures: list[dict], datatypes: dict[str, str]) -> list[dict]:
    """v3-style DataProperties: what schema_differences and raw.cbs_columns read (odata.type, Key, Unit, ...)."""
    props = []
    for record in dimensions:
        props.append({"odata.type": KIND_TYPES.get(record.get("Kind"), "Cbs.OData.Dimension"),
                      "Position": len(props), "Key": record["Identifier"], "Title": record.get("Title"),
                      "Description": record.get("Description"), "MapYear": record.get("MapYear"),
                      "ReleasePolicy": record.get("ReleasePolicy")})
    for record in measures:
        props.append({"odata.type": "Cbs.OData.Topic", "Position": len(props), "Key": record["Identifier"],
                      "Title": record.get("Title"), "Description": record.get("Description"),
                      "Datatype": datatypes[record["Identifier"]],
                      "Unit": record.get("Unit"), "Decimals": record.get("Decimals"),
                      "PresentationType": record.get("PresentationType"),
                      "MeasureGroupId": record.get("MeasureGroupId")})
    return props
