"""Load test on loopback: simulated users drive the real callbacks of the dashboard served by
gunicorn with several workers, over HTTP, as the browser does.

    .venv/bin/python benchmarks/load.py [--users 10 50] [--seconds 60] [--workers 4]

Each simulated user is a thread with its own connection and its own copy of the page's state. It
opens the page the way Dash's renderer does (GET /, /_dash-layout, /_dash-dependencies, then the
initial callbacks), then loops over what a person does: move the timeline window, change a
filter, click a route or an airport, click a table row, reset the view. Every action POSTs to
/_dash-update-component exactly the bodies the renderer builds (output, outputs, inputs, state,
changedPropIds), from the app's own /_dash-dependencies and the current values; callbacks fired by
the outputs of others follow in the renderer's order (a callback waits while anything upstream of
its inputs is pending). Client-side callbacks run in the browser and are not sent.

An error is: a connection failure, an HTTP status other than 200 or 204 (204 is Dash's "no
update"), a body that is not JSON, or a 200 answer missing an output the callback declares.
Prints one table row per user count: requests/s, median and 95th-percentile latency, errors.
"""
from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:  # run as a script: the app's modules build the page's requests
    sys.path.insert(0, str(PROJECT))
DEFAULT_DATA = PROJECT / "data"
GUNICORN = Path(sys.executable).parent / "gunicorn"
# A change of any of these makes the records table drop its blocks and ask for the first again.
GRID_REFRESH = {("timeline-slider", "value"), ("filters", "data"), ("data-version", "data")}
# The README's gunicorn options (Deploying behind gunicorn): long work runs as background jobs,
# so a request that takes longer than this is a fault.
README_ARGS = ("--timeout", "20")
CONFIG = re.compile(r'<script id="_dash-config" type="application/json">(.*?)</script>', re.S)


def unknown_places_csv(rows: int = 5000, seed: int = 7) -> bytes:
    """A flights table whose places no gazetteer knows (made-up names, ~2 distinct per row): the
    import preview must judge every name, the slowest path of geocoding (~5-10 ms a name)."""
    rng = random.Random(seed)

    def name() -> str:
        return "".join(rng.choice("bcdfghjklmnprstvz") + rng.choice("aeiou") for _ in range(rng.randint(3, 5))).capitalize()

    lines = ["date,from,to,registration,confidence,source"]
    lines += [f"2023-09-{1 + i % 28:02d},{name()},{name()},5U-MBH,reported,RFI" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(data_dir: Path, workers: int, log_path: Path | None = None, extra_args: tuple[str, ...] = ()):
    """gunicorn serving `app:server` on a free loopback port; yields the base URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("HOST", "PORT", "DASH_DEBUG")}
    env["FLIGHTMAP_DATA"] = str(data_dir)
    # A job store of its own, beside the data: no names judged by an earlier run, no jobs of others.
    env["FLIGHTMAP_JOBS_DIR"] = str(data_dir.parent / f"jobs-{port}")
    log = open(log_path or os.devnull, "w+")
    process = subprocess.Popen(
        [str(GUNICORN), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--chdir", str(PROJECT), *extra_args, "app:server"],
        cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}")
            try:
                urllib.request.urlopen(url + "/_dash-layout", timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not answer within 90 s")
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextmanager
def shipped_data_copy():
    """A throw-away copy of the shipped dataset (the server must never write to data/)."""
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "data"
        shutil.copytree(DEFAULT_DATA, target)
        yield target


# ---------------------------------------------------------------------------------------------
# A minimal Dash renderer: the page's state, and the callback requests a change of it causes.


def walk_layout(node, found: dict):
    """Every component's props by id, from the /_dash-layout tree."""
    if isinstance(node, list):
        for child in node:
            walk_layout(child, found)
    elif isinstance(node, dict):
        if "namespace" in node and "type" in node:
            props = node.get("props") or {}
            if "id" in props and isinstance(props["id"], str):
                found[props["id"]] = dict(props)
            for value in props.values():
                walk_layout(value, found)


@dataclass
class Callback:
    output: str
    outputs: list[dict]
    multi: bool
    inputs: list[tuple[str, str]]
    state: list[tuple[str, str]]
    prevent_initial_call: bool

    @property
    def targets(self) -> list[tuple[str, str]]:
        return [(o["id"], o["property"].split("@")[0]) for o in self.outputs]


def server_callbacks(dependencies: list[dict]) -> list[Callback]:
    callbacks = []
    for dep in dependencies:
        if dep.get("clientside_function"):
            continue  # runs in the browser; never reaches the server
        outputs = dep["output"].strip(".").split("...") if dep["output"].startswith("..") else [dep["output"]]
        # The renderer sends a duplicate-allowed output's property with its @hash.
        idents = [o.split("@")[0].rsplit(".", 1)[0] for o in outputs]
        specs = [{"id": ident, "property": o[len(ident) + 1:]} for ident, o in zip(idents, outputs)]
        callbacks.append(
            Callback(
                output=dep["output"],
                outputs=specs,
                multi=dep["output"].startswith(".."),
                inputs=[(i["id"], i["property"]) for i in dep["inputs"]],
                state=[(s["id"], s["property"]) for s in dep["state"]],
                prevent_initial_call=bool(dep.get("prevent_initial_call")),
            )
        )
    return callbacks


@dataclass
class Sample:
    callback: str
    seconds: float
    status: int
    error: str | None = None


class DashClient:
    """One browser tab: its own connection, its own component state."""

    def __init__(self, base_url: str, timeout: float = 60):
        host, port = base_url.removeprefix("http://").split(":")
        self.host, self.port, self.timeout = host, int(port), timeout
        self.connection: http.client.HTTPConnection | None = None
        self.props: dict[str, dict] = {}
        self.callbacks: list[Callback] = []
        self.end_id = ""
        self.samples: list[Sample] = []
        self.responses: list[tuple[Callback, dict]] = []  # the latest answers, for checks
        self.keep_responses = False

    # -- HTTP --------------------------------------------------------------------------------
    def _request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (0, 1):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # gunicorn's sync workers close the connection after each answer: a stale
                # keep-alive socket is reopened once, a failure on a fresh one is an error.
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def get_json(self, path: str):
        status, data = self._request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}")
        return json.loads(data)

    # -- page load ---------------------------------------------------------------------------
    def open_page(self, search: str = ""):
        status, page = self._request("GET", "/" + search)
        if status != 200:
            raise RuntimeError(f"GET /: HTTP {status}")
        config = json.loads(CONFIG.search(page.decode()).group(1))
        self.end_id = config.get("end_id") or ""
        self.props = {}
        walk_layout(self.get_json("/_dash-layout"), self.props)
        self.callbacks = server_callbacks(self.get_json("/_dash-dependencies"))
        # Props the browser's components set when they mount.
        self.props.setdefault("url", {}).update({"pathname": "/", "search": search, "hash": "", "href": f"http://{self.host}:{self.port}/{search}"})
        in_layout = lambda cb: all(i in self.props for i, _ in cb.inputs)  # noqa: E731
        initial = {id(cb): (cb, {"url.search"} & {f"{i}.{p}" for i, p in cb.inputs}) for cb in self.callbacks if not cb.prevent_initial_call and in_layout(cb)}
        initial.update(self._triggered(self._browser({("url", "search")})))  # the address gate runs at load too
        initial.update(self._triggered(self._grid_asks()))  # the records table asks for its first block when it mounts
        self._run(initial)

    # -- user actions ------------------------------------------------------------------------
    def change(self, changes: dict[tuple[str, str], object]):
        """Set props as a person's action does, then run every callback that follows."""
        for (ident, prop), value in changes.items():
            self.props.setdefault(ident, {})[prop] = value
        changed = set(changes)
        self._run(self._triggered(changed | self._browser(changed)))

    def value(self, ident: str, prop: str, default=None):
        return self.props.get(ident, {}).get(prop, default)

    # -- the renderer's loop -----------------------------------------------------------------
    def _triggered(self, changed: set[tuple[str, str]], source: Callback | None = None) -> dict:
        found = {}
        for cb in self.callbacks:
            if cb is source:
                continue  # a callback's own outputs never trigger it again
            hit = {f"{i}.{p}" for i, p in cb.inputs if (i, p) in changed}
            if hit:
                found[id(cb)] = (cb, hit)
        return found

    def _upstream(self, cb: Callback, others: list[Callback]) -> bool:
        """Whether another pending callback can, through any chain, change one of cb's inputs;
        like the renderer, inputs that are also cb's own outputs do not count."""
        wanted = set(cb.inputs) - set(cb.targets)
        frontier = list(others)
        seen = set()
        while frontier:
            other = frontier.pop()
            if id(other) in seen:
                continue
            seen.add(id(other))
            produced = set(other.targets)
            if produced & wanted:
                return True
            frontier += [c for c in self.callbacks if c is not cb and set(c.inputs) & produced]
        return False

    def _run(self, pending: dict, max_rounds: int = 12):
        for _ in range(max_rounds):
            if not pending:
                return
            items = list(pending.values())
            ready = [(cb, hit) for cb, hit in items if not self._upstream(cb, [o for o, _ in items if o is not cb])]
            ready = ready or items[:1]  # a cycle: the renderer also lets the first one go
            for cb, _ in ready:
                pending.pop(id(cb))
            for cb, hit in ready:
                changed = self._post(cb, hit)
                changed |= self._browser(changed)
                for key, (other, more) in self._triggered(changed, cb).items():
                    if key in pending:
                        pending[key] = (other, pending[key][1] | more)
                    else:
                        pending[key] = (other, more)

    def _browser(self, changed: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """The client-side steps between server callbacks (assets/flightmap.js writeAddress and
        addressChanged): the written view becomes the address, and only an address that did
        not come from our own write goes on to the server. Returns the props they set."""
        more = set()
        if changed & GRID_REFRESH:  # assets/records_table.js refresh: the grid drops its blocks and asks again
            more |= self._grid_asks()
        written = self.value("url-last-written", "data")
        if ("url-last-written", "data") in changed and written is not None and written != (self.value("url", "search") or ""):
            self.props.setdefault("url", {})["search"] = written
            more.add(("url", "search"))
        if ("url", "search") in changed | more:
            search = self.value("url", "search") or ""
            if written is None or search != written:
                self.props.setdefault("url-changed", {})["data"] = {"search": search, "at": time.time()}
                more.add(("url-changed", "data"))
        return more

    def _grid_asks(self) -> set[tuple[str, str]]:
        """The records table (AG Grid's infinite row model) asks the server for its first block."""
        from flightmap.table_page import BLOCK

        self.props.setdefault("records-table", {})["getRowsRequest"] = {"startRow": 0, "endRow": BLOCK, "sortModel": [], "filterModel": {}}
        return {("records-table", "getRowsRequest")}

    def rows(self) -> list[dict]:
        """The rows of the records table's last block."""
        return (self.value("records-table", "getRowsResponse") or {}).get("rowData") or []

    def body(self, cb: Callback, changed_ids: set[str]) -> dict:
        def entry(ident, prop):
            item = {"id": ident, "property": prop}
            if prop in self.props.get(ident, {}):
                item["value"] = self.props[ident][prop]  # undefined values are left out, as JSON.stringify does
            return item

        body = {
            "output": cb.output,
            "outputs": cb.outputs if cb.multi else cb.outputs[0],
            "inputs": [entry(i, p) for i, p in cb.inputs],
            "changedPropIds": sorted(changed_ids),
            "parsedChangedPropsIds": sorted(changed_ids),
        }
        if cb.state:
            body["state"] = [entry(i, p) for i, p in cb.state]
        return body

    def _post(self, cb: Callback, changed_ids: set[str]) -> set[tuple[str, str]]:
        payload = json.dumps(self.body(cb, changed_ids)).encode()
        path = "/_dash-update-component" + (f"?endId={self.end_id}" if self.end_id else "")
        started = time.perf_counter()
        try:
            status, data = self._request("POST", path, payload)
        except OSError as exc:
            self.samples.append(Sample(cb.output, time.perf_counter() - started, 0, f"{type(exc).__name__}: {exc}"))
            return set()
        elapsed = time.perf_counter() - started
        if status == 204:  # PreventUpdate
            self.samples.append(Sample(cb.output, elapsed, status))
            return set()
        if status != 200:
            self.samples.append(Sample(cb.output, elapsed, status, f"HTTP {status}: {data[:200]!r}"))
            return set()
        try:
            answer = json.loads(data)["response"]
        except (ValueError, KeyError) as exc:
            self.samples.append(Sample(cb.output, elapsed, status, f"not a callback answer: {exc}"))
            return set()
        declared = {(o["id"], o["property"].split("@")[0]) for o in cb.outputs}
        returned = {(ident, prop) for ident, props in answer.items() for prop in props}
        if not returned or not returned <= declared:
            self.samples.append(Sample(cb.output, elapsed, status, f"answer {sorted(returned)} is not among the outputs {sorted(declared)}"))
            return set()
        self.samples.append(Sample(cb.output, elapsed, status))
        for ident, props in answer.items():
            self.props.setdefault(ident, {}).update(props)
        if self.keep_responses:
            self.responses.append((cb, answer))
        return returned


# ---------------------------------------------------------------------------------------------
# What a simulated person does.


def figure_keys(figure) -> list[str]:
    """Route, airport and event keys drawn on the map figure the page holds now."""
    keys = []
    for trace in (figure or {}).get("data", []):
        for value in trace.get("customdata") or []:
            if isinstance(value, str) and "|" in value and value not in keys:
                keys.append(value)
    return keys


def random_window(client: DashClient, rng: random.Random) -> list[int]:
    low, high = client.value("timeline-slider", "min"), client.value("timeline-slider", "max")
    length = rng.randint(3, max(4, high - low))
    start = rng.randint(low, max(low, high - length))
    return [start, min(high, start + length)]


def move_window(client: DashClient, rng: random.Random):
    client.change({("timeline-slider", "value"): random_window(client, rng)})


def change_filter(client: DashClient, rng: random.Random):
    key = rng.choice(["aircraft", "type", "operator", "airport", "route", "category", "confidence", "source"])
    ident = f"filter-{key}"
    if key == "aircraft":
        value = rng.choice(["", "5umbh", "5U-MBH", "tz", "zz-none"])
    else:
        options = [o["value"] for o in client.value(ident, "options", [])]
        value = rng.sample(options, rng.randint(0, min(2, len(options)))) if options else []
    client.change({(ident, "value"): value})


def click_map(client: DashClient, rng: random.Random):
    keys = figure_keys(client.value("route-map", "figure"))
    if keys:
        client.change({("route-map", "clickData"): {"points": [{"customdata": rng.choice(keys)}]}})
    else:
        move_window(client, rng)


def click_row(client: DashClient, rng: random.Random):
    rows = client.rows()
    if rows:
        row = rng.choice(rows)
        client.change({("records-table", "cellClicked"): {"rowId": row["key"], "colId": "summary", "rowIndex": rows.index(row), "value": row.get("summary"), "timestamp": time.time() * 1000}})
    else:
        move_window(client, rng)


def reset_view(client: DashClient, rng: random.Random):
    client.change({("reset-view", "n_clicks"): (client.value("reset-view", "n_clicks") or 0) + 1})


ACTIONS = [(move_window, 5), (change_filter, 3), (click_map, 2), (click_row, 1), (reset_view, 1)]


def simulate_user(base_url: str, stop_at: float, seed: int, samples: list, lock: threading.Lock, think: float = 0.0):
    rng = random.Random(seed)
    client = DashClient(base_url)
    try:
        client.open_page()
        actions, weights = zip(*ACTIONS)
        while time.monotonic() < stop_at:
            rng.choices(actions, weights)[0](client, rng)
            if rng.random() < 0.03:  # now and then a user reloads the page
                client.open_page()
            if think:
                time.sleep(rng.uniform(0, think))
    except Exception as exc:  # a failure outside a callback request (page load) is an error too
        client.samples.append(Sample("page", 0.0, 0, f"{type(exc).__name__}: {exc}"))
    finally:
        client.close()
        with lock:
            samples.extend(client.samples)


@dataclass
class Result:
    users: int
    seconds: float
    samples: list[Sample] = field(default_factory=list)

    @property
    def errors(self) -> list[Sample]:
        return [s for s in self.samples if s.error]

    @property
    def ok(self) -> list[float]:
        return [s.seconds for s in self.samples if not s.error]

    def row(self) -> str:
        ok = sorted(self.ok)
        p95 = percentile(ok, 95)
        median = statistics.median(ok) if ok else float("nan")
        return (f"| {self.users} | {len(self.samples)} | {len(self.samples) / self.seconds:.1f} | "
                f"{median * 1000:.1f} ms | {p95 * 1000:.1f} ms | {len(self.errors)} |")


def percentile(values: list[float], q: float) -> float:
    ok = sorted(values)
    return ok[min(len(ok) - 1, int(round(q / 100 * (len(ok) - 1))))] if ok else float("nan")


def run_load(base_url: str, users: int, seconds: float, seed: int = 1, think: float = 0.0) -> Result:
    samples: list[Sample] = []
    lock = threading.Lock()
    started = time.monotonic()
    stop_at = started + seconds
    threads = [threading.Thread(target=simulate_user, args=(base_url, stop_at, seed * 1000 + n, samples, lock, think), daemon=True) for n in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    return Result(users, time.monotonic() - started, samples)


def warm_up(base_url: str, workers: int):
    """Every worker reads the dataset on its first request: do that before measuring."""
    run_load(base_url, users=workers * 2, seconds=3, seed=99)


# ----------------------------------------------------------------------------- long jobs beside the browsing

def _post(url: str, body: dict, query: str = "") -> tuple[int, dict | None]:
    request = urllib.request.Request(url + "/_dash-update-component" + query, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read()
            return response.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as exc:
        return exc.code, None


def preview_body(dependencies: list[dict], content: bytes, user: str) -> dict:
    """The request the page sends once a flights file is read and its columns are matched."""
    from components import ids

    cb = next(d for d in dependencies if d["output"].startswith("..") and f"{ids.IMPORT_PREVIEW}.rowData" in d["output"])
    outputs = [{"id": o.rsplit(".", 1)[0], "property": o.rsplit(".", 1)[1].split("@")[0]} for o in cb["output"].strip(".").split("...")]
    mapping = {"date_start": "date", "origin": "from", "destination": "to", "registration": "registration", "confidence": "confidence", "source_ids": "source"}
    file = {"name": "unknown.csv", "content": "data:text/csv;base64," + base64.b64encode(content).decode()}
    # The preview is asked through a store the page numbers (assets/flightmap.js previewAsked);
    # the file and the controls are read as States.
    values = {ids.IMPORT_FILE: file, ids.IMPORT_DATE_ORDER: None, ids.IMPORT_TABLE: "flights", ids.USER_ID: user,
              ids.IMPORT_ASKED: {"page": f"load-{user}", "seq": 1, "byFixes": False}}

    def filled(spec):
        ident = spec["id"]
        if str(ident).startswith("{"):  # pattern-matching: the column choices, no other controls yet
            if ids.IMPORT_COLUMN in ident and spec["property"] == "value":
                return [{"id": {"column": c, "type": ids.IMPORT_COLUMN}, "property": "value", "value": v} for c, v in mapping.items()]
            return []
        return {"id": ident, "property": spec["property"], "value": values.get(ident)}

    inputs = [filled(spec) for spec in cb["inputs"]]
    state = [filled(spec) for spec in cb["state"]]
    return {"output": cb["output"], "outputs": outputs, "inputs": inputs, "state": state, "changedPropIds": [f"{ids.IMPORT_ASKED}.data"]}


def export_body(dependencies: list[dict], fmt: str, user: str) -> dict:
    """The request the page sends when an export button is pressed."""
    from components import ids

    cb = next(d for d in dependencies if f"{ids.EXPORT_DOWNLOAD}.data" in d["output"])
    outputs = [{"id": o.rsplit(".", 1)[0], "property": o.rsplit(".", 1)[1].split("@")[0]} for o in cb["output"].strip(".").split("...")]
    inputs = [{"id": i["id"], "property": "n_clicks", "value": 1 if i["id"] == ids.EXPORT_BUTTONS[fmt] else 0} for i in cb["inputs"]]
    values = {ids.URL: "", ids.USER_ID: user}
    state = [{"id": s["id"], "property": s["property"], "value": values.get(s["id"])} for s in cb["state"]]
    return {"output": cb["output"], "outputs": outputs, "inputs": inputs, "state": state, "changedPropIds": [f"{ids.EXPORT_BUTTONS[fmt]}.n_clicks"]}


def run_job(url: str, body: dict, result: dict, limit: float = 1200) -> None:
    """Start a background callback and poll it as the page does (every 0.5 s) until it answers."""
    started = time.monotonic()
    result["slowest request"] = 0.0
    try:
        took = time.monotonic()
        status, job = _post(url, body)
        result["slowest request"] = time.monotonic() - took
        if status != 200 or not job or "cacheKey" not in job:
            result["outcome"] = f"not started: HTTP {status}"
            return
        query = f"?cacheKey={job['cacheKey']}&job={job['job']}"
        while time.monotonic() - started < limit:
            time.sleep(0.5)
            took = time.monotonic()
            status, answer = _post(url, body, query)
            result["slowest request"] = max(result["slowest request"], time.monotonic() - took)
            if status not in (200, 204):
                result["outcome"] = f"HTTP {status}"
                return
            if answer and "response" in answer:
                text = json.dumps(answer["response"], ensure_ascii=False)
                result["outcome"] = ("stopped at the time limit" if "was stopped after" in text
                                     else "failed: " + text[text.find("failed"):][:80] if "failed" in text else "done")
                return
        result["outcome"] = "still running"
    finally:
        result["seconds"] = time.monotonic() - started


def run_with_jobs(url: str, users: int, seconds: float) -> tuple[Result, dict, dict]:
    """`users` browsing for `seconds` while one user previews 5,000 rows of unknown places and
    another exports a GIF (both as background jobs)."""
    dependencies = json.loads(urllib.request.urlopen(url + "/_dash-dependencies", timeout=60).read())
    preview, gif = {}, {}
    jobs = [threading.Thread(target=run_job, args=(url, preview_body(dependencies, unknown_places_csv(5000), "bench-preview"), preview), daemon=True),
            threading.Thread(target=run_job, args=(url, export_body(dependencies, "gif", "bench-gif"), gif), daemon=True)]
    for job in jobs:
        job.start()
    result = run_load(url, users, seconds)
    for job in jobs:
        job.join(timeout=1300)
    return result, preview, gif


HEADER = "| users | callback requests | requests/s | median | p95 | errors |\n|---|---|---|---|---|---|"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--think", type=float, default=0.0, help="pause up to this many seconds between a user's actions (default: none)")
    parser.add_argument("--with-jobs", action="store_true",
                        help="for each user count: quiet, then while one user previews 5,000 rows of unknown places and another exports a GIF")
    args = parser.parse_args(argv)
    with shipped_data_copy() as data, gunicorn(data, args.workers, data.parent / "gunicorn.log", README_ARGS) as url:
        if args.with_jobs:
            return _main_with_jobs(url, args)
        warm_up(url, args.workers)
        print(f"gunicorn, {args.workers} sync workers, {url}; {args.seconds:g} s per run; think time up to {args.think:g} s\n")
        print(HEADER)
        failed = False
        for users in args.users:
            result = run_load(url, users, args.seconds, think=args.think)
            print(result.row(), flush=True)
            for sample in result.errors[:5]:
                print(f"  error: {sample.callback[:60]}: {sample.error}", file=sys.stderr)
            failed |= bool(result.errors)
    return 1 if failed else 0


def _main_with_jobs(url: str, args) -> int:
    warm_up(url, args.workers)
    print(f"gunicorn {' '.join(README_ARGS)}, {args.workers} sync workers, {url}; {args.seconds:g} s per run\n")
    print("| users | while | callback requests | requests/s | median | p95 | errors | jobs |\n|---|---|---|---|---|---|---|---|")
    failed = False
    for users in args.users:
        quiet = run_load(url, users, args.seconds)
        print(f"| {users} | quiet |" + quiet.row().split("|", 2)[2] + " — |", flush=True)
        busy, preview, gif = run_with_jobs(url, users, args.seconds)
        jobs = "; ".join(f"{name}: {r.get('outcome')} in {r.get('seconds', 0):.0f} s (slowest request {r.get('slowest request', 0):.2f} s)"
                         for name, r in (("preview 5,000 unknown", preview), ("GIF", gif)))
        print(f"| {users} | 2 jobs |" + busy.row().split("|", 2)[2] + f" {jobs} |", flush=True)
        ratio = percentile(busy.ok, 95) / max(percentile(quiet.ok, 95), 1e-9)
        print(f"\n{users} users: p95 {ratio:.2f}x the quiet p95 while the jobs ran", flush=True)
        failed |= bool(quiet.errors or busy.errors) or preview.get("outcome") != "done" or gif.get("outcome") != "done"
        for name, r in (("preview", preview), ("GIF", gif)):
            if r.get("outcome") != "done":
                print(f"  {name}: {r.get('outcome')}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
