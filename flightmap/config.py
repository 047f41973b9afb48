"""Settings from the environment and command-line flags, parsed explicitly."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_DIR / "data"


def env_flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Settings:
    data_dir: Path = DEFAULT_DATA_DIR
    host: str = "127.0.0.1"
    port: int = 8050
    debug: bool = False
    online_geocoding: bool = False
    geocode_cache: Path = Path.home() / ".cache" / "flightmap" / "geocode.json"

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            data_dir=Path(os.environ.get("FLIGHTMAP_DATA", DEFAULT_DATA_DIR)),
            host=os.environ.get("HOST", "127.0.0.1"),
            port=int(os.environ.get("PORT", "8050")),
            debug=env_flag("DASH_DEBUG"),
            online_geocoding=env_flag("FLIGHTMAP_ONLINE_GEOCODING"),
            geocode_cache=Path(os.environ.get("FLIGHTMAP_GEOCODE_CACHE", cls.geocode_cache)),
        )
