"""Place resolution: places table, airport database, close spellings, and the opt-in online step."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from geopy.exc import GeocoderTimedOut, GeocoderUnavailable

from flightmap.geocode import AIRPORT_DB, FUZZY, ONLINE, PLACES_TABLE, Gazetteer, OnlineGeocoder, normalise_name, resolve_all
from flightmap.loader import DataValidationError, load_dataset
from tests.conftest import DEFAULT_DATA, edit_csv


@pytest.fixture(scope="module")
def gazetteer():
    return Gazetteer(load_dataset(DEFAULT_DATA).places)


class FakeNominatim:
    """Stands in for geopy's Nominatim: counts calls, answers from a dict or raises."""

    def __init__(self, answers=None, error=None):
        self.answers, self.error, self.calls = answers or {}, error, []

    def geocode(self, query):
        self.calls.append(query)
        if self.error:
            raise self.error
        hit = self.answers.get(query)
        return SimpleNamespace(latitude=hit[0], longitude=hit[1], address=f"{query}, Somewhere") if hit else None


def test_normalise_name_ignores_case_accents_and_punctuation():
    assert normalise_name("Bamako-Sénou") == normalise_name("BAMAKO senou") == "bamako senou"


@pytest.mark.parametrize(
    ("query", "name", "lat", "lon"),
    [
        ("Niamay", "Niamey", 13.4815, 2.1836),  # the founding reports' spelling, an alias
        ("Modibo Keita International Airport", "Bamako", 12.5335, -7.9499),
        ("Bamako-Sénou", "Bamako", 12.5335, -7.9499),
        ("Niamey Air Base 101", "Niamey", 13.4815, 2.1836),
        ("GATS", "Tessalit", 20.243, 0.9773),
        ("Air Base 201", "Air Base 201", 16.95, 8.014),  # coordinates only the places table has
    ],
)
def test_places_table_names_aliases_and_codes(gazetteer, query, name, lat, lon):
    hit = gazetteer.resolve(query)
    assert (hit.method, hit.name, hit.score) == (PLACES_TABLE, name, 100.0)
    assert hit.lat == pytest.approx(lat, abs=1e-3) and hit.lon == pytest.approx(lon, abs=1e-3)


@pytest.mark.parametrize(
    ("query", "icao", "matched"),
    [("GATB", "GATB", "ICAO GATB"), ("OUA", "DFFD", "IATA OUA"), ("Timbuktu", "GATB", "airport name 'Timbuktu Airport'"), ("Abidjan", "DIAP", "city 'Abidjan'")],
)
def test_airport_database_by_code_name_and_city(gazetteer, query, icao, matched):
    hit = gazetteer.resolve(query)
    assert (hit.method, hit.icao, hit.matched) == (AIRPORT_DB, icao, matched)


@pytest.mark.parametrize(("query", "name"), [("Tesalit", "Tessalit"), ("Niamei", "Niamey"), ("Bamakko", "Bamako")])
def test_misspellings_match_with_a_score(gazetteer, query, name):
    hit = gazetteer.resolve(query)
    assert (hit.method, hit.name) == (FUZZY, name)
    assert 80 <= hit.score < 100
    assert f"close spelling of '{query}'" in hit.matched


def test_codes_match_only_when_written_as_codes(gazetteer):
    assert gazetteer.resolve("BER").icao == "EDDB"
    assert gazetteer.resolve("Ber").icao != "EDDB"


def test_unknown_place_is_unresolved_with_candidates(gazetteer):
    hit = gazetteer.resolve("Tombouctou")
    assert not hit.resolved and hit.method == "unresolved"
    assert any("GATB" in c for c in hit.candidates)  # Timbuktu is offered


def test_places_row_with_unknown_icao_is_an_error(dataset_dir):
    edit_csv(dataset_dir / "places.csv", 3, "icao", "ZZZZ")
    with pytest.raises(DataValidationError) as caught:
        Gazetteer(load_dataset(dataset_dir).places, places_label="data/places.csv")
    (problem,) = caught.value.problems
    assert (problem.file, problem.row, problem.column) == ("data/places.csv", 3, "icao")


def test_online_disabled_means_no_lookup(gazetteer):
    hits = resolve_all(["Xyzzy-sur-Mer"], gazetteer, online=None)
    assert not hits["Xyzzy-sur-Mer"].resolved


def test_online_lookup_is_used_and_cached_on_disk(gazetteer, tmp_path):
    cache = tmp_path / "geocode.json"
    service = FakeNominatim({"Xyzzy-sur-Mer": (10.5, 20.25)})
    online = OnlineGeocoder(cache, geocoder=service, min_delay=0)
    hit = resolve_all(["Xyzzy-sur-Mer", "Bamako"], gazetteer, online)["Xyzzy-sur-Mer"]
    assert (hit.method, hit.lat, hit.lon) == (ONLINE, 10.5, 20.25)
    assert service.calls == ["Xyzzy-sur-Mer"]  # offline places never go online
    assert json.loads(cache.read_text())["xyzzy sur mer"]["lat"] == 10.5
    again = OnlineGeocoder(cache, geocoder=FakeNominatim(error=AssertionError("must not be called")), min_delay=0)
    assert again.lookup("Xyzzy-sur-Mer").lat == 10.5


@pytest.mark.parametrize("error", [GeocoderUnavailable("no network"), GeocoderTimedOut("slow")])
def test_online_unavailable_falls_back_once(gazetteer, tmp_path, error):
    service = FakeNominatim(error=error)
    online = OnlineGeocoder(tmp_path / "cache.json", geocoder=service, min_delay=0)
    hits = resolve_all(["Nowhere One", "Nowhere Two", "Gao"], gazetteer, online)
    assert not hits["Nowhere One"].resolved and not hits["Nowhere Two"].resolved
    assert hits["Gao"].resolved
    assert service.calls == ["Nowhere One"]  # gave up after the first failure, no second wait
    assert "unavailable" in online.status


def test_corrupted_cache_is_rebuilt_with_a_warning(tmp_path, caplog):
    cache = tmp_path / "geocode.json"
    cache.write_text("{not json")
    online = OnlineGeocoder(cache, geocoder=FakeNominatim({"X": (1.0, 2.0)}), min_delay=0)
    assert "unreadable" in caplog.text and "rebuilt" in online.status
    assert online.lookup("X").lat == 1.0
    assert json.loads(cache.read_text()) == {"x": {"lat": 1.0, "lon": 2.0, "address": "X, Somewhere"}}
