"""Long work off the request thread: the background-callback manager (its job store chosen by
configuration) and the rules every job follows — one job per user at a time, and a time limit.

A background callback's request only starts the job (in a process of the job store's own) and
returns; the page then polls for progress and the result, so no request holds a gunicorn worker
for longer than a look at the store. The work itself stays in flightmap/ (no Dash there).
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from dash import ctx

from components import ids
from flightmap.config import JobSettings

log = logging.getLogger(__name__)
SLOT_PREFIX = "flightmap-job-slot:"


class Busy(Exception):
    """Another job of this user is running."""


class TimeLimit(Exception):
    """The job ran past its time limit and was stopped."""


class Superseded(Exception):
    """A later request of the same page for the same work has the slot: this job's answer is stale."""


def _later_turn(holder: dict, turn: tuple | None) -> str:
    """How a job asking with `turn` (page, number) meets the running `holder`: "replace" it (the
    same work asked again later by the same page), "stale" (it was asked later than us), or
    "busy" (other work, or another page)."""
    if turn is None or holder.get("turn") is None or holder.get("what") != holder.get("asking"):
        return "busy"
    page, number = turn
    held_page, held_number = holder["turn"]
    if held_page != page:
        return "busy"
    return "stale" if held_number >= number else "replace"


def _stop(holder: dict) -> None:
    """Kill a job of this machine that a later one replaces (and its children)."""
    import psutil

    try:
        process = psutil.Process(int(holder["pid"]))
        if process.create_time() > float(holder.get("since", 0)) + 1:
            return  # the job has ended and its pid is another process's now
        for child in process.children(recursive=True):
            child.kill()
        process.kill()  # not waited for: a killed job is a zombie until its parent reaps it, and _alive says so
    except (psutil.Error, KeyError, ValueError):
        pass


# Jobs are forked from the web server's process. A fork made while another thread of the server
# is inside SQLite (the diskcache job store, polled by every page that waits for a job) copies
# SQLite's process-wide mutexes locked, with no thread left to unlock them: the job then waits on
# a futex for ever, and its page polls it for ever. Every use of a diskcache in the server takes
# this lock, and so does every fork (os.register_at_fork), so no fork happens inside SQLite.
_STORE_LOCK = threading.RLock()


def _lock_before_fork() -> None:
    _STORE_LOCK.acquire()


def _unlock_after_fork() -> None:
    _STORE_LOCK.release()


def _fresh_lock_in_child() -> None:
    global _STORE_LOCK
    _STORE_LOCK = threading.RLock()


os.register_at_fork(before=_lock_before_fork, after_in_parent=_unlock_after_fork, after_in_child=_fresh_lock_in_child)


def fork_safe_cache(directory: str, **settings):
    """A diskcache.Cache whose operations never overlap a fork of this process."""
    import diskcache

    def locked(name: str):
        method = getattr(diskcache.Cache, name)

        def call(self, *args, **kwargs):
            with _STORE_LOCK:  # read at call time: a forked child has a fresh lock
                return method(self, *args, **kwargs)
        return call

    class ForkSafeCache(diskcache.Cache):
        get, set, add, delete, touch = (locked(name) for name in ("get", "set", "add", "delete", "touch"))

        @contextmanager
        def transact(self, retry=False):
            with _STORE_LOCK, super().transact(retry):
                yield

    return ForkSafeCache(directory, **settings)


class _DiskSlots:
    """One slot per user in the diskcache job store (shared by every gunicorn worker)."""

    def __init__(self, cache):
        self.cache = cache

    def claim(self, key: str, holder: dict, seconds: float) -> dict | None:
        """Take the slot, or return who holds it (a holder that this job replaces is stopped)."""
        with self.cache.transact():
            current = self.cache.get(key)
            if current is not None and _alive(current):
                meeting = _later_turn({**current, "asking": holder["what"]}, holder.get("turn"))
                if meeting != "replace" or current.get("host") != socket.gethostname():
                    return current
                _stop(current)
            self.cache.set(key, holder, expire=seconds)
            return None

    def release(self, key: str, token: str) -> None:
        with self.cache.transact():
            current = self.cache.get(key)
            if current is not None and current.get("token") == token:
                self.cache.delete(key)


class _RedisSlots:
    """The same on Redis, for the Celery manager (SET NX with an expiry)."""

    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url)

    def claim(self, key: str, holder: dict, seconds: float) -> dict | None:
        import json

        if self.client.set(key, json.dumps(holder), nx=True, ex=max(1, int(seconds))):
            return None
        current = json.loads(self.client.get(key) or "null")
        if current is not None and current.get("turn") is not None:
            current["turn"] = tuple(current["turn"])
        replace = (current is not None and current.get("host") == socket.gethostname()
                   and _later_turn({**current, "asking": holder["what"]}, holder.get("turn")) == "replace")
        if replace:
            _stop(current)
        if current is None or replace or not _alive(current):
            self.client.set(key, json.dumps(holder), ex=max(1, int(seconds)))
            return None
        return current

    def release(self, key: str, token: str) -> None:
        import json

        current = json.loads(self.client.get(key) or "null")
        if current is not None and current.get("token") == token:
            self.client.delete(key)


def _alive(holder: dict) -> bool:
    """Whether the job holding a slot still runs (a job killed by Cancel never releases it)."""
    if holder.get("host") != socket.gethostname():
        return True  # another machine's job: its slot expires with the time limit
    import psutil

    try:
        return psutil.Process(int(holder["pid"])).status() != psutil.STATUS_ZOMBIE
    except (psutil.Error, KeyError, ValueError):
        return False


_settings = JobSettings()
_slots = None
_server_pid = None  # the process that built the manager; jobs run in others
JOB_NICENESS = 10  # jobs yield the CPU to the requests of people browsing
celery_app = None  # the Celery application when FLIGHTMAP_JOBS=celery (`celery -A app:celery_app worker`)


def create_manager(settings: JobSettings):
    """The background-callback manager for `settings`, and the users' job slots beside it."""
    global _settings, _slots, celery_app, _server_pid
    _settings = settings
    _server_pid = os.getpid()
    if settings.backend == "celery":
        from celery import Celery
        from dash import CeleryManager

        celery_app_ = Celery("flightmap", broker=settings.redis_url, backend=settings.redis_url)
        # Celery's own limit is the backstop: the job stops itself first (TimeLimit) and says so.
        celery_app_.conf.update(task_time_limit=settings.time_limit + 30, task_soft_time_limit=settings.time_limit + 10,
                               result_expires=3600)
        _slots = _RedisSlots(settings.redis_url)
        celery_app = celery_app_
        return CeleryManager(celery_app_, expire=3600)
    from dash import DiskcacheManager

    folder = Path(settings.folder)
    folder.mkdir(parents=True, exist_ok=True)
    cache = fork_safe_cache(str(folder))
    _slots = _DiskSlots(cache)
    # Names judged by one job (a process that ends with it) serve the next: kept beside the jobs.
    from flightmap.geocode import JUDGED

    JUDGED.attach(fork_safe_cache(str(folder / "judged-names"), size_limit=512 * 1024 * 1024, eviction_policy="least-recently-used"))
    return DiskcacheManager(cache, expire=3600)


def user_of_request() -> str:
    """The page's user id (a State of every job callback), read by id like other controls."""
    for group in (*ctx.inputs_list, *ctx.states_list):
        for item in group if isinstance(group, list) else [group]:
            if item.get("id") == ids.USER_ID:
                return str(item.get("value") or "")
    return ""


@contextmanager
def one_job(what: str, user: str | None = None, seconds: float | None = None, turn: tuple | None = None):
    """Run the body as this user's only job, stopped after `seconds` (raises Busy / TimeLimit).

    `turn` (page id, number) is for work a page asks again on every change of its controls (the
    import preview): a job asked later by the same page for the same work replaces the running
    one (stopped), and an earlier one that starts late gives way (Superseded). Dash itself stops
    an older job only once it knows its id, which it learns from the answer to the request that
    started it: changes quicker than that answer started jobs side by side.

    The limit is a SIGALRM in the job's process (both managers run a job in the main thread of a
    process of its own); when it fires, the job's child processes (Chromium) are killed too."""
    user = user_of_request() if user is None else user
    seconds = _settings.time_limit if seconds is None else seconds
    token = uuid.uuid4().hex
    key = SLOT_PREFIX + (user or "anonymous")
    if _slots is not None:
        mine = {"token": token, "what": what, "pid": os.getpid(), "host": socket.gethostname(), "since": time.time(),
                "turn": tuple(turn) if turn is not None else None}
        holder = _slots.claim(key, mine, seconds + 60)
        if holder is not None:
            if _later_turn({**holder, "asking": what}, mine["turn"]) == "stale":
                raise Superseded(holder.get("what", "another job"))
            raise Busy(holder.get("what", "another job"))
    timed = threading.current_thread() is threading.main_thread() and seconds > 0
    if _server_pid is not None and os.getpid() != _server_pid and os.nice(0) < JOB_NICENESS:
        os.nice(JOB_NICENESS - os.nice(0))  # a job process (and its Chromium) runs below the web workers

    def stop(_signum, _frame):
        raise TimeLimit(seconds)

    previous = signal.signal(signal.SIGALRM, stop) if timed else None
    if timed:
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except TimeLimit:
        _kill_children()
        raise
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        if _slots is not None:
            _slots.release(key, token)


def _kill_children() -> None:
    import psutil

    for child in psutil.Process().children(recursive=True):
        try:
            child.kill()
        except psutil.Error:
            pass


def busy_message(what: str) -> str:
    return f"Another job of yours is running ({what}): wait for it to finish or cancel it, then try again."


def limit_message(what: str) -> str:
    return f"{what} was stopped after {_settings.time_limit:g} s, the time limit for one job (FLIGHTMAP_JOB_SECONDS)."
