"""The default story is traceable to the dataset; bad story files get clear errors."""
from __future__ import annotations

import re

import pytest

from flightmap.loader import DataValidationError, load_dataset
from flightmap.routes import locate
from flightmap.story import load_story
from flightmap.viewstate import parse_query, selection_from_param, to_query
from tests.conftest import DEFAULT_DATA

CITED = re.compile(r"\*\(([^)]*)\)\*")


@pytest.fixture(scope="module")
def story():
    return load_story(DEFAULT_DATA, "default")


def test_default_story_has_six_to_eight_steps(story):
    assert 6 <= len(story.steps) <= 8
    assert all(step.title and step.caption.strip() and step.notes for step in story.steps)


def test_every_record_a_caption_cites_exists(story):
    data = load_dataset(DEFAULT_DATA)
    ids = set(data.flights["id"]) | set(data.events["id"])
    for step in story.steps:
        cited = [name.strip() for group in CITED.findall(step.caption) for name in re.split(r"[,;:]| … ", group)]
        records = [c for c in cited if re.fullmatch(r"[a-z0-9-]+", c)]
        assert records, f"step '{step.title}' cites no record"
        assert all(r in ids for r in records), (step.title, [r for r in records if r not in ids])


def test_every_step_selects_something_in_its_window(story):
    located = locate(load_dataset(DEFAULT_DATA))
    for number, step in enumerate(story.steps, start=1):
        chosen = selection_from_param(step.select, located.flights)
        assert chosen is not None, step.title
        if chosen["kind"] == "event":
            event = located.events.set_index("id").loc[chosen["key"]]
            assert step.start <= event["date_start"].date() <= step.end, step.title
        state = step.view_state("default", number)
        assert parse_query(to_query(state))[0] == state


def test_story_problems_name_the_step_and_key(tmp_path):
    (tmp_path / "stories").mkdir()
    (tmp_path / "stories" / "bad.toml").write_text(
        'title = "x"\n[[steps]]\ntitle = "a"\nstart = 2023-10-10\nend = 2023-10-01\n[[steps]]\ntitle = "b"\nstart = "soon"\nend = 2023-10-01\ncolour = "red"\n'
    )
    with pytest.raises(DataValidationError) as caught:
        load_story(tmp_path, "bad")
    text = str(caught.value)
    assert "step 1.end" in text and "before start" in text
    assert "step 2.colour" in text and "unknown key" in text
    assert "step 2.start/end" in text


@pytest.mark.parametrize("name", ["../etc/passwd", "a b", ""])
def test_story_names_cannot_leave_the_folder(name):
    with pytest.raises(ValueError):
        load_story(DEFAULT_DATA, name)
