"""Place resolution: places table, airport database, close spellings, and the opt-in online step."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from geopy.exc import GeocoderTimedOut, GeocoderUnavailable

from flightmap.geocode import (
    AIRPORT_DB, CHECK, FUZZY, GAZETTEER, ONLINE, PLACES_TABLE, RESOLVED, UNRESOLVED, Gazetteer, OnlineGeocoder, normalise_name, resolve_all,
)
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


@pytest.mark.parametrize(("query", "name"), [("Tessallit", "Tessalit"), ("Niamney", "Niamey"), ("Bamakko", "Bamako")])
def test_misspellings_are_drawn_only_as_places_to_check(gazetteer, query, name):
    hit = gazetteer.resolve(query)
    assert (hit.method, hit.name, hit.status) == (FUZZY, name, CHECK)
    assert 80 <= hit.score < 100
    assert f"close spelling of '{query}'" in hit.matched and "check it" in hit.note


def test_a_code_far_from_the_data_is_offered_not_drawn(gazetteer):
    hit = gazetteer.resolve("BER")  # Berlin's code, in a Sahel dataset
    assert (hit.status, hit.resolved) == (UNRESOLVED, False)
    assert hit.candidates[0].icao == "EDDB" and "Germany" in hit.candidates[0].label and "km from" in hit.candidates[0].label
    assert gazetteer.resolve("Ber").icao != "EDDB"  # and a word is never read as a code


def test_the_same_code_is_drawn_where_the_data_is():
    europe = load_dataset(DEFAULT_DATA).places.iloc[0:0]
    hits = Gazetteer(europe).resolve_all(["BER", "Frankfurt", "Munich", "Hamburg"])
    assert (hits["BER"].status, hits["BER"].icao) == (RESOLVED, "EDDB")


def test_a_name_found_only_far_away_lists_it_with_its_country_and_distance(gazetteer):
    hit = gazetteer.resolve("Lereh")  # Lereh Airport is in Papua; the Sahel table meant Léré
    assert not hit.resolved and hit.method == "unresolved"
    first = hit.candidates[0]
    assert (first.icao, first.country) == ("WAJL", "ID") and first.distance_km > 10_000
    assert first.label.startswith("Lereh Airport (WAJL), Indonesia, 14,")


@pytest.mark.parametrize(
    ("query", "icao", "name"),
    [("Tombouctou", "GATB", "Timbuktu Airport"), ("Tombouctou (TOM)", "GATB", "Timbuktu Airport"), ("Mopti-Sévaré", "GAMB", "Ambodedjo Airport"),
     ("Bamako (BKO)", "GABS", "Bamako"), ("Aéroport de Gao", "GAGO", "Gao"), ("Niamey Diori Hamani", "DRRN", "Niamey"),
     ("Aéroport international Modibo Keïta", "GABS", "Bamako")],
)
def test_the_forms_analysts_write(gazetteer, query, icao, name):
    hit = gazetteer.resolve(query)
    assert (hit.status, hit.icao, hit.name) == (RESOLVED, icao, name)


def test_towns_come_from_the_gazetteer_and_keep_their_country(gazetteer):
    hit = gazetteer.resolve("Koulikoro")
    assert (hit.status, hit.method, hit.country) == (RESOLVED, GAZETTEER, "ML")
    assert hit.lat == pytest.approx(12.86, abs=0.05)


def test_a_name_and_a_code_that_disagree_are_to_check(gazetteer):
    hit = gazetteer.resolve("Gao (BKO)")
    assert hit.status == CHECK and "disagree" in hit.note


def test_a_cell_naming_two_far_places_is_not_drawn(gazetteer):
    hit = gazetteer.resolve("Gao-Tessalit")
    assert hit.status == UNRESOLVED and "two places" in hit.note


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
    service = FakeNominatim({"Xyzzy-sur-Mer": (14.5, 1.25)})
    online = OnlineGeocoder(cache, geocoder=service, min_delay=0)
    hit = resolve_all(["Xyzzy-sur-Mer", "Bamako"], gazetteer, online)["Xyzzy-sur-Mer"]
    assert (hit.method, hit.lat, hit.lon, hit.status) == (ONLINE, 14.5, 1.25, CHECK)  # an online match is a guess too
    assert service.calls == ["Xyzzy-sur-Mer"]  # offline places never go online
    assert json.loads(cache.read_text())["xyzzy sur mer"]["lat"] == 14.5
    again = OnlineGeocoder(cache, geocoder=FakeNominatim(error=AssertionError("must not be called")), min_delay=0)
    assert again.lookup("Xyzzy-sur-Mer").lat == 14.5


def test_an_online_match_far_from_the_data_is_offered_not_drawn(gazetteer, tmp_path):
    online = OnlineGeocoder(tmp_path / "cache.json", geocoder=FakeNominatim({"Xyzzy-sur-Mer": (48.8, 2.3)}), min_delay=0)
    hit = resolve_all(["Xyzzy-sur-Mer"], gazetteer, online)["Xyzzy-sur-Mer"]
    assert not hit.resolved and hit.candidates[0].lat == 48.8


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
