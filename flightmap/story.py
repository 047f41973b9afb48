"""Stories for briefings: ordered steps, each a view of the dataset with a caption.

A story is a TOML file in the dataset's `stories/` folder (stdlib `tomllib`: multi-line Markdown
captions and real dates, no extra dependency). Each step becomes a `ViewState`, so showing a
step is the same as opening a link to it.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from flightmap import filters as record_filters
from flightmap.loader import DataValidationError, Problem
from flightmap.viewstate import ViewState

STORY_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
STEP_KEYS = {"title", "start", "end", "caption", "notes", "select", "filters", "view"}


@dataclass(frozen=True)
class Step:
    title: str
    start: date
    end: date
    caption: str = ""  # Markdown; rendered without raw HTML
    notes: str = ""  # speaker notes
    select: str | None = None  # "kind|key", as in links
    filters: dict = field(default_factory=dict)
    view: dict | None = None  # {"lat", "lon", "zoom"}

    def view_state(self, story: str, number: int, present: bool = False) -> ViewState:
        view = self.view or {}
        return ViewState(
            start=self.start, end=self.end, filters=record_filters.clean(self.filters), select=self.select,
            lat=view.get("lat"), lon=view.get("lon"), zoom=view.get("zoom"), story=story, step=number, present=present,
        )


@dataclass(frozen=True)
class Story:
    name: str
    title: str
    subtitle: str
    steps: tuple[Step, ...]

    def step(self, number: int | None) -> Step | None:
        """Steps are numbered from 1, as in links (`?story=default&step=3`)."""
        if number is None or not 1 <= number <= len(self.steps):
            return None
        return self.steps[number - 1]


def story_path(folder: Path, name: str) -> Path:
    if not STORY_NAME.match(name or ""):
        raise ValueError(f"not a story name: {name!r}")
    return Path(folder) / "stories" / f"{name}.toml"


def available(folder: Path) -> list[str]:
    return sorted(p.stem for p in (Path(folder) / "stories").glob("*.toml") if STORY_NAME.match(p.stem))


def load_story(folder: Path, name: str = "default") -> Story:
    """Read and check a story; every problem names the file, the step and the key."""
    path = story_path(folder, name)
    label = f"{Path(folder).name}/stories/{path.name}"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DataValidationError([Problem(label, None, None, "the story file is missing", f"create {path}")]) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataValidationError([Problem(label, None, None, f"not valid TOML ({exc})", "check quotes and brackets")]) from exc
    problems, steps = [], []
    for number, item in enumerate(raw.get("steps", []), start=1):
        where = f"step {number}"
        unknown = set(item) - STEP_KEYS
        for key in sorted(unknown):
            problems.append(Problem(label, None, f"{where}.{key}", "unknown key", "use: " + ", ".join(sorted(STEP_KEYS))))
        for key in ("title", "start", "end"):
            if key not in item:
                problems.append(Problem(label, None, f"{where}.{key}", "is missing", "every step needs a title, start and end"))
        start, end = item.get("start"), item.get("end")
        if any(v is not None and not isinstance(v, date) for v in (start, end)):
            problems.append(Problem(label, None, f"{where}.start/end", "is not a date", "write dates unquoted, e.g. start = 2023-10-10"))
        elif isinstance(start, date) and isinstance(end, date) and end < start:
            problems.append(Problem(label, None, f"{where}.end", f"{end} is before start {start}", "swap or correct the dates"))
        if not unknown and all(k in item for k in ("title", "start", "end")) and isinstance(start, date) and isinstance(end, date):
            steps.append(Step(**item))
    if not raw.get("steps"):
        problems.append(Problem(label, None, "steps", "the story has no steps", "add [[steps]] tables"))
    if problems:
        raise DataValidationError(problems)
    return Story(name=name, title=raw.get("title", name), subtitle=raw.get("subtitle", ""), steps=tuple(steps))


def resolve_step(state: ViewState, folder: Path) -> tuple[ViewState, Story | None, list[str]]:
    """A link's view once its story step is applied: a link that names a story step and no
    window, filter or selection of its own shows that step's view. Also the story (None when
    the link names none, or one that does not exist) and a notice for each part ignored."""
    if not state.story:
        return state, None, []
    try:
        story = load_story(folder, state.story)
    except (DataValidationError, ValueError, OSError):
        return replace(state, story=None, step=None), None, [f"Ignored story={state.story}: no such story"]
    step = story.step(state.step or 1)
    if step is None:
        return replace(state, step=None), story, [f"Ignored step={state.step}: the story has {len(story.steps)} steps"]
    if state.start is None and state.end is None and not state.filters and state.select is None:
        return step.view_state(story.name, state.step or 1, present=state.present), story, []
    return state, story, []
