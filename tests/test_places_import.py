"""Places at import and on the command line (issue 12): guesses marked 'check', far names never
drawn, one place per place (picks become aliases), nothing imported placeless, and
`python app.py places`."""
from __future__ import annotations

import csv
import io
import json

import pytest

from flightmap import importer, places_cli, schema
from flightmap.geocode import CHECK, RESOLVED, UNRESOLVED
from flightmap.loader import load_dataset
from flightmap.routes import locate

HEADER = "Date,From,To,Tail,Source,Notes,Confidence\n"


def prepared(folder, text, table=schema.FLIGHTS, fixes=None, name="mine.csv"):
    upload = importer.read_upload(text.encode(), name)
    return importer.prepare(upload, table, importer.guess_mapping(upload.frame.columns, table), load_dataset(folder), fixes=fixes)


def row(date, origin, destination, note="x"):
    return f"{date},{origin},{destination},5U-MBH,bnn-2024-03-22,{note},reported\n"


SAHEL = HEADER + row("2023-09-01", "Bamako (BKO)", "Léré") + row("2023-09-02", "Kati", "Tombouctou") + row("2023-09-03", "Tessallit", "Gao (GAQ)")


def test_rows_say_ok_check_or_not_placed(dataset_dir):
    preview = prepared(dataset_dir, SAHEL)
    report = {r["row"]: r for r in importer.row_report(preview)}
    assert report[2]["status"] == "not placed" and "Léré: NOT FOUND" in report[2]["places"]
    assert report[3]["status"] == "ok" and "Tombouctou → Timbuktu Airport (GATB)" in report[3]["places"]
    assert report[4]["status"] == "check" and "Tessallit → Tessalit (GATS) — close spelling" in report[4]["places"]
    assert preview.places["Bamako (BKO)"].name == "Bamako"  # the places table's Bamako, not a second place
    assert set(preview.to_fix) == {"Léré", "Tessallit"}


def test_a_far_only_name_lists_its_candidates_with_country_and_distance(dataset_dir):
    preview = prepared(dataset_dir, HEADER + row("2023-09-01", "Gao", "BER"))
    hit = preview.places["BER"]
    assert (hit.status, hit.lat) == (UNRESOLVED, None)
    assert hit.candidates[0].label.startswith("Berlin Brandenburg Airport (EDDB), Germany, 3,")


def test_picking_a_candidate_of_an_existing_place_adds_an_alias_not_a_place(dataset_dir):
    text = HEADER + row("2023-09-01", "Niamey", "Tessallit") + row("2023-09-02", "Tesalitt", "Gao")
    pick = {"name": "Tessalit", "lat": 20.243, "lon": 0.97731, "icao": "GATS", "country": "ML", "picked": "Tessalit (GATS), Mali"}
    preview = prepared(dataset_dir, text, fixes={"Tessallit": pick, "Tesalitt": pick})
    assert preview.new_aliases == {"Tessalit": ("Tessallit", "Tesalitt")} and preview.new_places.empty
    assert preview.places["Tessallit"].status == RESOLVED
    before = len(load_dataset(dataset_dir).places)
    importer.merge(dataset_dir, preview)
    dataset = load_dataset(dataset_dir)
    assert len(dataset.places) == before
    aliases = dataset.places.set_index("name").loc["Tessalit", "aliases"]
    assert {"Tessallit", "Tesalitt", "Tessalit Airport"} <= set(aliases)
    located = locate(dataset)
    ends = set(located.flights["origin_name"]) | set(located.flights["destination_name"])
    assert "Tessallit" not in ends and "Tesalitt" not in ends  # one place, under its name
    from flightmap.routes import airport_totals

    totals = airport_totals(located.flights)
    assert (totals["name"] == "Tessalit").sum() == 1


def test_typed_coordinates_near_an_existing_place_are_its_alias(dataset_dir):
    preview = prepared(dataset_dir, HEADER + row("2023-09-01", "Gao", "Camp près de Niamey"),
                       fixes={"Camp près de Niamey": {"lat": 13.4820, "lon": 2.1840}})
    assert preview.new_aliases == {"Niamey": ("Camp près de Niamey",)} and preview.new_places.empty


def test_typed_coordinates_elsewhere_are_a_new_place_and_names_of_one_place_one_row(dataset_dir):
    far = {"lat": 17.5, "lon": -1.25}
    preview = prepared(dataset_dir, HEADER + row("2023-09-01", "Camp Zulu", "Camp Z"), fixes={"Camp Zulu": far, "Camp Z": far})
    assert preview.new_places[["name", "aliases"]].values.tolist() == [["Camp Zulu", ("Camp Z",)]]
    importer.merge(dataset_dir, preview)
    places = load_dataset(dataset_dir).places.set_index("name")
    assert places.loc["Camp Zulu", "aliases"] == ("Camp Z",)


def test_a_flights_file_without_origin_or_destination_is_refused_naming_the_columns(dataset_dir):
    text = "Date,Ville A,Ville B,Immatriculation,Source,Confidence\n2023-09-01,Gao,Tessalit,5U-MBH,bnn-2024-03-22,reported\n"
    preview = prepared(dataset_dir, text)
    assert not preview.ok
    (problem,) = [p for p in preview.problems if p.column == "origin"]
    assert "no column gives origin or destination" in problem.message and "'Ville A', 'Ville B'" in problem.message


def test_an_event_with_coordinates_is_never_an_unresolved_place(dataset_dir):
    # The flight names 'Camp Zulu' (unknown); the event at 'Camp Zulu' gives its coordinates.
    flights = HEADER + row("2023-09-01", "Gao", "Camp Zulu")
    importer.merge(dataset_dir, prepared(dataset_dir, flights))
    events = ("id,date_start,date_end,date_precision,place,lat,lon,category,title,summary,aircraft,confidence,source_ids,conflict_note\n"
              "ev-zulu,2023-09-01,2023-09-01,day,Camp Zulu,17.5,-1.25,sighting,Seen,Seen there,,reported,bnn-2024-03-22,\n")
    preview = prepared(dataset_dir, events, table=schema.EVENTS, name="events.csv")
    assert preview.places == {}
    assert "Camp Zulu: coordinates in the row" in importer.row_report(preview)[0]["places"]
    importer.merge(dataset_dir, preview)
    located = locate(load_dataset(dataset_dir))
    assert all(p.column != "place" for p in located.unresolved)  # the flight's end is; the event is placed
    assert any(p.column == "destination" and "Camp Zulu" in p.message for p in located.unresolved)
    assert located.events.set_index("id").loc["ev-zulu", "place_method"] == "manual"


def test_validate_warns_about_guesses(dataset_dir, capsys):
    from app import main

    (dataset_dir / "flights.csv").open("a", encoding="utf-8").write(
        "guess-1,2023-10-01,2023-10-01,day,Tessallit,Gao,5UMBH,C-130H,Niger Air Force,dated,,reported,bnn-2024-03-22,x,\n")
    assert main(["validate", str(dataset_dir)]) == 0
    printed = capsys.readouterr()
    assert "place 'Tessallit' is placed at Tessalit, Mali by a guess" in printed.err
    assert "1 placed by a guess to check" in printed.out


def test_places_command_csv_header_and_exit_codes(dataset_dir, tmp_path, capsys):
    assert places_cli.main([str(dataset_dir), "--format", "csv"]) == 0  # the shipped data: all resolved
    lines = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert lines[0] == ["written", "name", "lat", "lon", "country", "method", "score", "status"]
    assert {line[7] for line in lines[1:]} == {"resolved"} and ["Niamay", "Niamey"] == lines[1:][[l[0] for l in lines[1:]].index("Niamay")][:2]

    upload = tmp_path / "sahel.csv"
    upload.write_text(SAHEL, encoding="utf-8")
    assert places_cli.main([str(upload), "--data", str(dataset_dir), "--format", "json"]) == 1
    printed = capsys.readouterr()
    rows = {r["written"]: r for r in json.loads(printed.out)}
    assert (rows["Léré"]["status"], rows["Léré"]["lat"]) == ("unresolved", None) and rows["Léré"]["candidates"]
    assert (rows["Tessallit"]["status"], rows["Tessallit"]["method"]) == ("check", "close spelling")
    assert (rows["Kati"]["status"], rows["Kati"]["method"], rows["Kati"]["country"]) == ("resolved", "gazetteer", "ML")
    assert "2 of 6 place name(s) unresolved or to check" in printed.err


def test_places_command_table_lists_candidates_under_the_flagged(dataset_dir, tmp_path, capsys):
    upload = tmp_path / "sahel.csv"
    upload.write_text(HEADER + row("2023-09-01", "Gao", "BER"), encoding="utf-8")
    assert places_cli.main([str(upload), "--data", str(dataset_dir)]) == 1
    out = capsys.readouterr().out
    assert "candidate: Berlin Brandenburg Airport (EDDB), Germany" in out


def test_the_map_rings_a_place_drawn_by_a_guess(dataset_dir):
    from flightmap.figures import guessed_places, map_figure

    (dataset_dir / "flights.csv").open("a", encoding="utf-8").write(
        "guess-1,2023-10-01,2023-10-01,day,Tessallit,Gao,5UMBH,C-130H,Niger Air Force,dated,,reported,bnn-2024-03-22,x,\n")
    dataset = load_dataset(dataset_dir)
    located = locate(dataset)
    guesses = guessed_places(located.flights, located.events)
    assert guesses[["name", "written"]].values.tolist() == [["Tessalit", ("Tessallit",)]]
    figure = map_figure(located.flights, located.events, dataset.sources, {"version": 8, "sources": {}, "layers": []})
    (ring,) = [t for t in figure.data if t.name == "places to check"]
    assert list(ring.lat) == [pytest.approx(20.243, abs=1e-3)] and "Tessallit" in ring.hovertext[0]
    plain = map_figure(located.flights[located.flights["id"] != "guess-1"], located.events, dataset.sources, {"version": 8, "sources": {}, "layers": []})
    assert not [t for t in plain.data if t.name == "places to check"]
