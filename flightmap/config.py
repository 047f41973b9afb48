"""Settings from the environment and command-line flags, parsed explicitly."""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flightmap.security import LOOPBACK_HOSTS

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_DIR / "data"


def host_list(text: str) -> tuple[str, ...]:
    """'map.example.org, 10.0.0.5' -> ('map.example.org', '10.0.0.5')."""
    return tuple(name.strip().lower() for name in text.replace(";", ",").split(",") if name.strip())


def env_flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class JobSettings:
    """Background jobs (imports of big files, exports): where they run and for how long."""

    backend: str = "diskcache"  # or "celery" (Celery on Redis, for more than one machine)
    # The diskcache job store: one folder that every gunicorn worker of this app shares (one per
    # checkout, so two copies of the app on one machine never share jobs).
    folder: Path = Path(tempfile.gettempdir()) / f"flightmap-jobs-{os.getuid()}-{hashlib.sha256(str(PROJECT_DIR).encode()).hexdigest()[:10]}"
    redis_url: str = "redis://127.0.0.1:6379/0"
    time_limit: float = 300.0  # seconds; a job past it is stopped and says so

    @classmethod
    def from_env(cls) -> "JobSettings":
        backend = os.environ.get("FLIGHTMAP_JOBS", "diskcache").strip().lower()
        if backend not in ("diskcache", "celery"):
            raise ValueError(f"FLIGHTMAP_JOBS must be diskcache or celery, not {backend!r}")
        return cls(
            backend=backend,
            folder=Path(os.environ.get("FLIGHTMAP_JOBS_DIR", cls.folder)),
            redis_url=os.environ.get("FLIGHTMAP_REDIS_URL", cls.redis_url),
            time_limit=float(os.environ.get("FLIGHTMAP_JOB_SECONDS", cls.time_limit)),
        )


@dataclass(frozen=True)
class Settings:
    data_dir: Path = DEFAULT_DATA_DIR
    host: str = "127.0.0.1"
    port: int = 8050
    debug: bool = False
    online_geocoding: bool = False
    geocode_cache: Path = Path.home() / ".cache" / "flightmap" / "geocode.json"
    allowed_hosts: tuple[str, ...] = ()  # names besides loopback under which the app is reached

    @property
    def trusted_hosts(self) -> tuple[str, ...]:
        """Host names a request may carry: loopback, the interface served on when it is one
        address (not 0.0.0.0 / ::), and the configured names."""
        own = () if self.host in ("", "0.0.0.0", "::") else (self.host,)
        return tuple(dict.fromkeys((*LOOPBACK_HOSTS, *own, *self.allowed_hosts)))

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            data_dir=Path(os.environ.get("FLIGHTMAP_DATA", DEFAULT_DATA_DIR)),
            host=os.environ.get("HOST", "127.0.0.1"),
            port=int(os.environ.get("PORT", "8050")),
            debug=env_flag("DASH_DEBUG"),
            online_geocoding=env_flag("FLIGHTMAP_ONLINE_GEOCODING"),
            geocode_cache=Path(os.environ.get("FLIGHTMAP_GEOCODE_CACHE", cls.geocode_cache)),
            allowed_hosts=host_list(os.environ.get("FLIGHTMAP_ALLOWED_HOSTS", "")),
        )
