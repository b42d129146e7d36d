"""A local stand-in for CBS's OData v4 API (datasets.cbs.nl/odata/v1) serving recorded real responses.

The recordings (../shared/cbs-candidates/HenricoWitvliet__CBSOData4.jl/meta_*.json, table 80072NED, captured
from the v4 beta API; see PROVENANCE.md there) are served as recorded: envelope keys, record keys and values
unchanged; only the host in ``@odata.context`` is this server's. Paths, relative to ``<base>`` =
``http://127.0.0.1:<port>/odata/v1``:
  <base>/CBS                       root service document (meta_1)      <base>/CBS/Datasets   catalog (meta_0)
  <base>/CBS/<T>                   the table's service document (meta_2)
  <base>/CBS/<T>/Properties        singleton object (meta_7)
  <base>/CBS/<T>/<EntitySet>       {"@odata.context", ["@odata.count"], "value": [...], ["@odata.nextLink"]}
with MeasureCodes (meta_5), Dimensions (meta_6), PeriodenGroups/Codes (meta_8/9),
BedrijfskenmerkenSBI2008Groups/Codes (meta_10/11) and Observations (meta_4, 4,409 rows). Query options
``$count=true``, ``$skip``, ``$top`` (and ``$format=json``); anything else is a 400. Observations are paged by
``$skip`` (page_size, default 1000) with an absolute ``@odata.nextLink`` that keeps ``$count``; code lists are
paged only when list_page_size is set. Table ids are case-insensitive, entity set names are not (as OData).

Faults (add_fault), as tests/cbs_server.py: HTTP status N times (500, 503, 429 + Retry-After), connection reset
before a response or in the middle of the body, malformed JSON, a page without "value", a repeating nextLink,
a nextLink to another server or table (foreign_next), a delay. Table options (serve): Modified, page sizes,
a dropped measure (gone from MeasureCodes and Observations, or only from Observations), a claimed or missing
@odata.count, period status, and one SYNTHETIC extra measure (the recordings hold a single measure with only
ValueAttribute "None"; the extra one, marked "[SYNTHETIC]" in its Title, exercises several measures, Long
values, "Confidential"/"Impossible" attributes and omitted cells).

Server option ``latency`` (``--latency``): seconds slept before every response; ``GET /__stats`` as in
tests/cbs_server.py. Standalone: ``python tests/cbs_v4_server.py [--latency 0.3]`` prints the base URL and serves
until stdin closes.
"""

from __future__ import annotations

import argparse
import copy
import json
import socket
import struct
import sys
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import cbs_server as v3  # the fault injection and request log both servers share

RECORDINGS = Path(__file__).resolve().parents[2] / "shared" / "cbs-candidates" / "HenricoWitvliet__CBSOData4.jl"
RECORDED_ROOT = "https://beta-odata4.cbs.nl/CBS"  # the host and path prefix in the recorded @odata.context
PREFIX = "/odata/v1"  # the versioned path of datasets.cbs.nl since release 1.12.0
TABLE = "80072NED"
# Entity set -> recording (PROVENANCE.md); "" is the table's service document.
TABLE_FILES = {"": "meta_2.json", "Observations": "meta_4.json", "MeasureCodes": "meta_5.json",
               "Dimensions": "meta_6.json", "Properties": "meta_7.json", "PeriodenGroups": "meta_8.json",
               "PeriodenCodes": "meta_9.json", "BedrijfskenmerkenSBI2008Groups": "meta_10.json",
               "BedrijfskenmerkenSBI2008Codes": "meta_11.json"}
ROOT_FILES = {"": "meta_1.json", "Datasets": "meta_0.json"}
SYNTHETIC_MEASURE = "M999001"
AUTO = object()
FAULT_KINDS = ("status", "reset", "reset_midbody", "malformed", "no_value", "repeat_next", "foreign_next", "delay")


def recordings_available(root: Path = RECORDINGS) -> bool:
    return all((root / name).is_file() for name in (*TABLE_FILES.values(), *ROOT_FILES.values()))


def load_recording(name: str, root: Path = RECORDINGS) -> dict:
    return json.loads((root / name).read_text(encoding="utf-8"))


@dataclass
class Fault(v3.Fault):
    entity: str | None = "Observations"  # None: any entity set ("" is the service document)
    next_url: str | None = None  # foreign_next: the link to serve


@dataclass
class TableOptions:
    modified: str | None = None  # None: as recorded
    page_size: int | None = None  # Observations; None: the server's
    list_page_size: int | None = None  # other lists; None: one page
    drop_measure: str | None = None
    drop_declared: bool = False  # True: still in MeasureCodes, but no observations
    extra_measure: bool = False  # add the SYNTHETIC measure
    count: object = AUTO  # AUTO: observations served; None: ignore $count; int: claim that
    period_status: dict[str, str] = field(default_factory=dict)  # PeriodenCodes Identifier -> Status


def synthetic_observations(observations: list[dict]) -> list[dict]:
    """The SYNTHETIC measure: recorded value x 10 as a whole number, some cells Confidential/Impossible
    (value null), some left out (as CBS leaves out empty cells). Ids continue after the recorded ones."""
    out, next_id = [], max(o["Id"] for o in observations) + 1
    for index, obs in enumerate(sorted(observations, key=lambda o: o["Id"])):
        if index % 97 == 5:
            continue
        row = dict(obs)  # same key order as recorded
        row.update(Id=next_id, Measure=SYNTHETIC_MEASURE)
        if index % 50 == 7:
            row.update(Value=None, ValueAttribute="Confidential")
        elif index % 61 == 3:
            row.update(Value=None, ValueAttribute="Impossible")
        else:
            row.update(Value=round(obs["Value"] * 10) if obs["Value"] is not None else None)
        out.append(row)
        next_id += 1
    return out


class _Table:
    """One served table: the recordings with the table options applied."""

    def __init__(self, server: "CbsV4TestServer", table_id: str, options: TableOptions):
        self.server, self.id, self.options = server, table_id, options
        root = server.recordings
        self.docs = {entity: load_recording(name, root) for entity, name in TABLE_FILES.items()}
        measures = self.docs["MeasureCodes"]["value"]
        observations = self.docs["Observations"]["value"]
        if options.extra_measure:
            measure = copy.deepcopy(measures[0])
            measure.update(Identifier=SYNTHETIC_MEASURE, DataType="Long", Decimals=0, Unit="promille",
                           Index=(measure.get("Index") or 0) + 1,
                           Title="[SYNTHETIC] Ziekteverzuim in promille (test)",
                           Description="SYNTHETIC test measure: the recorded value x 10, not CBS data.")
            measures.append(measure)
            observations.extend(synthetic_observations(observations))
        if options.drop_measure:
            if options.drop_measure not in {m["Identifier"] for m in measures}:
                raise KeyError(f"{table_id} has no measure {options.drop_measure}")
            observations[:] = [o for o in observations if o["Measure"] != options.drop_measure]
            if not options.drop_declared:
                measures[:] = [m for m in measures if m["Identifier"] != options.drop_measure]
        for code in self.docs["PeriodenCodes"]["value"]:
            if code["Identifier"] in options.period_status:
                code["Status"] = options.period_status[code["Identifier"]]
        if options.modified:
            self.docs["Properties"]["Modified"] = options.modified
        self.docs["Properties"]["ObservationCount"] = len(observations)
        self.entity_sets = [e for e in TABLE_FILES if e]

    def context(self, value: str) -> str:
        return value.replace(RECORDED_ROOT, f"{self.server.base_url}/CBS", 1)

    def document(self, entity: str, query: dict, *, next_override: str | None = None) -> bytes:
        doc = self.docs[entity]
        if "value" not in doc or entity == "":  # singleton or service document: as recorded
            out = {k: (self.context(v) if k == "@odata.context" else v) for k, v in doc.items()}
            return json.dumps(out, ensure_ascii=False).encode()
        records = doc["value"]
        skip = int(query.get("$skip", "0"))
        top = int(query["$top"]) if "$top" in query else None
        size = ((self.options.page_size or self.server.page_size) if entity == "Observations"
                else self.options.list_page_size or len(records) or 1)
        take = size if top is None else min(size, top)
        counted = query.get("$count") == "true" and self.options.count is not None
        out = {"@odata.context": self.context(doc["@odata.context"])}
        if counted:
            out["@odata.count"] = len(records) if self.options.count is AUTO else self.options.count
        out["value"] = records[skip:skip + take]
        end = skip + take
        more = end < len(records) and (top is None or top > take)
        if next_override is not None:
            out["@odata.nextLink"] = next_override
        elif more:
            params = {k: v for k, v in query.items() if k in ("$count", "$format")}
            if top is not None:
                params["$top"] = str(top - take)
            params["$skip"] = str(end)
            out["@odata.nextLink"] = (f"{self.server.base_url}/CBS/{self.id}/{entity}?"
                                      + urlencode(params, safe="$"))
        return json.dumps(out, ensure_ascii=False).encode()

    def link(self, entity: str, query: dict, skip: int) -> str:
        params = {k: v for k, v in query.items() if k in ("$count", "$format")}
        params["$skip"] = str(skip)
        return f"{self.server.base_url}/CBS/{self.id}/{entity}?" + urlencode(params, safe="$")


class CbsV4TestServer(v3.FaultyServer):
    """The v4 server. ``with CbsV4TestServer() as cbs: cbs.base_url``."""

    fault_kinds = FAULT_KINDS
    fault_class = Fault

    def __init__(self, recordings: Path = RECORDINGS, *, page_size: int = 1000, host: str = "127.0.0.1",
                 port: int = 0, latency: float = 0.0):
        self.recordings = Path(recordings)
        if not recordings_available(self.recordings):
            raise FileNotFoundError(f"CBS v4 recordings missing in {self.recordings}")
        super().__init__(_handler_class, page_size=page_size, host=host, port=port, latency=latency)

    @property
    def origin(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        return self.origin + PREFIX

    def serve(self, table_id: str = TABLE, **options) -> "CbsV4TestServer":
        """(Re)configure a table: see TableOptions."""
        table_id = table_id.upper()
        with self._lock:
            self._options[table_id] = TableOptions(**options)
            self._tables.pop(table_id, None)
        return self

    def table(self, table_id: str) -> _Table | None:
        table_id = table_id.upper()
        if table_id != TABLE:
            return None
        with self._lock:
            if table_id not in self._tables:
                self._tables[table_id] = _Table(self, table_id, self._options.get(table_id) or TableOptions())
            return self._tables[table_id]



def _handler_class(server: CbsV4TestServer):
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
            raw_query = parse_qs(parts.query, keep_blank_values=True)
            query = {k: v[-1] for k, v in raw_query.items()}
            table = entity = None
            skip = 0
            try:
                unknown = set(query) - {"$format", "$skip", "$top", "$count"}
                if unknown:
                    return self._error(400, f"query options not supported by the test server: {sorted(unknown)}")
                if query.get("$format", "json") != "json":
                    return self._error(400, "only $format=json is supported by the test server")
                skip = int(query.get("$skip", "0"))
                if not parts.path.startswith(PREFIX + "/"):
                    return self._error(404, f"no such resource: {parts.path}")
                segments = [s for s in parts.path[len(PREFIX):].split("/") if s]
                if not segments or segments[0] != "CBS" or len(segments) > 3:
                    return self._error(404, f"no such resource: {parts.path}")
                if len(segments) == 1 or (len(segments) == 2 and segments[1] in ROOT_FILES):
                    doc = load_recording(ROOT_FILES[segments[1] if len(segments) == 2 else ""], server.recordings)
                    doc["@odata.context"] = doc["@odata.context"].replace(RECORDED_ROOT, f"{server.base_url}/CBS", 1)
                    self._log(None, segments[-1], 0, "200")
                    return self._write(200, json.dumps(doc, ensure_ascii=False).encode())
                table = segments[1].upper()
                entity = segments[2] if len(segments) == 3 else ""
                served = server.table(table)
                if served is None:
                    return self._error(404, f"dataset {table} does not exist", table, entity)
                if entity and entity not in served.entity_sets:
                    return self._error(404, f"{table} has no entity set {entity}", table, entity)
                fault = server._take_fault(table, entity, skip)
                if fault is not None:
                    return self._fault(fault, served, table, entity, skip, query)
                body = served.document(entity, query)
                self._log(table, entity, skip, "200")
                self._write(200, body)
            except (BrokenPipeError, ConnectionResetError):
                pass
            except ValueError as exc:
                self._error(400, str(exc), table, entity)

        def _log(self, table, entity, skip, outcome) -> None:
            server.requests.append(v3.LoggedRequest(self.path, table, entity, skip, outcome, time.monotonic()))

        def _write(self, status: int, body: bytes, headers: dict | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; odata.metadata=minimal; charset=utf-8")
            self.send_header("OData-Version", "4.0")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status: int, message: str, table=None, entity=None, headers: dict | None = None) -> None:
            self._log(table, entity, 0, str(status))
            body = json.dumps({"error": {"code": str(status), "message": message}})
            self._write(status, body.encode(), headers)

        def _abort(self) -> None:
            """Close the socket with a TCP RST, no (further) response."""
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True

        def _fault(self, fault: Fault, served: _Table, table, entity, skip, query) -> None:
            self._log(table, entity, skip, f"fault:{fault.kind}")
            if fault.kind == "status":
                headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
                body = json.dumps({"error": {"code": str(fault.status),
                                             "message": f"injected HTTP {fault.status}"}}).encode()
                return self._write(fault.status, body, headers)
            if fault.kind == "reset":
                return self._abort()
            body = served.document(entity, query)
            if fault.kind == "delay":
                time.sleep(fault.seconds)
                return self._write(200, body)
            if fault.kind == "reset_midbody":
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                return self._abort()
            if fault.kind == "malformed":
                return self._write(200, body[: len(body) // 2])
            if fault.kind == "no_value":
                context = json.loads(body).get("@odata.context")
                return self._write(200, json.dumps({"@odata.context": context, "values": []}).encode())
            if fault.kind == "repeat_next":
                target = served.link(entity, query, skip if fault.next_skip is None else fault.next_skip)
                return self._write(200, served.document(entity, query, next_override=target))
            if fault.kind == "foreign_next":
                return self._write(200, served.document(entity, query, next_override=fault.next_url))
            raise AssertionError(fault.kind)

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds slept before every response")
    args = parser.parse_args(argv)
    server = CbsV4TestServer(page_size=args.page_size, port=args.port, latency=args.latency)
    server.start()
    print(server.base_url, flush=True)
    try:
        sys.stdin.read()  # serve until stdin closes or a signal
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
