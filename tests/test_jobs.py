"""Background jobs (issue 15): the manager chosen by configuration, one job per user at a time,
and a time limit that stops a job and says so."""
from __future__ import annotations

import multiprocessing
import time

import pytest
from dash import CeleryManager, DiskcacheManager

from components import jobs
from flightmap.config import JobSettings
from flightmap.geocode import JUDGED


@pytest.fixture
def job_store(tmp_path, monkeypatch):
    for name in ("_settings", "_slots", "celery_app"):
        monkeypatch.setattr(jobs, name, getattr(jobs, name))  # restored after the test
    monkeypatch.setattr(JUDGED, "_store", JUDGED._store)
    return jobs.create_manager(JobSettings(folder=tmp_path / "jobs", time_limit=30))


def test_the_default_is_a_diskcache_job_store_in_its_folder(job_store, tmp_path):
    assert isinstance(job_store, DiskcacheManager)
    assert (tmp_path / "jobs").is_dir() and job_store.handle.directory == str(tmp_path / "jobs")
    assert JUDGED._store.directory == str(tmp_path / "jobs" / "judged-names")  # names judged by a job serve the next


def test_celery_on_redis_is_chosen_by_configuration(monkeypatch, tmp_path):
    for name in ("_settings", "_slots", "celery_app"):
        monkeypatch.setattr(jobs, name, getattr(jobs, name))
    monkeypatch.setattr(JUDGED, "_store", JUDGED._store)
    monkeypatch.setenv("FLIGHTMAP_JOBS", "celery")
    monkeypatch.setenv("FLIGHTMAP_REDIS_URL", "redis://127.0.0.1:6399/3")
    monkeypatch.setenv("FLIGHTMAP_JOB_SECONDS", "90")
    settings = JobSettings.from_env()
    assert (settings.backend, settings.redis_url, settings.time_limit) == ("celery", "redis://127.0.0.1:6399/3", 90.0)
    manager = jobs.create_manager(settings)  # built only: no Redis is needed until a job runs
    assert isinstance(manager, CeleryManager)
    assert jobs.celery_app.conf.task_time_limit == 120 and jobs.celery_app.conf.broker_url == "redis://127.0.0.1:6399/3"


def test_an_unknown_job_backend_is_refused(monkeypatch):
    monkeypatch.setenv("FLIGHTMAP_JOBS", "threads")
    with pytest.raises(ValueError, match="diskcache or celery"):
        JobSettings.from_env()


def test_one_job_per_user_at_a_time(job_store):
    with jobs.one_job("an export", user="alice"):
        with pytest.raises(jobs.Busy, match="an export"):
            with jobs.one_job("checking a file", user="alice"):
                pass
        with jobs.one_job("checking a file", user="bob"):  # another user is not held up
            pass
    with jobs.one_job("checking a file", user="alice"):  # released when the job ends
        pass


def test_a_slot_whose_job_was_killed_is_free_again(job_store):
    child = multiprocessing.get_context("fork").Process(target=time.sleep, args=(30,))
    child.start()
    jobs._slots.claim(jobs.SLOT_PREFIX + "alice", {"token": "t", "what": "an export", "pid": child.pid, "host": jobs.socket.gethostname()}, 60)
    with pytest.raises(jobs.Busy):
        with jobs.one_job("checking a file", user="alice"):
            pass
    child.kill()  # what Cancel does: the job's process is killed and never releases its slot
    child.join()
    with jobs.one_job("checking a file", user="alice"):
        pass


def test_a_job_past_its_time_limit_is_stopped(job_store):
    started = time.monotonic()
    with pytest.raises(jobs.TimeLimit):
        with jobs.one_job("an export", user="alice", seconds=0.5):
            time.sleep(10)
    assert time.monotonic() - started < 3
    with jobs.one_job("an export", user="alice"):  # and its slot is free
        pass
    assert "stopped after 30 s" in jobs.limit_message("The GIF export")


def test_a_later_turn_of_the_same_page_replaces_the_running_preview(job_store):
    child = multiprocessing.get_context("fork").Process(target=time.sleep, args=(30,))
    child.start()
    holder = {"token": "t", "what": "checking a file", "pid": child.pid, "host": jobs.socket.gethostname(), "since": time.time(), "turn": ("page-1", 2)}
    jobs._slots.claim(jobs.SLOT_PREFIX + "alice", holder, 60)
    with pytest.raises(jobs.Superseded):  # asked earlier than the running one: gives way
        with jobs.one_job("checking a file", user="alice", turn=("page-1", 1)):
            pass
    with pytest.raises(jobs.Busy):  # another page of the same user: refused, not killed
        with jobs.one_job("checking a file", user="alice", turn=("page-2", 9)):
            pass
    with pytest.raises(jobs.Busy):  # other work: refused
        with jobs.one_job("an export", user="alice"):
            pass
    assert child.is_alive()
    with jobs.one_job("checking a file", user="alice", turn=("page-1", 3)):  # asked later: replaces it
        child.join(5)
        assert not child.is_alive()
