"""Flight-route map dashboard: the Dash app, `server` for gunicorn, and the command line.

    python app.py [--host H] [--port P] [--data DIR] [--debug]   serve the dashboard
    python app.py validate DIR|FILE [--data DIR]                 check a dataset folder, or a file to import
    python app.py import FILE [--data DIR] [--table flights|events]   add a CSV/XLSX/JSON table to the dataset
    python app.py places DIR|FILE [--data DIR] [--format table|csv|json]   how every place name is placed
    python app.py export --format png|svg|pdf|html|pptx|gif --out FILE [--story NAME] [--start D --end D] [--data DIR]
"""
from __future__ import annotations

import argparse
import logging
import sys
import traceback
from dataclasses import replace
from pathlib import Path

import dash
import flask
from werkzeug.exceptions import HTTPException

from components import jobs, state
from components.layout import EMPTY, create_layout, serve_layout
from components.records_table import records_csv
from flightmap.config import PROJECT_DIR, JobSettings, Settings, host_list
from flightmap.geocode import OnlineGeocoder
from flightmap.security import LOOPBACK_HOSTS, SOURCE_DOCUMENT_CSP, security_headers, terminal_safe, write_refusal
from flightmap.store import DatasetStore

log = logging.getLogger("flightmap")
MAX_REQUEST_BYTES = 16 * 1024 * 1024
# Source documents shown in the browser as plain text; any other kind is sent as a download.
TEXT_DOCUMENTS = (".txt", ".md", ".csv", ".tsv", ".json", ".log")


def install_data(settings: Settings) -> None:
    """Point the app at a dataset folder; nothing is read until the first request."""
    online = OnlineGeocoder(settings.geocode_cache) if settings.online_geocoding else None
    state.install(DatasetStore(settings.data_dir, online))
    app.server.config["FLIGHTMAP_ALLOWED_HOSTS"] = settings.trusted_hosts


def create_app() -> dash.Dash:
    app = dash.Dash(
        __name__,
        title="Flight-route map",
        assets_folder=str(PROJECT_DIR / "assets"),
        serve_locally=True,  # every script from this server: the page must work offline
        update_title=None,
        # Answers gzip/brotli-compressed when the browser accepts it (flask-compress): the figure and
        # the window model are JSON that shrinks ~5-10x, what a slider move or a page load sends.
        compress=True,
        # Long work (big imports, exports) runs as background jobs: a local diskcache job store by
        # default, Celery on Redis with FLIGHTMAP_JOBS=celery (README: Background jobs).
        background_callback_manager=jobs.create_manager(JobSettings.from_env()),
    )
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)  # screen readers pick the voice by it
    app.server.add_url_rule("/source/<source_id>", "source_document", _source_document)
    app.server.add_url_rule("/records.csv", "records_csv", records_csv)  # the records table's download
    app.validation_layout = create_layout(EMPTY)
    app.layout = serve_layout  # a function: each page load shows the newest good data
    # Uploads and callback payloads stay small; anything bigger is refused before parsing.
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    headers = None

    @app.server.before_request
    def _same_origin_writes_only():
        request = flask.request
        refusal = write_refusal(request.method, request.headers, app.server.config.get("FLIGHTMAP_ALLOWED_HOSTS", LOOPBACK_HOSTS))
        if refusal is not None:
            status, why = refusal
            log.warning("refused %s %s: %s", request.method, request.path, why)
            return flask.Response(f"Refused: {why}.\n", status=status, mimetype="text/plain")
        return None

    @app.server.errorhandler(dash.exceptions.DependencyException)
    def _unknown_component_suite(_exc):
        return flask.Response("Not found.\n", status=404, mimetype="text/plain")  # an unknown script path is a 404, not a fault

    @app.server.errorhandler(Exception)
    def _callback_failure(exc):
        """A callback request that fails logs one line, not a 40-line traceback per request: a
        client posting malformed callbacks must not flood the log. The traceback is still there
        at DEBUG level, and in debug mode everything is as Flask has it."""
        if isinstance(exc, HTTPException):
            return exc
        if flask.request.path != "/_dash-update-component" or app.server.debug:
            raise exc  # Flask logs it with its traceback and answers 500, as without this handler
        frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        where = f" at {Path(frame.filename).name}:{frame.lineno}" if frame else ""
        log.error("callback request failed: %s: %s%s", type(exc).__name__, terminal_safe(str(exc))[:300], where)
        log.debug("callback request failed", exc_info=exc)
        return flask.Response("The callback request failed.\n", status=500, mimetype="text/plain")

    @app.server.after_request
    def _secure(response):
        nonlocal headers
        if headers is None:  # inline-script hashes are known once every callback is registered
            headers = security_headers(app.csp_hashes())
        if flask.request.path.startswith("/source/"):  # found or not, nothing under /source/ runs here
            response.headers["Content-Security-Policy"] = SOURCE_DOCUMENT_CSP
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    return app


def _source_document(source_id: str):
    """A shipped source document, looked up by source id: no path ever comes from the request."""
    import flask

    snapshot = state.store().current()
    if snapshot.dataset is None:
        flask.abort(404)
    sources = snapshot.dataset.sources.set_index("id")
    if source_id not in sources.index or not sources.at[source_id, "file"]:
        flask.abort(404)
    folder = snapshot.dataset.folder.resolve()
    path = (folder / sources.at[source_id, "file"]).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        flask.abort(404)
    # A dataset's documents come from anywhere (a saved web page, an SVG, a script): none may run
    # on this origin. Text is shown as text; everything else is a download; and the sandbox CSP
    # makes even a browser that ignored both treat the response as a foreign, script-less page.
    if path.suffix.lower() in TEXT_DOCUMENTS:
        response = flask.send_file(path, mimetype="text/plain")  # Flask adds charset=utf-8 once
    else:
        response = flask.send_file(path, mimetype="application/octet-stream", as_attachment=True, download_name=path.name)
    response.headers["Content-Security-Policy"] = SOURCE_DOCUMENT_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


app = create_app()
install_data(Settings.from_env())
server = app.server
celery_app = jobs.celery_app  # with FLIGHTMAP_JOBS=celery: `celery -A app:celery_app worker` runs the jobs


def _serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Serve the flight-route map dashboard.")
    defaults = Settings.from_env()
    parser.add_argument("--host", default=defaults.host, help="interface to listen on (default %(default)s; env HOST)")
    parser.add_argument("--port", type=int, default=defaults.port, help="port (default %(default)s; env PORT)")
    parser.add_argument("--data", type=Path, default=defaults.data_dir, help="dataset folder (default: the shipped data/)")
    parser.add_argument("--online-geocoding", action="store_true", default=defaults.online_geocoding, help="look up unknown places with Nominatim (env FLIGHTMAP_ONLINE_GEOCODING=true)")
    parser.add_argument("--debug", action="store_true", default=defaults.debug, help="Dash debug mode; never on a shared network (env DASH_DEBUG=true)")
    parser.add_argument("--allowed-hosts", type=host_list, default=defaults.allowed_hosts, metavar="NAMES",
                        help="comma-separated host names the app is reached by, besides loopback (env FLIGHTMAP_ALLOWED_HOSTS)")
    args = parser.parse_args(argv)
    settings = replace(defaults, host=args.host, port=args.port, data_dir=args.data, online_geocoding=args.online_geocoding, debug=args.debug,
                       allowed_hosts=args.allowed_hosts)
    if settings != defaults:
        install_data(settings)
    snapshot = state.store().current()
    if snapshot.error is not None:
        print(terminal_safe(f"Warning: {snapshot.error}"), file=sys.stderr)
    print(f"Serving {settings.data_dir} at http://{settings.host}:{settings.port}/", file=sys.stderr)
    app.run(host=settings.host, port=settings.port, debug=settings.debug)
    return 0


def _validate(argv: list[str]) -> int:
    if argv and not argv[0].startswith("-") and Path(argv[0]).is_file():
        from flightmap import import_cli

        return import_cli.validate_file(argv)
    parser = argparse.ArgumentParser(prog="app.py validate", description="Check a dataset folder (or a file to import); exit 1 when it has errors.")
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    from flightmap.loader import DataValidationError, load_dataset
    from flightmap.routes import locate

    try:
        dataset = load_dataset(args.folder)
        located = locate(dataset)
    except DataValidationError as exc:
        print(terminal_safe(str(exc)), file=sys.stderr)
        return 1
    for problem in (*located.unresolved, *located.to_check):
        print(terminal_safe(f"warning: {problem}"), file=sys.stderr)  # names from the files: never raw to a terminal
    print(
        f"{args.folder}: valid — {len(dataset.flights)} flight records, {len(dataset.events)} events, "
        f"{len(dataset.sources)} sources, {len(dataset.places)} places"
        + (f", {len(dataset.tracks)} track(s) of {len(dataset.track_points):,} points" if len(dataset.tracks) else "") + "; "
        f"{len(located.unresolved)} unresolved place reference(s), "
        f"{len(located.to_check)} placed by a guess to check (`python app.py places {args.folder}` lists them)."
    )
    return 0


def _export(argv: list[str]) -> int:
    from flightmap import export_cli  # kaleido and python-pptx load only for exports

    return export_cli.main(argv)


def _import(argv: list[str]) -> int:
    from flightmap import import_cli

    return import_cli.import_file(argv)


def _places(argv: list[str]) -> int:
    from flightmap import places_cli

    return places_cli.main(argv)


COMMANDS = {"validate": _validate, "import": _import, "export": _export, "places": _places}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if argv and argv[0] in COMMANDS:
        return COMMANDS[argv[0]](argv[1:])
    return _serve(argv)


if __name__ == "__main__":
    sys.exit(main())
