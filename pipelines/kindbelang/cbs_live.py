"""Fetch one CBS StatLine table live (OData v3 bulk feed) into the same RawTable shape as the snapshot.

    fetch_table("82972NED", base_url)       -> RawTable   (the caller writes it with raw_store.write_raw_table)
    fetch_modified(base_url, "82972NED")     -> str        (TableInfos.Modified: the release signal)
    schema_differences(previous, new)        -> list[str]  (columns gone/new/renamed, kind/unit/datatype changes)

Wire: ``<base>/ODataFeed/odata/<TABLE>/<EntitySet>?$format=json`` (cbsodata's BULK convention). Every list is
paged by the server (10,000 rows); ``odata.nextLink`` (absolute) is followed to the end and a link seen before
is refused. TypedDataSet pages after the first are fetched concurrently when the links are predictable
(``$skip=k*page`` and TableInfos.RecordCount known); every page is then checked to link to the next one
exactly as the server said, so the result is the server's own chain, in order, complete.

Types follow DataProperties.Datatype, not JSON inference, so every fetch of a table has the same schema:
``ID`` Int64; dimension columns String (trimmed codes); String -> String (trimmed); Long/Integer/Short/Byte
-> Int64 (a fractional value in such a column is an error, never truncated); Double/Float/Decimal -> Float64.
``null`` stays null (CBS: missing or suppressed, not zero); padded empty strings become "" (as the importer).
"""

from __future__ import annotations

import email.utils
import io
import json
import logging
import math
import os
import random
import re
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone

import polars as pl
import requests
import urllib3

from kindbelang.progress import seconds_nl
from kindbelang.raw_store import DIMENSION_SCHEMA, RawTable, coverage

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://opendata.cbs.nl"
BASE_URL_ENV = "KINDBELANG_CBS_URL"
# The bulk feed (no 10,000-row cap per request, unlike ODataApi), as cbsodata reads it; JSON, not Atom.
BULK_PATH = "ODataFeed/odata"
FORMAT = "json"

DIMENSION_TYPES = ("Cbs.OData.Dimension", "Cbs.OData.GeoDimension", "Cbs.OData.TimeDimension",
                   "Cbs.OData.GeoDetail")  # GeoDetail (WijkenEnBuurten) is a dimension column with a list too
REGION_TYPES = ("Cbs.OData.GeoDimension", "Cbs.OData.GeoDetail")
INTEGER_TYPES = {"Long", "Integer", "Int", "Short", "Byte"}
FLOAT_TYPES = {"Double", "Float", "Decimal", "Single"}
RETRY_STATUS = {429, 500, 502, 503, 504}
_SKIP = re.compile(r"([?&]\$skip=)(\d+)")


class CbsFetchError(RuntimeError):
    """A table could not be fetched completely and consistently; nothing should be written."""

    def __init__(self, table_id: str, url: str, cause: object):
        self.table_id, self.url, self.cause = table_id, url, cause
        super().__init__(f"CBS table {table_id}: {url}: {cause}")


@dataclass(frozen=True)
class FetchPolicy:
    """Timeouts, retries, the deadline and concurrency. Delays are in seconds."""

    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    retries: int = 5  # extra attempts per request after the first
    backoff_base: float = 1.0  # delay before retry n (0-based): base * 2**n, plus up to 25% jitter
    backoff_max: float = 60.0
    max_retry_after: float = 300.0  # a longer Retry-After is an error, not a sleep
    deadline: float = 900.0  # the whole fetch of one table, retries and waits included
    workers: int = 8  # concurrent requests within one table (pages and dimension lists)
    user_agent: str = f"kindbelang/0.1 python-requests/{requests.__version__}"
    # Shared by the tables of one refresh: at most this many requests at once (a threading.Semaphore).
    connections: object = field(default=None, compare=False)
    progress: object = field(default=None, compare=False)  # kindbelang.progress.FetchProgress


def base_url_from_env(environ: dict | None = None) -> str:
    """KINDBELANG_CBS_URL, default https://opendata.cbs.nl (no trailing slash)."""
    return ((environ if environ is not None else os.environ).get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")


def policy_from_env(environ: dict | None = None) -> FetchPolicy:
    """FetchPolicy defaults, overridable for tests and slow links: KINDBELANG_CBS_RETRIES (extra attempts),
    KINDBELANG_CBS_BACKOFF (first retry delay, s), KINDBELANG_CBS_TIMEOUT (read timeout, s),
    KINDBELANG_CBS_DEADLINE (whole table, s)."""
    env = environ if environ is not None else os.environ
    overrides = {}
    for name, field_name, kind in (("KINDBELANG_CBS_RETRIES", "retries", int),
                                   ("KINDBELANG_CBS_BACKOFF", "backoff_base", float),
                                   ("KINDBELANG_CBS_TIMEOUT", "read_timeout", float),
                                   ("KINDBELANG_CBS_DEADLINE", "deadline", float)):
        if env.get(name):
            try:
                overrides[field_name] = kind(env[name])
            except ValueError:
                raise ValueError(f"{name}={env[name]!r} is not a {kind.__name__}") from None
    return FetchPolicy(**overrides)


def entity_url(base_url: str, table_id: str, entity: str) -> str:
    return f"{base_url.rstrip('/')}/{BULK_PATH}/{table_id}/{entity}?$format={FORMAT}"


# --------------------------------------------------------------------------------------------------- HTTP


class DeadlineExceeded(CbsFetchError):
    """The table was not complete within FetchPolicy.deadline (a hanging or very slow server)."""


class _Http:
    """GET with timeouts, retries and one deadline for the whole table; one requests.Session per thread
    (Sessions are not thread-safe). The deadline starts when the table's fetch starts."""

    def __init__(self, table_id: str, policy: FetchPolicy):
        self.table_id, self.policy = table_id, policy
        self.started = time.monotonic()
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers.update({"Accept": "application/json", "User-Agent": self.policy.user_agent})
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        with self._lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()

    def remaining(self, url: str) -> float:
        left = self.policy.deadline - (time.monotonic() - self.started)
        if left <= 0:
            raise DeadlineExceeded(self.table_id, url, f"not complete within the deadline of "
                                   f"{self.policy.deadline:g} s (KINDBELANG_CBS_DEADLINE): the server is not "
                                   "answering or too slow")
        return left

    def get(self, url: str) -> bytes:
        policy = self.policy
        for attempt in range(policy.retries + 1):
            last = attempt == policy.retries
            left = self.remaining(url)
            try:
                response, body = self._request(url, timeout=(min(policy.connect_timeout, left),
                                                             min(policy.read_timeout, left)))
            except (requests.ConnectionError, requests.Timeout, urllib3.exceptions.HTTPError) as exc:
                # refused, reset (before or in the middle of the body), timed out, truncated body
                self.remaining(url)  # a timeout cut short by the deadline is the deadline's error
                if last:
                    raise CbsFetchError(self.table_id, url, f"{type(exc).__name__} after "
                                        f"{attempt + 1} attempts: {exc}") from exc
                self._sleep(attempt, None, url, f"{type(exc).__name__}: {exc}", "geen antwoord")
                continue
            except requests.RequestException as exc:  # invalid URL, too many redirects, ...
                raise CbsFetchError(self.table_id, url, f"{type(exc).__name__}: {exc}") from exc
            status = response.status_code
            if status == 200:
                return body
            reason = f"HTTP {status} {response.reason}: {_snippet(body)}"
            if status not in RETRY_STATUS:
                raise CbsFetchError(self.table_id, url, reason)
            if last:
                raise CbsFetchError(self.table_id, url, f"{reason} (after {attempt + 1} attempts)")
            self._sleep(attempt, response.headers.get("Retry-After"), url, reason, f"HTTP {status}")
        raise AssertionError("unreachable")

    def _request(self, url: str, timeout: tuple[float, float]):
        progress = self.policy.progress
        with self.policy.connections or nullcontext(), (
                progress.waiting(self.table_id, _short(url)) if progress else nullcontext()):
            response = self.session().get(url, timeout=timeout, stream=True)
            try:  # one read of the whole body: much faster than requests' 10 kB iter_content
                return response, response.raw.read(decode_content=True)
            finally:
                response.close()  # the connection is back in the pool once fully read

    def _sleep(self, attempt: int, retry_after: str | None, url: str, reason: str, short_reason: str) -> None:
        policy = self.policy
        delay = _retry_after_seconds(retry_after) if retry_after else None
        if delay is not None and delay > policy.max_retry_after:
            raise CbsFetchError(self.table_id, url, f"{reason}; Retry-After {retry_after!r} exceeds "
                                f"{policy.max_retry_after:g} s")
        if delay is None:
            delay = min(policy.backoff_max, policy.backoff_base * 2**attempt)
            delay += delay * 0.25 * random.random()
        if delay >= self.remaining(url):
            raise DeadlineExceeded(self.table_id, url, f"{reason}; the next retry (in {delay:.1f} s) would pass "
                                   f"the deadline of {policy.deadline:g} s (KINDBELANG_CBS_DEADLINE)")
        # Shown as a progress line when someone watches, else as a warning in the log.
        log.log(logging.INFO if policy.progress else logging.WARNING, "%s: %s -> %s; retry %d/%d in %.2f s",
                self.table_id, url, reason, attempt + 1, policy.retries, delay)
        if policy.progress:
            policy.progress.note(self.table_id, f"{short_reason} op {_short(url)}; opnieuw over "
                                 f"{seconds_nl(delay)} (poging {attempt + 2} van {policy.retries + 1})")
        time.sleep(delay)


def _short(url: str) -> str:
    """The part of a CBS URL that says what is asked: ``TypedDataSet?$skip=10000``."""
    path, _, query = url.partition("?")
    rest = "&".join(q for q in query.split("&") if q and not q.startswith("$format"))
    return path.rstrip("/").rsplit("/", 1)[-1] + (f"?{rest}" if rest else "")


def _retry_after_seconds(value: str) -> float | None:
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _snippet(body: bytes, limit: int = 200) -> str:
    text = body[:limit].decode("utf-8", "replace").replace("\n", " ")
    return text + ("..." if len(body) > limit else "")


# --------------------------------------------------------------------------------------------------- pages


@dataclass
class _Page:
    url: str
    next_link: str | None
    rows: int
    frame: pl.DataFrame | None = None  # TypedDataSet pages
    records: list | None = None  # metadata lists


def _check_next_link(table_id: str, url: str, link: object) -> str | None:
    if link is None:
        return None
    if not isinstance(link, str) or not link.startswith(("http://", "https://")):
        raise CbsFetchError(table_id, url, f"odata.nextLink is not an absolute URL: {link!r}")
    return link


def _parse_records(table_id: str, url: str, body: bytes) -> _Page:
    """A metadata page (TableInfos, DataProperties, dimension list): small, parsed with json."""
    try:
        envelope = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CbsFetchError(table_id, url, f"malformed JSON ({exc}): {_snippet(body)}") from exc
    if not isinstance(envelope, dict) or not isinstance(envelope.get("value"), list):
        raise CbsFetchError(table_id, url, f"no 'value' list in the response: {_snippet(body)}")
    records = envelope["value"]
    if not all(isinstance(r, dict) for r in records):
        raise CbsFetchError(table_id, url, "'value' holds something other than records")
    return _Page(url, _check_next_link(table_id, url, envelope.get("odata.nextLink")), len(records),
                 records=records)


class _DataSetParser:
    """TypedDataSet pages -> polars frames typed by DataProperties, checked against the declared columns."""

    def __init__(self, table_id: str, columns: dict[str, pl.DataType]):
        self.table_id = table_id
        self.columns = columns  # wire dtype per column, ID first
        self.schema = {
            "odata.metadata": pl.String,
            "value": pl.List(pl.Struct(columns)),
            "odata.nextLink": pl.String,
        }

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
        link = _check_next_link(table_id, url, envelope["odata.nextLink"][0])
        if envelope["value"].list.len()[0] == 0:
            return _Page(url, link, 0, frame=pl.DataFrame(schema=self.columns))
        frame = envelope.select(pl.col("value").explode()).unnest("value")
        # With a schema, polars reads a missing key as null. Check the keys of the first and last row of
        # every page exactly (a schema change during a fetch shows on whole pages); if they cannot be
        # located cheaply, check every row with the json module.
        expected = set(self.columns)
        sample = _first_and_last_row(body)
        for index, record in (sample if sample is not None else enumerate(_parse_records(table_id, url, body).records)):
            if record.keys() != expected:
                raise CbsFetchError(table_id, url, f"row {index} does not match DataProperties: "
                                    f"{_key_diff(expected, record.keys())}")
        if frame["ID"].null_count():
            raise CbsFetchError(table_id, url, "rows without ID")
        return _Page(url, link, frame.height, frame=frame)


_VALUE_START = re.compile(rb'"value"\s*:\s*\[\s*')
_DECODER = json.JSONDecoder()


def _row_at(body: bytes, start: int) -> dict | None:
    for end in (start + 65536, len(body)):
        try:
            row, _ = _DECODER.raw_decode(body[start:end].decode("utf-8", "replace"))
        except ValueError:
            continue
        return row if isinstance(row, dict) else None
    return None


def _first_and_last_row(body: bytes) -> list[tuple[str, dict]] | None:
    match = _VALUE_START.search(body)
    last_start = body.rfind(b'{"ID":')  # CBS writes ID first
    if match is None or last_start < match.end():
        return None
    first, last = _row_at(body, match.end()), _row_at(body, last_start)
    if first is None or last is None:
        return None
    return [("first", first), ("last", last)]


def _key_diff(expected: set, got) -> str:
    missing, extra = sorted(expected - set(got)), sorted(set(got) - expected)
    return ", ".join(filter(None, [f"missing {missing}" if missing else "", f"undeclared {extra}" if extra else ""]))


# --------------------------------------------------------------------------------------------------- fetch


class _Fetcher:
    def __init__(self, table_id: str, base_url: str, policy: FetchPolicy):
        self.table_id, self.base_url, self.policy = table_id, base_url.rstrip("/"), policy
        self.http = _Http(table_id, policy)

    def url(self, entity: str) -> str:
        return entity_url(self.base_url, self.table_id, entity)

    def records(self, entity: str, expected: int | None = None) -> list[dict]:
        """A whole metadata entity set. ``expected``: its length in the previous release, so that the pages of
        a long list (WijkenEnBuurten) can be asked for at once; without it they follow one by one."""
        url = self.url(entity)
        first = _parse_records(self.table_id, url, self.http.get(url))
        if first.next_link is None:
            return first.records
        with ThreadPoolExecutor(max_workers=4, thread_name_prefix=f"cbs-{self.table_id}-{entity}") as pool:
            pages = follow_pages(self.table_id, first, expected,
                                 lambda link: _parse_records(self.table_id, link, self.http.get(link)), pool)
        return [record for page in pages for record in page.records]

    def dataset(self, parser: _DataSetParser, first_body: bytes, record_count: int | None,
                pool: ThreadPoolExecutor) -> list[_Page]:
        first = parser.parse(self.url("TypedDataSet"), first_body)
        if self.policy.progress:
            if first.rows and record_count:
                self.policy.progress.pages_expected(self.table_id, math.ceil(record_count / first.rows))
            self.policy.progress.page_done(self.table_id, first.rows)
        return follow_pages(self.table_id, first, record_count,
                            lambda url: self._parsed(parser, url, self.http.get(url)), pool)

    def _parsed(self, parser: _DataSetParser, url: str, body: bytes) -> _Page:
        page = parser.parse(url, body)
        if self.policy.progress:
            self.policy.progress.page_done(self.table_id, page.rows)
        return page


def follow_pages(table_id: str, first, total: int | None, get_page, pool: ThreadPoolExecutor,
                 link_name: str = "odata.nextLink") -> list:
    """All pages of a paged entity set after ``first`` (v3 and v4 alike: pages with url, rows, next_link).

    When the first link is ``$skip = page size`` and ``total`` is known, the remaining links are predicted and
    fetched concurrently, but taken only in chain order while the server's own links agree; the rest follows
    the chain one by one. A link that repeats a page is an error.
    """
    pages, seen = [first], {first.url}
    link = first.next_link
    predicted: list[str] = []
    match = _SKIP.search(link or "")
    if link and match and int(match.group(2)) == first.rows and first.rows and total:
        predicted = [_SKIP.sub(lambda m, k=k: f"{m.group(1)}{k * first.rows}", link, count=1)
                     for k in range(1, math.ceil(total / first.rows))]
    if predicted and predicted[0] == link:
        futures = [pool.submit(get_page, u) for u in predicted]
        try:
            for url, future in zip(predicted, futures):
                if url != link:
                    break
                page = future.result()
                seen.add(link)
                pages.append(page)
                link = page.next_link
                if link is None or link in seen:
                    break
        finally:
            for future in futures:
                future.cancel()
    while link is not None:
        if link in seen:
            raise CbsFetchError(table_id, link, f"{link_name} repeats a page already fetched (from {pages[-1].url})")
        seen.add(link)
        pages.append(get_page(link))
        link = pages[-1].next_link
    return pages


def fetch_table(table_id: str, base_url: str = DEFAULT_BASE_URL, *, policy: FetchPolicy | None = None,
                fetched_at: datetime | None = None, previous: RawTable | None = None) -> RawTable:
    """Fetch ``table_id`` completely from ``base_url`` (e.g. https://opendata.cbs.nl) into a RawTable.

    Two rounds of concurrent requests: TableInfos, DataProperties, the first data page and (known from
    ``previous``, the release stored before) the dimension lists; then every predictable data page and any
    dimension list ``previous`` did not have. Raises CbsFetchError on any failure after retries, malformed
    pages, repeating links or a row count that disagrees with TableInfos.RecordCount. Writes nothing.
    """
    table_id = table_id.upper()
    policy = policy or FetchPolicy()
    fetched_at = fetched_at or datetime.now(timezone.utc)
    fetcher = _Fetcher(table_id, base_url, policy)
    data_url = fetcher.url("TypedDataSet")
    known = _dimension_sizes(previous)
    pool = ThreadPoolExecutor(max_workers=max(1, policy.workers), thread_name_prefix=f"cbs-{table_id}")
    try:
        infos_f = pool.submit(fetcher.records, "TableInfos")
        props_f = pool.submit(fetcher.records, "DataProperties")
        first_f = pool.submit(fetcher.http.get, data_url)
        dim_futures: dict[str, Future] = {d: pool.submit(fetcher.records, d, n) for d, n in known.items()}
        infos, props = infos_f.result(), props_f.result()
        table_infos = _one_table_infos(table_id, fetcher.url("TableInfos"), infos)
        columns, dims = _wire_columns(table_id, fetcher.url("DataProperties"), props)
        for gone in set(dim_futures) - set(dims):  # the previous release had a dimension this one has not
            dim_futures.pop(gone).cancel()
        dim_futures.update({d: pool.submit(fetcher.records, d) for d in dims if d not in dim_futures})
        record_count = table_infos.get("RecordCount")
        record_count = record_count if isinstance(record_count, int) and not isinstance(record_count, bool) else None
        pages = fetcher.dataset(_DataSetParser(table_id, columns), first_f.result(), record_count, pool)
        dim_lists = {d: dim_futures[d].result() for d in dims}
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        fetcher.http.close()
        raise
    pool.shutdown(wait=True)
    fetcher.http.close()

    rows = sum(p.rows for p in pages)
    if record_count is not None and rows != record_count:
        raise CbsFetchError(table_id, data_url, f"received {rows} rows in {len(pages)} pages, "
                            f"TableInfos.RecordCount says {record_count}")
    frames = [p.frame for p in pages if p.rows]
    data = pl.concat(frames, rechunk=True) if frames else pages[0].frame
    if data["ID"].n_unique() != data.height:
        raise CbsFetchError(table_id, data_url, "duplicate row IDs across pages (a page was served twice)")
    data = _finish_types(table_id, data_url, data, props)
    dimensions = dimension_frame(dim_lists)
    region_dim = next((p["Key"] for p in props if p.get("odata.type") in REGION_TYPES and p.get("Key")), None)
    metadata = {
        "table_id": table_id,
        "title": table_infos.get("Title"),
        "table_infos": table_infos,
        "data_properties": props,
        "source": {
            "mode": "live",
            "base_url": base_url.rstrip("/"),
            "fetched_at": fetched_at.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "modified": table_infos.get("Modified"),
            "feed_url": data_url,
            "pages": len(pages),
        },
        "truncation": {"truncated": False, "note": f"Complete: all {rows} rows of the ODataFeed TypedDataSet "
                       f"in {len(pages)} page(s)" + (", equal to TableInfos.RecordCount." if record_count is not None
                                                     else "; TableInfos has no RecordCount to check against.")},
        "row_filters": [],
        "reconstructed": [],
        "coverage": coverage(data, region_dim),
    }
    return RawTable(table_id, data, dimensions, metadata)


def _dimension_sizes(previous: RawTable | None) -> dict[str, int]:
    """Dimension name -> number of codes in the previous release (empty without one)."""
    if previous is None or previous.dimensions.is_empty():
        return {}
    counts = previous.dimensions.group_by("dimension").len()
    return dict(zip(counts["dimension"].to_list(), counts["len"].to_list()))


def fetch_modified(base_url: str, table_id: str, *, policy: FetchPolicy | None = None) -> str:
    """TableInfos.Modified of ``table_id`` (one small request): the release signal for a sensor."""
    table_id = table_id.upper()
    fetcher = _Fetcher(table_id, base_url, policy or FetchPolicy())
    try:
        infos = _one_table_infos(table_id, fetcher.url("TableInfos"), fetcher.records("TableInfos"))
    finally:
        fetcher.http.close()
    modified = infos.get("Modified")
    if not isinstance(modified, str) or not modified:
        raise CbsFetchError(table_id, fetcher.url("TableInfos"), f"TableInfos has no Modified: {modified!r}")
    return modified


def _one_table_infos(table_id: str, url: str, records: list[dict]) -> dict:
    if len(records) != 1:
        raise CbsFetchError(table_id, url, f"TableInfos holds {len(records)} records, expected 1")
    infos = records[0]
    identifier = infos.get("Identifier")
    if isinstance(identifier, str) and identifier.strip().upper() != table_id:
        raise CbsFetchError(table_id, url, f"TableInfos.Identifier is {identifier!r}")
    return infos


def _wire_columns(table_id: str, url: str, props: list[dict]) -> tuple[dict[str, pl.DataType], list[str]]:
    """Columns of TypedDataSet (ID first, DataProperties order) with the dtype to read them as."""
    columns: dict[str, pl.DataType] = {"ID": pl.Int64}
    dims = []
    for prop in props:
        key, kind = prop.get("Key"), prop.get("odata.type")
        if not key or kind == "Cbs.OData.TopicGroup":
            continue
        if key in columns:
            raise CbsFetchError(table_id, url, f"column {key!r} declared twice")
        if kind in DIMENSION_TYPES:
            columns[key] = pl.String
            dims.append(key)
        elif prop.get("Datatype") in INTEGER_TYPES or prop.get("Datatype") in FLOAT_TYPES:
            columns[key] = pl.Float64  # Long as Float64 first: polars would truncate 1.5 to 1 silently
        else:
            if prop.get("Datatype") != "String":
                log.warning("%s: column %s has Datatype %r; read as String", table_id, key, prop.get("Datatype"))
            columns[key] = pl.String
    if len(columns) == 1:
        raise CbsFetchError(table_id, url, "DataProperties declares no columns")
    return columns, dims


def _finish_types(table_id: str, url: str, data: pl.DataFrame, props: list[dict]) -> pl.DataFrame:
    exprs = [pl.col(pl.String).str.strip_chars()]
    for prop in props:
        key = prop.get("Key")
        if key and prop.get("odata.type") not in DIMENSION_TYPES and prop.get("Datatype") in INTEGER_TYPES:
            values = data[key].drop_nulls()
            if values.len() and not ((values % 1 == 0) & values.is_finite()).all():
                bad = values.filter((values % 1 != 0) | ~values.is_finite())[0]
                raise CbsFetchError(table_id, url, f"column {key!r} is {prop.get('Datatype')} but holds {bad}")
            exprs.append(pl.col(key).cast(pl.Int64))
    return data.with_columns(exprs)


def dimension_frame(dim_lists: dict[str, list[dict]], key_field: str = "Key") -> pl.DataFrame:
    """Dimension lists in the raw store's long shape (v3 names the code Key, v4 Identifier)."""
    rows = {name: [] for name in DIMENSION_SCHEMA}
    for dimension, records in dim_lists.items():
        for record in records:
            rows["dimension"].append(dimension)
            rows["key"].append(record.get(key_field))
            rows["title"].append(record.get("Title"))
            rows["description"].append(record.get("Description"))
            rows["status"].append(record.get("Status"))
    frame = pl.DataFrame(rows, schema=DIMENSION_SCHEMA)
    return frame.with_columns(pl.col("key", "title", "description", "status").str.strip_chars())


# --------------------------------------------------------------------------------------------------- schema


def _columns(table: RawTable) -> dict[str, dict]:
    props = {p["Key"]: p for p in table.metadata.get("data_properties") or []
             if p.get("Key") and p.get("odata.type") != "Cbs.OData.TopicGroup"}
    for column in table.data.columns:  # columns present in the data but not declared
        if column != "ID" and column not in props:
            props[column] = {"Key": column}
    for key in list(props):
        if key not in table.data.columns and table.data.width:
            props[key] = {**props[key], "_absent_from_data": True}
    return props


def _describe(prop: dict) -> str:
    kind = (prop.get("odata.type") or "column").removeprefix("Cbs.OData.")
    unit = f", unit {prop['Unit']!r}" if prop.get("Unit") else ""
    return f"{kind}{unit}"


def schema_differences(previous: RawTable, new: RawTable) -> list[str]:
    """Human-readable differences in columns and their meaning between two releases of a table."""
    old, cur = _columns(previous), _columns(new)
    # Units and types that kindbelang reconstructed for the snapshot are not CBS's word: compare names only.
    compare_properties = not any(r.startswith("DataProperties: reconstructed")
                                 for r in previous.metadata.get("reconstructed", []))
    gone = [k for k in old if k not in cur]
    added = [k for k in cur if k not in old]
    messages = []

    # Renames: dimensions of the same kind; topics whose name differs only in the _<n> suffix.
    def stem(key: str) -> str:
        return re.sub(r"_\d+$", "", key)

    for key in list(gone):
        kind = old[key].get("odata.type")
        if kind in DIMENSION_TYPES:
            candidates = [k for k in added if cur[k].get("odata.type") == kind]
        else:
            candidates = [k for k in added if cur[k].get("odata.type") not in DIMENSION_TYPES
                          and stem(k) == stem(key)]
        if len(candidates) == 1:
            new_key = candidates[0]
            label = "dimension" if kind in DIMENSION_TYPES else "column"
            messages.append(f"{label} renamed: {key} -> {new_key} ({_describe(cur[new_key])})")
            gone.remove(key)
            added.remove(new_key)
            if compare_properties:
                messages.extend(_prop_changes(new_key, old[key], cur[new_key]))
    messages.extend(f"column gone: {k} ({_describe(old[k])}, title {old[k].get('Title')!r})" for k in gone)
    messages.extend(f"new column: {k} ({_describe(cur[k])}, title {cur[k].get('Title')!r})" for k in added)
    for key in old:
        if key in cur and compare_properties:
            messages.extend(_prop_changes(key, old[key], cur[key]))
    return messages


def _prop_changes(key: str, before: dict, after: dict) -> list[str]:
    out = []
    for field, label in (("odata.type", "kind"), ("Unit", "unit"), ("Datatype", "datatype")):
        a, b = before.get(field), after.get(field)
        if a is not None and b is not None and a != b:
            out.append(f"{label} of {key} changed: {a!r} -> {b!r}")
        elif field == "Unit" and (a is None) != (b is None) and before.get("odata.type") == "Cbs.OData.Topic":
            out.append(f"unit of {key} changed: {a!r} -> {b!r}")
    if after.get("_absent_from_data") and not before.get("_absent_from_data"):
        out.append(f"column {key} is declared in DataProperties but absent from the data")
    return out
