"""A local stand-in for opendata.cbs.nl (OData v3 bulk feed) serving the committed snapshot tables.

Wire format as recorded from CBS (../shared/docs/cbs-odata-v3.md):
  <base>/ODataFeed/odata/<T>/?$format=json            service document: [{"name", "url"}, ...]
  <base>/ODataFeed/odata/<T>/<EntitySet>?$format=json  {"odata.metadata": ..., "value": [...], "odata.nextLink"?}
with entity sets TableInfos (one record, configurable Modified, RecordCount = rows served), DataProperties,
CategoryGroups (empty), TypedDataSet (ID first, dimension keys padded to a fixed width per dimension, text
topics padded, null for missing), UntypedDataSet (every value a right-aligned string, "." for missing) and one
list per dimension ({Key (padded), Title, Description, CategoryGroupID}, plus Status for the time dimension).
Every list is paged (default 10,000 rows) with an absolute nextLink
``<base>/ODataFeed/odata/<T>/<EntitySet>?$format=json&$skip=N``. Table ids and path prefixes are
case-insensitive. Also ``<base>/ODataCatalog/Tables?$format=json``.

Faults (add_fault): HTTP status N times (500, 503, 429 + Retry-After), connection reset before a response or
in the middle of the body, malformed JSON, a page without "value", a repeating nextLink, a delay. Table options
(serve): Modified, page size, dropped column (still declared in DataProperties or not), RecordCount override,
period status, and a row-repetition factor for synthetic benchmark tables (marked "[SYNTHETIC xN]" in the
title and in TableInfos["Synthetic"]; IDs renumbered). Server option ``latency``: seconds slept before every
response (a remote host's round trip; also ``--latency``). ``GET <base>/__stats`` (no latency, not logged) gives
``{"requests": N}``, the number of requests logged so far, for benchmarks that run the server in a subprocess.

Use in tests: ``from cbs_server import CbsTestServer`` (fixture ``cbs_server`` in tests/conftest_cbs.py).
Standalone: ``python tests/cbs_server.py --table 84134NED [--table ...] [--latency 0.3] [--repeat 12]`` prints the
base URL and serves until stdin closes or it is killed. Without --repeat (default 1) the committed snapshot tables
are served unchanged; every --table is rendered before the URL is printed (any other snapshot table on demand).
"""

from __future__ import annotations

import argparse
import json
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import polars as pl

from kindbelang.raw_store import RawTable, read_raw_table

SNAPSHOT_ROOT = Path(__file__).resolve().parents[1] / "data" / "snapshot"
DEFAULT_MODIFIED = "2025-01-15T02:00:00"
DIMENSION_TYPES = ("Cbs.OData.Dimension", "Cbs.OData.GeoDimension", "Cbs.OData.TimeDimension",
                   "Cbs.OData.GeoDetail")
AUTO = object()
FAULT_KINDS = ("status", "reset", "reset_midbody", "malformed", "no_value", "repeat_next", "delay")


@lru_cache(maxsize=None)
def _snapshot(root: Path, table_id: str) -> RawTable:
    return read_raw_table(root, table_id)


@dataclass
class Fault:
    kind: str
    table: str | None = None  # None: any table
    entity: str | None = "TypedDataSet"  # None: any entity set ("" is the service document)
    skip: int | None = None  # None: any page
    times: int | None = 1  # None: every matching request
    status: int = 500
    retry_after: str | None = None
    next_skip: int | None = None  # repeat_next: the $skip the bad link points to (default: the page itself)
    seconds: float = 0.0  # delay
    hits: int = 0

    def matches(self, table: str, entity: str, skip: int) -> bool:
        return ((self.times is None or self.hits < self.times)
                and (self.table is None or self.table.upper() == table)
                and (self.entity is None or self.entity.lower() == entity.lower())
                and (self.skip is None or self.skip == skip))


@dataclass
class TableOptions:
    modified: str | None = None  # None: the snapshot's, else DEFAULT_MODIFIED
    page_size: int | None = None  # None: the server's
    repeat: int = 1
    drop_column: str | None = None
    drop_declared: bool = False  # True: the column stays in DataProperties but is missing from the rows
    record_count: object = AUTO  # AUTO: rows served; None: no RecordCount; int: that
    period_status: dict[str, str] = field(default_factory=dict)  # Perioden key -> Status


@dataclass
class LoggedRequest:
    path: str
    table: str | None
    entity: str | None
    skip: int
    outcome: str  # "200", "404", "fault:reset", ...
    at: float


class _Table:
    """One served table: wire frames and rendered pages (cached)."""

    def __init__(self, server: "CbsTestServer", table_id: str, raw: RawTable, options: TableOptions):
        self.server, self.id, self.options = server, table_id, options
        data, props = raw.data, [dict(p) for p in raw.metadata["data_properties"]]
        if options.repeat > 1:
            data = pl.concat([data] * options.repeat).with_columns(pl.int_range(0, pl.len(), dtype=pl.Int64).alias("ID"))
        if options.drop_column:
            if options.drop_column not in data.columns:
                raise KeyError(f"{table_id} has no column {options.drop_column}")
            data = data.drop(options.drop_column)
            if not options.drop_declared:
                props = [p for p in props if p.get("Key") != options.drop_column]
        self.props = props
        self.rows = data.height
        infos = dict(raw.metadata["table_infos"])
        infos["Identifier"] = infos.get("Identifier") or table_id
        infos["Modified"] = options.modified or infos.get("Modified") or DEFAULT_MODIFIED
        if options.record_count is AUTO:
            infos["RecordCount"] = self.rows
        elif options.record_count is None:
            infos.pop("RecordCount", None)
        else:
            infos["RecordCount"] = options.record_count
        if options.repeat > 1:
            infos["Title"] = f"[SYNTHETIC x{options.repeat}] {infos.get('Title')}"
            infos["Synthetic"] = (f"Benchmark table: the snapshot rows repeated {options.repeat} times, IDs "
                                  "renumbered. Not CBS data as published.")
        self.infos = infos
        kinds = {p["Key"]: p.get("odata.type") for p in props if p.get("Key")}
        self.dims = [k for k, kind in kinds.items() if kind in DIMENSION_TYPES]
        dim_frame = raw.dimensions
        widths = {}
        for dim in self.dims:
            keys = pl.concat([dim_frame.filter(pl.col("dimension") == dim)["key"],
                              data[dim] if dim in data.columns else pl.Series([], dtype=pl.String)])
            longest = int(keys.str.len_chars().max() or 0)
            # CBS pads codes to a fixed width per dimension: regions to 10 ("GM0363    "), periods not at all.
            widths[dim] = (max(10, longest) if kinds[dim] in ("Cbs.OData.GeoDimension", "Cbs.OData.GeoDetail")
                           else longest if kinds[dim] == "Cbs.OData.TimeDimension" else longest + 2)
        text = [c for c, t in data.schema.items() if t == pl.String and c not in self.dims]
        self.typed = data.with_columns(
            *[pl.col(d).str.pad_end(widths[d]) for d in self.dims if d in data.columns],
            *[pl.col(c).str.pad_end(int(data[c].str.len_chars().max() or 0) + 5) for c in text],
        )
        self.lists: dict[str, list[dict]] = {}
        for dim in self.dims:
            records = []
            for row in dim_frame.filter(pl.col("dimension") == dim).iter_rows(named=True):
                record = {"Key": row["key"].ljust(widths[dim]), "Title": row["title"],
                          "Description": row["description"], "CategoryGroupID": None}
                if kinds[dim] == "Cbs.OData.TimeDimension":
                    record["Status"] = options.period_status.get(row["key"], row["status"])
                records.append(record)
            self.lists[dim] = records
        self._untyped: pl.DataFrame | None = None
        self._pages: dict[tuple[str, int, int | None], bytes] = {}
        self._lock = threading.Lock()

    @property
    def entity_sets(self) -> list[str]:
        return ["TableInfos", "UntypedDataSet", "TypedDataSet", "DataProperties", "CategoryGroups", *self.dims]

    def untyped(self) -> pl.DataFrame:
        if self._untyped is None:
            frame = self.typed
            exprs = []
            for column, dtype in frame.schema.items():
                if column == "ID" or column in self.dims:
                    continue
                as_text = pl.col(column).cast(pl.String).fill_null(".")
                width = int(frame.select(as_text.str.len_chars().max()).item() or 1) + 2
                exprs.append(as_text.str.pad_start(width))
            self._untyped = frame.with_columns(exprs)
        return self._untyped

    def page(self, entity: str, skip: int, top: int | None, next_skip_override: int | None = None) -> bytes:
        key = (entity, skip, top)
        if next_skip_override is None and key in self._pages:
            return self._pages[key]
        size = self.options.page_size or self.server.page_size
        if entity in ("TypedDataSet", "UntypedDataSet"):
            frame = self.typed if entity == "TypedDataSet" else self.untyped()
            total = frame.height
            take = min(size, top) if top is not None else size
            chunk = frame.slice(skip, take)
            value = chunk.write_json().encode() if chunk.height else b"[]"
        else:
            records = {"TableInfos": [self.infos], "DataProperties": self.props, "CategoryGroups": []}.get(entity)
            if records is None:
                records = self.lists[entity]
            total = len(records)
            take = min(size, top) if top is not None else size
            value = json.dumps(records[skip:skip + take], ensure_ascii=False, separators=(",", ":")).encode()
        prefix = f"{self.server.base_url}/ODataFeed/odata/{self.id}"
        body = b'{"odata.metadata":' + json.dumps(f"{prefix}/$metadata#Cbs.OData.WebAPI.{entity}").encode()
        body += b',"value":' + value
        end = skip + take
        if (top is None and end < total) or next_skip_override is not None:
            target = end if next_skip_override is None else next_skip_override
            body += b',"odata.nextLink":' + json.dumps(f"{prefix}/{entity}?$format=json&$skip={target}").encode()
        body += b"}"
        if next_skip_override is None:
            with self._lock:
                self._pages[key] = body
        return body

    def service_document(self) -> bytes:
        prefix = f"{self.server.base_url}/ODataFeed/odata/{self.id}"
        value = [{"name": name, "url": f"{prefix}/{name}"} for name in self.entity_sets]
        return json.dumps({"odata.metadata": f"{prefix}/$metadata", "value": value}).encode()


class FaultyServer:
    """What the local v3 and v4 servers share: a threaded HTTP server on 127.0.0.1 (free port), its lifecycle,
    the request log, fault injection and a per-request latency (seconds slept before every response).
    Subclasses give the handler, the fault kinds and the Fault class."""

    fault_kinds: tuple[str, ...] = FAULT_KINDS
    fault_class: type = Fault

    def __init__(self, handler_class, *, page_size: int, host: str, port: int, latency: float = 0.0):
        if latency < 0:
            raise ValueError(f"latency must be >= 0, not {latency}")
        self.page_size = page_size
        self.latency = latency
        self.faults: list[Fault] = []
        self.requests: list[LoggedRequest] = []
        self._tables: dict = {}
        self._options: dict = {}
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), handler_class(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    def start(self):
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=type(self).__name__, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def add_fault(self, kind: str, **kwargs) -> Fault:
        if kind not in self.fault_kinds:
            raise ValueError(f"unknown fault {kind!r}; one of {self.fault_kinds}")
        fault = self.fault_class(kind, **kwargs)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def count(self, entity: str | None = None, outcome: str | None = None) -> int:
        return sum(1 for r in self.requests if (entity is None or r.entity == entity)
                   and (outcome is None or r.outcome == outcome))

    def wait_latency(self) -> None:
        """Called by the handlers before every response."""
        if self.latency:
            time.sleep(self.latency)

    def stats_document(self) -> bytes:
        return json.dumps({"requests": len(self.requests)}).encode()

    def _take_fault(self, table: str, entity: str, skip: int) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(table, entity, skip):
                    fault.hits += 1
                    return fault
        return None


class CbsTestServer(FaultyServer):
    """The v3 server. ``with CbsTestServer() as cbs: cbs.base_url``."""

    def __init__(self, snapshot_root: Path = SNAPSHOT_ROOT, *, page_size: int = 10_000, host: str = "127.0.0.1",
                 port: int = 0, latency: float = 0.0):
        self.snapshot_root = Path(snapshot_root)
        super().__init__(_handler_class, page_size=page_size, host=host, port=port, latency=latency)

    # ---- lifecycle
    @property
    def host(self) -> str:
        """host:port, the form cbsodata.options.catalog_url wants."""
        host, port = self._httpd.server_address[:2]
        return f"{host}:{port}"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}"

    # ---- configuration
    def serve(self, table_id: str, **options) -> "CbsTestServer":
        """(Re)configure a table: modified, page_size, repeat, drop_column, drop_declared, record_count,
        period_status. Tables not configured are served from the snapshot with defaults."""
        table_id = table_id.upper()
        with self._lock:
            self._options[table_id] = TableOptions(**options)
            self._tables.pop(table_id, None)
        return self

    def set_modified(self, table_id: str, modified: str) -> None:
        table_id = table_id.upper()
        with self._lock:
            opts = self._options.get(table_id) or TableOptions()
            opts.modified = modified
            self._options[table_id] = opts
            self._tables.pop(table_id, None)

    def table(self, table_id: str) -> _Table:
        table_id = table_id.upper()
        with self._lock:
            table = self._tables.get(table_id)
            if table is None:
                raw = _snapshot(self.snapshot_root, table_id)  # FileNotFoundError -> 404
                table = _Table(self, table_id, raw, self._options.get(table_id) or TableOptions())
                self._tables[table_id] = table
            return table

    def table_ids(self) -> list[str]:
        return sorted(p.name for p in self.snapshot_root.iterdir() if (p / "metadata.json").exists())

    def render(self, table_id: str) -> _Table:
        """Render every page of every entity set of ``table_id`` now (pages are cached), so that the first
        client does not pay for it."""
        table = self.table(table_id)
        for entity in table.entity_sets:
            total = (table.rows if entity in ("TypedDataSet", "UntypedDataSet")
                     else len({"TableInfos": [table.infos], "DataProperties": table.props,
                               "CategoryGroups": []}.get(entity, table.lists.get(entity, []))))
            size = table.options.page_size or self.page_size
            for skip in range(0, max(total, 1), size):
                table.page(entity, skip, None)
        table.service_document()
        return table


def _handler_class(server: CbsTestServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 30  # idle keep-alive connections

        def log_message(self, *args) -> None:  # quiet
            pass

        def do_GET(self) -> None:  # noqa: N802
            parts = urlsplit(self.path)
            if parts.path == "/__stats":  # benchmark instrumentation: no latency, not logged
                return self._write(200, server.stats_document())
            server.wait_latency()
            query = parse_qs(parts.query, keep_blank_values=True)
            segments = [s for s in parts.path.split("/") if s]
            lowered = [s.lower() for s in segments]
            table = entity = None
            skip = 0
            try:
                unknown = set(query) - {"$format", "$skip", "$top"}
                if unknown:
                    return self._error(400, f"query options not supported by the test server: {sorted(unknown)}")
                if query.get("$format", [""])[0] != "json":
                    return self._error(400, "only $format=json is supported by the test server")
                skip = int(query.get("$skip", ["0"])[0])
                top = int(query["$top"][0]) if "$top" in query else None
                if lowered[:2] == ["odatacatalog", "tables"] and len(segments) == 2:
                    return self._send(200, self._catalog(), "catalog")
                if lowered[:2] != ["odatafeed", "odata"] or len(segments) not in (3, 4):
                    return self._error(404, f"no such resource: {parts.path}")
                table = segments[2].upper()
                entity = segments[3] if len(segments) == 4 else ""
                try:
                    served = server.table(table)
                except FileNotFoundError:
                    return self._error(404, f"table {table} does not exist")
                names = {n.lower(): n for n in served.entity_sets}
                if entity and entity.lower() not in names:
                    return self._error(404, f"{table} has no entity set {entity}")
                entity = names.get(entity.lower(), "")
                fault = server._take_fault(table, entity, skip)
                if fault is not None:
                    return self._fault(fault, served, table, entity, skip, top)
                body = served.page(entity, skip, top) if entity else served.service_document()
                self._log(table, entity, skip, "200")
                self._write(200, body)
            except (BrokenPipeError, ConnectionResetError):
                pass
            except ValueError as exc:
                self._error(400, str(exc))

        # ---- responses
        def _log(self, table, entity, skip, outcome) -> None:
            server.requests.append(LoggedRequest(self.path, table, entity, skip, outcome, time.monotonic()))

        def _write(self, status: int, body: bytes, headers: dict | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json;odata=minimalmetadata;streaming=true;charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _send(self, status: int, body: bytes, outcome: str) -> None:
            self._log(None, None, 0, outcome)
            self._write(status, body)

        def _error(self, status: int, message: str, headers: dict | None = None) -> None:
            self._log(None, None, 0, str(status))
            body = json.dumps({"odata.error": {"code": "", "message": {"lang": "en-US", "value": message}}})
            self._write(status, body.encode(), headers)

        def _abort(self) -> None:
            """Close the socket with a TCP RST, no (further) response."""
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True

        def _fault(self, fault: Fault, served: _Table, table, entity, skip, top) -> None:
            self._log(table, entity, skip, f"fault:{fault.kind}")
            if fault.kind == "status":
                headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
                body = json.dumps({"odata.error": {"code": "", "message": {
                    "lang": "en-US", "value": f"injected HTTP {fault.status}"}}}).encode()
                return self._write(fault.status, body, headers)
            if fault.kind == "reset":
                return self._abort()
            body = served.page(entity, skip, top) if entity else served.service_document()
            if fault.kind == "delay":
                time.sleep(fault.seconds)
                return self._write(200, body)
            if fault.kind == "reset_midbody":
                self.send_response(200)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                return self._abort()
            if fault.kind == "malformed":
                return self._write(200, body[: len(body) // 2])
            if fault.kind == "no_value":
                meta = json.loads(served.page("TableInfos", 0, None))["odata.metadata"]
                return self._write(200, json.dumps({"odata.metadata": meta, "values": []}).encode())
            if fault.kind == "repeat_next":
                target = skip if fault.next_skip is None else fault.next_skip
                return self._write(200, served.page(entity, skip, top, next_skip_override=target))
            raise AssertionError(fault.kind)

        def _catalog(self) -> bytes:
            records = []
            for table_id in server.table_ids():
                infos = server.table(table_id).infos
                records.append({
                    "Identifier": table_id, "Title": infos.get("Title"), "Modified": infos.get("Modified"),
                    "RecordCount": infos.get("RecordCount"),
                    "ApiUrl": f"{server.base_url}/ODataApi/OData/{table_id}",
                    "FeedUrl": f"{server.base_url}/ODataFeed/OData/{table_id}",
                })
            return json.dumps({"odata.metadata": f"{server.base_url}/ODataCatalog/$metadata#Cbs.OData.WebAPI.Tables",
                               "value": records}).encode()

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--page-size", type=int, default=10_000)
    parser.add_argument("--table", action="append", default=[], help="table to configure (repeatable)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="row repetition factor for --table (default 1: the snapshot rows unchanged; >1 SYNTHETIC)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds slept before every response")
    args = parser.parse_args(argv)
    server = CbsTestServer(page_size=args.page_size, port=args.port, latency=args.latency)
    for table_id in args.table:
        if args.repeat != 1:
            server.serve(table_id, repeat=args.repeat)
        server.render(table_id)  # every page before serving
    server.start()
    print(server.base_url, flush=True)
    try:
        sys.stdin.read()  # serve until stdin closes (parent exits or closes the pipe; Ctrl-D) or a signal
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
