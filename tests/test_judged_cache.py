"""Unknown place names are judged once per places table and region, then served from a bounded
cache across callbacks (issue 15: the import preview judged every name again at each change)."""
from __future__ import annotations

import pandas as pd

from flightmap import importer
from flightmap.geocode import JUDGED, Gazetteer, JudgedNames, Resolution
from flightmap.loader import load_dataset
from tests.conftest import DEFAULT_DATA

NAMES = ["Zorvaleth", "Quibbanaro", "Gao", "Tessalit"]


def places(extra: list[dict] | None = None) -> pd.DataFrame:
    rows = [{"name": "Gao", "aliases": "", "lat": "16.2484", "lon": "-0.0055", "icao": "GAGO", "notes": ""}, *(extra or [])]
    return pd.DataFrame(rows, dtype=str)


def test_the_cache_is_bounded_and_forgets_the_oldest_first():
    cache = JudgedNames(max_entries=3)
    for i in range(5):
        cache.put(("k", i), Resolution(query=str(i)))
    assert len(cache) == 3
    assert cache.get(("k", 0)) is None and cache.get(("k", 1)) is None
    assert cache.get(("k", 4)).query == "4"
    cache.get(("k", 2))  # used: kept over the less recently used 3
    cache.put(("k", 5), Resolution(query="5"))
    assert cache.get(("k", 2)) is not None and cache.get(("k", 3)) is None


def test_each_name_is_judged_once_and_the_answers_are_the_same(monkeypatch):
    cache = JudgedNames()
    gazetteer = Gazetteer(places(), cache=cache)
    calls = []
    judge = Gazetteer._judge
    monkeypatch.setattr(Gazetteer, "_judge", lambda self, *a: calls.append(a[0]) or judge(self, *a))
    first = gazetteer.resolve_all(NAMES)
    assert sorted(calls) == sorted(NAMES)
    # a new Gazetteer over the same table, as the next callback builds: nothing judged again
    again = Gazetteer(places(), cache=cache).resolve_all(NAMES)
    assert sorted(calls) == sorted(NAMES) and again == first
    assert cache.hits == len(NAMES)
    assert first == Gazetteer(places()).resolve_all(NAMES)  # the same as with no cache at all


def test_a_changed_places_table_or_region_is_judged_afresh(monkeypatch):
    cache = JudgedNames()
    Gazetteer(places(), cache=cache).resolve_all(NAMES)
    stored = len(cache)
    # a fix typed by the user becomes a places row: every name is judged against the new table
    fixed = places([{"name": "Zorvaleth", "aliases": "", "lat": "16.5", "lon": "0.5", "icao": "", "notes": ""}])
    hits = Gazetteer(fixed, cache=cache).resolve_all(NAMES)
    assert hits["Zorvaleth"].resolved and len(cache) == 2 * stored
    # another batch of names makes another region: judged again, not served stale
    Gazetteer(places(), cache=cache).resolve_all(["Zorvaleth", "Kidal", "Ménaka"])
    assert cache.misses > 2 * stored


def test_a_gazetteer_without_a_cache_or_with_its_own_airports_keeps_nothing():
    cache = JudgedNames()
    Gazetteer(places(), airports={"GAGO": {"icao": "GAGO", "iata": "", "name": "Gao", "city": "Gao", "country": "ML", "lat": 16.25, "lon": -0.005}},
              cache=cache, use_towns=False).resolve_all(NAMES)
    assert len(cache) == 0


def test_the_import_preview_judges_unknown_names_once_across_callbacks(monkeypatch):
    dataset = load_dataset(DEFAULT_DATA)
    rows = "\n".join(f"2023-09-0{1 + i % 9},Vrobnak{i}x,Gao,5U-MBH,reported,RFI" for i in range(40))
    upload = importer.read_upload(("date,from,to,registration,confidence,source\n" + rows + "\n").encode(), "unknown.csv")
    table = importer.guess_table(upload.frame.columns)
    mapping = importer.guess_mapping(upload.frame.columns, table, upload.frame)
    calls = []
    judge = Gazetteer._judge
    monkeypatch.setattr(Gazetteer, "_judge", lambda self, *a: calls.append(a[0]) or judge(self, *a))
    monkeypatch.setattr(JUDGED, "_store", None)  # not the job store a server of this checkout has filled
    JUDGED.clear()
    first = importer.prepare(upload, table, mapping, dataset)
    judged = len(calls)
    assert judged == len(first.places) == 41
    again = importer.prepare(upload, table, mapping, dataset)  # the next preview callback
    assert len(calls) == judged and again.places == first.places


def test_names_judged_in_one_process_serve_the_next_through_the_store(tmp_path):
    import diskcache

    store = diskcache.Cache(str(tmp_path / "judged"))
    first = JudgedNames()
    first.attach(store)
    hits = Gazetteer(places(), cache=first).resolve_all(NAMES)
    second = JudgedNames()  # another job: a new process, an empty memory
    second.attach(store)
    assert Gazetteer(places(), cache=second).resolve_all(NAMES) == hits
    assert second.misses == 0 and second.hits == len(NAMES)


def test_past_the_close_spelling_budget_names_stay_not_found_and_say_why(monkeypatch):
    from flightmap import geocode

    cache = JudgedNames()
    gazetteer = Gazetteer(places(), cache=cache)
    unknown = ["Zorvaleth", "Quibbanaro", "Mestrovani", "Gao"]
    near = len(gazetteer._keys_near(gazetteer.region_of({n: gazetteer._exact(n) for n in unknown}))[0])
    monkeypatch.setattr(geocode, "CLOSE_SPELLING_BUDGET", near)  # room for one unknown name's search
    hits = gazetteer.resolve_all(unknown)
    assert hits["Gao"].resolved  # a name found exactly is never held back
    assert geocode.NOT_SEARCHED not in hits["Zorvaleth"].note
    for name in ("Quibbanaro", "Mestrovani"):
        assert hits[name].status == geocode.UNRESOLVED and not hits[name].resolved
        assert hits[name].note == geocode.NOT_SEARCHED
    assert len(cache) == 2  # those two are judged again next time, not served from the cache
