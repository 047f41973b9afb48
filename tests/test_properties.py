"""Hostile and broken input: any input ends in a result or the documented error, never a crash
or a hang (property-based, hypothesis)."""
from __future__ import annotations

import csv
import io
import shutil

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flightmap import registration
from flightmap.geocode import Gazetteer, normalise_name
from flightmap.loader import DataValidationError, load_dataset
from flightmap.routes import great_circle
from flightmap.viewstate import parse_query, to_query
from tests.conftest import DEFAULT_DATA

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@FAST
@given(st.text())
def test_registration_normalise_is_total_and_idempotent(text):
    once = registration.normalise(text)
    assert isinstance(once, str)
    assert registration.normalise(once) == once
    assert registration.compact(once) == registration.compact(text)  # only separators change


@FAST
@given(st.text())
def test_place_names_normalise_to_plain_words(text):
    key = normalise_name(text)
    assert key == key.strip() and "  " not in key
    assert all(c.isascii() and (c.isalnum() or c == " ") for c in key)


@FAST
@given(st.text(max_size=200))
def test_gazetteer_resolves_or_says_unresolved(text):
    hit = GAZETTEER.resolve(text)
    assert hit.resolved == (hit.method != "unresolved")
    if hit.resolved:
        assert -90 <= hit.lat <= 90 and -180 <= hit.lon <= 180


@FAST
@given(st.text(max_size=400))
def test_any_query_string_parses_to_a_state_and_notices(text):
    state, notices = parse_query(text)
    assert isinstance(notices, list)
    again, second = parse_query(to_query(state))
    assert again == state and second == []


@FAST
@given(
    st.floats(-85, 85), st.floats(-180, 180), st.floats(-85, 85), st.floats(-180, 180),
)
def test_great_circle_is_finite_and_ends_at_both_places(lat1, lon1, lat2, lon2):
    lats, lons = great_circle(lat1, lon1, lat2, lon2, step_km=200)
    assert np.isfinite(lats).all() and np.isfinite(lons).all()
    assert abs(lats[0] - lat1) < 1e-6 and abs(lats[-1] - lat2) < 1e-6
    assert np.all(np.abs(lats) <= 90.0001)
    assert len(lats) <= 2 + 20040 / 200 + 1  # never more points than half the earth needs


CELL = st.one_of(st.text(max_size=30), st.sampled_from(["", "2023-02-30", "=cmd()", "<script>x</script>", "9" * 40, "-1", "nan", "2023-10-10"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(row=st.fixed_dictionaries({c: CELL for c in ("id", "date_start", "date_end", "date_precision", "origin", "destination", "kind", "flights_count", "confidence", "source_ids", "summary")}))
def test_any_flights_row_loads_or_gives_the_documented_error(tmp_path_factory, row):
    folder = tmp_path_factory.mktemp("data") / "data"
    shutil.copytree(DEFAULT_DATA, folder)
    path = folder / "flights.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    columns = list(rows[0])
    rows.append({**{c: "" for c in columns}, **row})
    out = io.StringIO()
    writer = csv.DictWriter(out, columns)
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    try:
        data = load_dataset(folder)
    except DataValidationError as exc:
        assert exc.problems and all(p.file == "data/flights.csv" for p in exc.problems)
        assert all(p.row is None or p.row >= 1 for p in exc.problems)
    else:
        assert len(data.flights) == len(rows)


GAZETTEER = Gazetteer(load_dataset(DEFAULT_DATA).places)


# ----------------------------------------------------------------------------- imports

_IMPORT_DATASET = None


def _import_dataset():
    global _IMPORT_DATASET
    if _IMPORT_DATASET is None:
        _IMPORT_DATASET = load_dataset(DEFAULT_DATA)
    return _IMPORT_DATASET


@FAST
@given(content=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".json", ".xlsx", ".txt", ".xls"]))
def test_any_bytes_read_as_an_upload_or_a_named_problem(content, suffix):
    from flightmap import importer

    try:
        upload = importer.read_upload(content, "any" + suffix)
    except DataValidationError as exc:
        assert exc.problems and all(p.file == "any" + suffix for p in exc.problems)
        return
    assert len(upload.frame) >= 1 and all(isinstance(c, str) for c in upload.frame.columns)


_CELL = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)


@FAST
@given(rows=st.lists(st.fixed_dictionaries({"Date": _CELL, "From": _CELL, "To": st.sampled_from(["Gao", "Niamey", "", "Atlantis"]),
                                             "Tail": _CELL, "Source": st.sampled_from(["bnn-2024-03-22", "nope", ""]),
                                             "Notes": _CELL, "Confidence": st.sampled_from(["reported", "sure", ""])}), min_size=1, max_size=6))
def test_any_table_prepares_to_a_preview_without_crashing(rows):
    """Whatever the cells, the preview lists problems by row; a preview without problems merges."""
    from flightmap import importer, schema

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    try:
        upload = importer.read_upload(buffer.getvalue().encode(), "fuzz.csv")
    except DataValidationError:
        return
    mapping = importer.guess_mapping(upload.frame.columns, schema.FLIGHTS)
    preview = importer.prepare(upload, schema.FLIGHTS, mapping, _import_dataset())
    assert all(p.file == "fuzz.csv" for p in preview.problems)
    assert all(p.row is None or 1 <= p.row <= len(upload.frame) + 1 for p in preview.problems)
    assert len(importer.row_report(preview)) == len(upload.frame)
    if preview.ok:
        located = importer.locate_session(_import_dataset(), "flights", preview.rows.to_dict("records"))
        assert len(located.flights) == len(upload.frame)
