"""Background jobs on Celery with a real Redis (FLIGHTMAP_JOBS=celery, README: Background jobs):
the deployment past one machine. gunicorn and a Celery worker share a Redis; an import preview and
a PNG export each start a job at once and their result arrives through the polls, as the page
gets them. Needs Debian's redis-server (`make test` installs it)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from benchmarks.load import export_body, free_port, gunicorn, preview_body, unknown_places_csv
from tests.conftest import DEFAULT_DATA
from tests.test_hostile_server import post_json

PROJECT = Path(__file__).resolve().parent.parent
REDIS = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS is None, reason="redis-server is not installed (make test installs it)")


def wait_for_result(url: str, body: dict, job: dict, seconds: float = 120) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, text = post_json(url + f"/_dash-update-component?cacheKey={job['cacheKey']}&job={job['job']}", body)
        assert status in (200, 204), text[:300]
        if status == 200 and '"response"' in text:
            return json.loads(text)["response"]
        time.sleep(0.5)
    raise AssertionError(f"the job gave no result within {seconds} s")


def test_preview_and_export_run_on_celery_workers(tmp_path, monkeypatch):
    port = free_port()
    redis = subprocess.Popen([REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA, data)
    monkeypatch.setenv("FLIGHTMAP_JOBS", "celery")
    monkeypatch.setenv("FLIGHTMAP_REDIS_URL", f"redis://127.0.0.1:{port}/0")
    monkeypatch.setenv("FLIGHTMAP_DATA", str(data))
    log = open(tmp_path / "worker.log", "w")  # kept in tmp_path for whoever reads a failure
    worker = subprocess.Popen([str(Path(sys.executable).parent / "celery"), "-A", "app:celery_app", "worker", "--concurrency", "1", "--pool", "prefork"],
                              cwd=PROJECT, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT)
    try:
        with gunicorn(data, workers=2, log_path=tmp_path / "gunicorn.log", extra_args=("--timeout", "20")) as url:
            dependencies = json.loads(urllib.request.urlopen(url + "/_dash-dependencies", timeout=60).read())

            body = preview_body(dependencies, unknown_places_csv(20), "celery-preview")
            status, text = post_json(url + "/_dash-update-component", body)
            assert status == 200, text[:300]
            job = json.loads(text)
            assert {"cacheKey", "job"} <= set(job), text[:300]  # a job started, not work done in the request
            response = wait_for_result(url, body, job)
            # The made-up places are listed to fix: the preview's real answer, computed by the worker.
            assert "Places to check or not found" in json.dumps(response)

            body = export_body(dependencies, "png", "celery-export")
            status, text = post_json(url + "/_dash-update-component", body)
            assert status == 200, text[:300]
            response = wait_for_result(url, body, json.loads(text))
            download = response["export-download"]["data"]
            assert download["filename"].endswith(".png") and download["content"].startswith("iVBORw0KGgo")  # a PNG's signature
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        redis.terminate()
        redis.wait(timeout=10)
