"""Importing an analyst's table: a corpus of bad files, each with its own message and nothing
changed on disk; column matching; merging that keeps every existing byte; the session layer."""
from __future__ import annotations

import errno
import hashlib
import io
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from flightmap import import_cli, importer, schema
from flightmap.loader import DataValidationError, load_dataset

HEADER = "Date,From,To,Tail,Source,Notes,Confidence\n"
ROW = "2023-09-01,Bamako,Gao,5U-MBH,bnn-2024-03-22,{note},reported\n"
GOOD = HEADER + ROW.format(note="test flight one") + "2023-09-02,Gao,Tessalit,5U-MBH,bnn-2024-03-22,test flight two,reported\n"
EVENTS_HEADER = "id,date_start,date_end,date_precision,place,lat,lon,category,title,summary,aircraft,confidence,source_ids,conflict_note\n"


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file's hash; the save lock's empty marker file does not count as data."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".flightmap-save.lock"}


def xlsx_bytes(frame: pd.DataFrame) -> bytes:
    out = io.BytesIO()
    frame.to_excel(out, index=False)
    return out.getvalue()


def big_file() -> bytes:
    line = ROW.format(note="x" * 200).encode()
    return HEADER.encode() + line * (importer.MAX_UPLOAD_BYTES // len(line) + 10)


# name, content, where the message is printed, what it says
BAD_FILES = [
    ("missing-columns.csv", b"From,To\nBamako,Gao\n", "'date_start': no column of the file gives this required column"),
    ("bad-date.csv", (HEADER + "2023-02-30,Bamako,Gao,5U-MBH,bnn-2024-03-22,x,reported\n").encode(), "row 2, column 'Date': '2023-02-30'"),
    ("end-before-start.csv", b"Start date,End date,From,To,Source,Notes,Confidence\n2023-09-05,2023-09-01,Bamako,Gao,bnn-2024-03-22,x,reported\n", "row 2, column 'End date': 2023-09-01 is before date_start 2023-09-05"),
    ("out-of-range.csv", (EVENTS_HEADER + "e1,2023-09-01,2023-09-01,day,,95,10,sighting,T,S,,reported,bnn-2024-03-22,\n").encode(), "row 2, column 'lat': '95'"),
    ("half-coordinates.csv", (EVENTS_HEADER + "e1,2023-09-01,2023-09-01,day,,15,,sighting,T,S,,reported,bnn-2024-03-22,\n").encode(), "row 2, column 'lon': is empty while its pair is given"),
    ("duplicate-ids.csv", b"id,Date,From,To,Source,Notes,Confidence\na,2023-09-01,Bamako,Gao,bnn-2024-03-22,x,reported\na,2023-09-02,Gao,Bamako,bnn-2024-03-22,y,reported\n", "row 3, column 'id': 'a' repeats the id of row 2"),
    ("existing-id.csv", b"id,Date,From,To,Source,Notes,Confidence\nloop-1,2023-09-01,Bamako,Gao,bnn-2024-03-22,x,reported\n", "'loop-1' is already a record of data/flights.csv"),
    ("unknown-source.csv", (HEADER + "2023-09-01,Bamako,Gao,5U-MBH,my-notes,x,reported\n").encode(), "row 2, column 'Source': unknown source id 'my-notes'"),
    ("bad-confidence.csv", (HEADER + "2023-09-01,Bamako,Gao,5U-MBH,bnn-2024-03-22,x,sure\n").encode(), "row 2, column 'Confidence': 'sure' is not an allowed value"),
    ("disputed-silent.csv", (HEADER + "2023-09-01,Bamako,Gao,5U-MBH,bnn-2024-03-22,x,disputed\n").encode(), "row 2, column 'conflict_note': is empty on a disputed record"),
    ("latin-1.csv", (HEADER + "2023-09-01,Bamako-Sénou,Gao,5U-MBH,bnn-2024-03-22,x,reported\n").encode("latin-1"), "not UTF-8 text: byte 0xE9 on line 2 (it looks like Latin-1"),
    ("empty.csv", b"", "the file is empty"),
    ("blank.csv", b"\n\n  \n", "the file is empty"),
    ("header-only.csv", HEADER.encode(), "the file has a header but no rows"),
    ("huge.csv", big_file(), "the limit is 5.0 MB"),
    ("too-many-rows.csv", (HEADER + ROW.format(note="n") * (importer.MAX_ROWS + 1)).encode(), f"rows; the limit is {importer.MAX_ROWS:,}"),
    ("formula.csv", (HEADER + ROW.format(note='=HYPERLINK("http://x")')).encode(), "row 2, column 'Notes': '=HYPERLINK(\"http://x\")' looks like a spreadsheet formula"),
    ("formula-at.csv", (HEADER + ROW.format(note="@SUM(A1)")).encode(), "looks like a spreadsheet formula"),
    ("html.csv", (HEADER + ROW.format(note="<script>alert(1)</script>")).encode(), "row 2, column 'Notes': '<script>alert(1)</script>' contains HTML markup"),
    ("img-onerror.csv", (HEADER.replace("Tail", "Operator") + "2023-09-01,Bamako,Gao,<img src=x onerror=alert(1)>,bnn-2024-03-22,x,reported\n").encode(), "column 'Operator': '<img src=x onerror=alert(1)>' contains HTML markup"),
    ("ambiguous-dates.csv", (GOOD + "03/04/2023,Niamey,Bamako,5U-MBH,bnn-2024-03-22,x,reported\n").encode(), "column 'Date': 1 date(s) read two ways, e.g. '03/04/2023' (day first or month first?)"),
    ("not-a-date.csv", (GOOD + "the day after,Niamey,Bamako,5U-MBH,bnn-2024-03-22,x,reported\n").encode(), "column 'Date': mixed date formats: 2 rows are YYYY-MM-DD, 1 are not (first: row 4, 'the day after')"),
    ("repeated-header.csv", b"Date,Date,From\n2023-09-01,2023-09-02,Bamako\n", "the header repeats 'Date'"),
    ("flights.xls", b"\xd0\xcf\x11\xe0 old excel", "cannot read '.xls' files"),
    ("corrupt.xlsx", b"PK\x03\x04 not really a workbook", "not a readable Excel (.xlsx) file"),
    ("broken.json", b'[{"date": "2023-09-01",}]', "not valid JSON: Expecting property name enclosed in double quotes at line 1"),
    ("not-a-list.json", b'{"hello": "world"}', "the JSON object holds no list of rows"),
    ("nested.json", b'[{"date": "2023-09-01", "from": ["Bamako"]}]', "row 2, column 'from': 'from' holds a list or object"),
    ("bad-count.csv", b"Date,From,To,Count,Source,Notes,Confidence\n2023-09-01,Bamako,Gao,-2,bnn-2024-03-22,x,reported\n", "row 2, column 'Count': '-2'"),
    # Issue 15: a leading sign no longer lets a formula through; only a whole number does.
    ("formula-minus.csv", (HEADER + ROW.format(note="-2+3+cmd|' /C calc'!A0")).encode(), "row 2, column 'Notes': '-2+3+cmd|' /C calc'!A0' looks like a spreadsheet formula"),
    ("formula-plus.csv", (HEADER + ROW.format(note="+1+cmd|' /C calc'!A0")).encode(), "row 2, column 'Notes': '+1+cmd|' /C calc'!A0' looks like a spreadsheet formula"),
    ("formula-zero.csv", (HEADER.replace("Tail", "Operator") + "2023-09-01,Bamako,Gao,-0+cmd|' /C calc'!A0,bnn-2024-03-22,x,reported\n").encode(), "row 2, column 'Operator': '-0+cmd|' /C calc'!A0' looks like a spreadsheet formula"),
    ("formula-hyperlink.csv", (HEADER + ROW.format(note='"-1+HYPERLINK(""http://x"",""y"")"')).encode(), "looks like a spreadsheet formula"),
    ("nul.csv", (HEADER + ROW.format(note="a\x00b")).encode(), "row 2, column 'Notes': contains the control character U+0000 (NUL) at character 2"),
    ("ansi-escape.csv", (HEADER + ROW.format(note="\x1b[31mred\x1b[0m")).encode(), "row 2, column 'Notes': contains the control character U+001B (ESC) at character 1"),
    ("bidi-override.csv", (HEADER + "2023-09-01,Bamako,Gao,5U-\u202eHBM,bnn-2024-03-22,x,reported\n").encode(), "row 2, column 'Tail': contains the control character U+202E (right-to-left override) at character 4"),
    ("bidi-isolate.csv", (HEADER + ROW.format(note="ok \u2067x")).encode(), "U+2067 (right-to-left isolate)"),
    ("newline-in-name.csv", (HEADER + '2023-09-01,Bamako,Gao,"5U\nMBH",bnn-2024-03-22,x,reported\n').encode(), "row 2, column 'Tail': contains the control character U+000A (newline) at character 3"),
]


@pytest.mark.parametrize("name, content, message", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_each_bad_file_gets_its_message_and_changes_nothing(name, content, message, dataset_dir, tmp_path, capsys):
    path = tmp_path / name
    path.write_bytes(content)
    before = fingerprint(dataset_dir)
    assert import_cli.import_file([str(path), "--data", str(dataset_dir)]) == 1
    printed = capsys.readouterr()
    assert message in printed.err, printed.err
    assert "Nothing was written." in printed.err
    assert fingerprint(dataset_dir) == before


def test_numbers_and_text_that_only_look_like_formulas_are_kept(dataset_dir, tmp_path):
    """A whole number may start with - or +, a tab or a line break may sit inside free text."""
    path = tmp_path / "fine.csv"
    path.write_text(HEADER + ROW.format(note="-12.5") + ROW.format(note='"line one\nline\ttwo"').replace("2023-09-01", "2023-09-02")
                    + ROW.format(note="+3").replace("2023-09-01", "2023-09-03"), encoding="utf-8")
    assert import_cli.validate_file([str(path), "--data", str(dataset_dir)]) == 0


def test_the_command_line_never_prints_a_cell_raw_to_the_terminal(dataset_dir, tmp_path, capsys):
    path = tmp_path / "escapes.csv"
    path.write_text(HEADER + ROW.format(note="=1+1\x1b[2J\x1b]0;pwned\x07") + "2023-09-02,Bamako,Gao,5U-\u202eMBH,bnn-2024-03-22,\x9b31m,reported\n", encoding="utf-8")
    assert import_cli.import_file([str(path), "--data", str(dataset_dir)]) == 1
    printed = capsys.readouterr()
    assert "looks like a spreadsheet formula" in printed.err and "U+202E" in printed.err and "U+009B" in printed.err
    for raw in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert raw not in printed.out + printed.err
    assert "\\x1b[2J" in printed.err  # the cell is quoted, visibly escaped


def test_the_corpus_has_at_least_twenty_kinds():
    assert len(BAD_FILES) >= 20 and len({b[0] for b in BAD_FILES}) == len(BAD_FILES)


def test_a_byte_order_mark_is_dropped_with_a_note(dataset_dir, tmp_path, capsys):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert import_cli.validate_file([str(path), "--data", str(dataset_dir)]) == 0
    out = capsys.readouterr().out
    assert "Removed the byte-order mark" in out and "Date → date_start" in out


def test_unknown_columns_and_places_are_named_not_fatal(dataset_dir, tmp_path, capsys):
    path = tmp_path / "extra.csv"
    path.write_text(HEADER.replace("\n", ",Analyst\n") + "2023-09-01,Bamako,Atlantis,5U-MBH,bnn-2024-03-22,x,reported,JD\n", encoding="utf-8")
    assert import_cli.validate_file([str(path), "--data", str(dataset_dir)]) == 0
    printed = capsys.readouterr()
    assert "Not imported (no matching column): 'Analyst'" in printed.out
    assert "place 'Atlantis' not found" in printed.err


def test_validate_accepts_a_folder_or_a_file(dataset_dir, tmp_path):
    import app

    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(HEADER + ROW.format(note="=1+1"), encoding="utf-8")
    assert app.main(["validate", str(dataset_dir)]) == 0
    assert app.main(["validate", str(good), "--data", str(dataset_dir)]) == 0
    assert app.main(["validate", str(bad), "--data", str(dataset_dir)]) == 1


# ----------------------------------------------------------------------------- columns

@pytest.mark.parametrize("columns, expected", [
    (["Date", "From", "To", "Reg"], {"date_start": "Date", "origin": "From", "destination": "To", "registration": "Reg"}),
    (["day", "origin airport", "dest", "tail number", "Aircraft Type"], {"date_start": "day", "origin": "origin airport", "destination": "dest", "registration": "tail number", "aircraft_type": "Aircraft Type"}),
    (["Departure Date", "Arrival Date", "Departure", "Arrival"], {"date_start": "Departure Date", "date_end": "Arrival Date", "origin": "Departure", "destination": "Arrival"}),
    (schema.FLIGHTS.column_names, {c: c for c in schema.FLIGHTS.column_names}),
])
def test_common_column_names_are_matched(columns, expected):
    assert importer.guess_mapping(columns, schema.FLIGHTS) == expected


def test_events_are_told_from_flights_by_their_columns():
    assert importer.guess_table(["date", "location", "latitude", "longitude", "title"]) is schema.EVENTS
    assert importer.guess_table(["date", "from", "to", "tail"]) is schema.FLIGHTS
    mapping = importer.guess_mapping(["date", "location", "latitude", "longitude", "title", "event type"], schema.EVENTS)
    assert mapping == {"date_start": "date", "place": "location", "lat": "latitude", "lon": "longitude", "category": "event type", "title": "title"}


def test_xlsx_and_json_read_like_csv(tmp_path):
    frame = pd.DataFrame({"Date": pd.to_datetime(["2023-09-01", "2023-09-02"]), "From": ["Bamako", "Gao"], "Count": [2.0, None]})
    upload = importer.read_upload(xlsx_bytes(frame), "log.xlsx")
    assert upload.frame.to_dict("list") == {"Date": ["2023-09-01", "2023-09-02"], "From": ["Bamako", "Gao"], "Count": ["2", ""]}
    records = json.dumps({"flights": [{"Date": "2023-09-01", "From": "Bamako", "Count": 2}, {"Date": "2023-09-02", "From": "Gao"}]}).encode()
    assert importer.read_upload(records, "log.json").frame.to_dict("list") == {"Date": ["2023-09-01", "2023-09-02"], "From": ["Bamako", "Gao"], "Count": ["2", ""]}


def test_semicolon_separated_csv_is_read(tmp_path):
    upload = importer.read_upload(GOOD.replace(",", ";").encode(), "eu.csv")
    assert list(upload.frame.columns) == HEADER.strip().split(",") and len(upload.frame) == 2
    assert any("';'" in n for n in upload.notices)


# ----------------------------------------------------------------------------- merging

def prepared(dataset_dir, text: str, name: str = "mine.csv", **kwargs):
    dataset = load_dataset(dataset_dir)
    upload = importer.read_upload(text.encode(), name)
    table = importer.guess_table(upload.frame.columns)
    return importer.prepare(upload, table, importer.guess_mapping(upload.frame.columns, table), dataset, **kwargs)


def test_merge_appends_rows_and_keeps_every_existing_byte(dataset_dir, capsys):
    before = (dataset_dir / "flights.csv").read_bytes()
    preview = prepared(dataset_dir, GOOD)
    assert preview.ok, preview.problems
    texts, backups = importer.merge(dataset_dir, preview)
    after = (dataset_dir / "flights.csv").read_bytes()
    assert after.startswith(before) and after.count(b"\n") == before.count(b"\n") + 2
    assert [b.read_bytes() for b in backups] == [before]
    flights = load_dataset(dataset_dir).flights.set_index("id")
    assert flights.loc["mine-2", ["origin", "destination", "kind", "date_precision"]].tolist() == ["Gao", "Tessalit", "dated", "day"]


def test_places_fixed_at_import_go_to_places_csv(dataset_dir):
    text = HEADER + "2023-09-01,Bamako,Camp Zulu,5U-MBH,bnn-2024-03-22,x,reported\n2023-09-02,Camp Zulu,Tesalitt,5U-MBH,bnn-2024-03-22,y,reported\n"
    preview = prepared(dataset_dir, text)
    assert set(preview.unresolved) >= {"Camp Zulu"}
    fixes = {"Camp Zulu": {"lat": 17.5, "lon": -1.25}}
    preview = prepared(dataset_dir, text, fixes=fixes)
    assert "Camp Zulu" not in preview.unresolved and preview.ok
    importer.merge(dataset_dir, preview)
    places = load_dataset(dataset_dir).places.set_index("name")
    assert places.loc["Camp Zulu", ["lat", "lon"]].tolist() == [17.5, -1.25]
    assert "Added at import" in places.loc["Camp Zulu", "notes"]


def test_typed_coordinates_must_be_numbers_in_range(dataset_dir):
    preview = prepared(dataset_dir, HEADER + "2023-09-01,Bamako,Camp Zulu,5U-MBH,bnn-2024-03-22,x,reported\n", fixes={"Camp Zulu": {"lat": "north", "lon": 200}})
    assert {p.column for p in preview.problems} == {"lat", "lon"}


def test_a_merge_with_problems_writes_nothing(dataset_dir):
    before = fingerprint(dataset_dir)
    preview = prepared(dataset_dir, HEADER + ROW.format(note="=1+1"))
    with pytest.raises(DataValidationError):
        importer.merge(dataset_dir, preview)
    assert fingerprint(dataset_dir) == before


def test_the_session_layer_is_located_but_never_saved(dataset_dir):
    before = fingerprint(dataset_dir)
    preview = prepared(dataset_dir, GOOD)
    located = importer.locate_session(load_dataset(dataset_dir), "flights", preview.rows.to_dict("records"))
    assert located.flights["destination_name"].tolist() == ["Gao", "Tessalit"]
    assert located.flights["origin_lat"].notna().all() and located.events.empty
    assert fingerprint(dataset_dir) == before


def test_merges_at_the_same_time_both_land(dataset_dir):
    """Each merge reads the file, adds its rows and saves: a save in between must not be undone."""
    from concurrent.futures import ThreadPoolExecutor

    previews = [prepared(dataset_dir, GOOD, name=f"analyst-{n}.csv") for n in range(4)]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda p: importer.merge(dataset_dir, p), previews))
    ids = set(load_dataset(dataset_dir).flights["id"])
    assert {f"analyst-{n}-{k}" for n in range(4) for k in (1, 2)} <= ids


@pytest.mark.parametrize("error, message", [(errno.ENOSPC, "the disk is full"), (errno.EROFS, "read-only")])
def test_a_merge_on_a_full_or_read_only_disk_says_so_and_changes_nothing(error, message, dataset_dir, monkeypatch, capsys):
    from flightmap import saving

    def refuse(*args, **kwargs):
        raise OSError(error, os.strerror(error))

    monkeypatch.setattr(saving.tempfile, "mkstemp", refuse)
    path = dataset_dir.parent / "mine.csv"
    path.write_text(GOOD, encoding="utf-8")
    before = fingerprint(dataset_dir)
    assert import_cli.import_file([str(path), "--data", str(dataset_dir)]) == 1
    err = capsys.readouterr().err
    assert "Not saved:" in err and message in err and "Nothing was changed" in err
    assert fingerprint(dataset_dir) == before


def test_a_read_only_folder_is_named_by_the_file_the_merge_was_for(dataset_dir, monkeypatch, capsys):
    """The lock file cannot be created: the message names flights.csv, not 'the dataset'."""
    from flightmap import saving

    real_open = os.open

    def read_only(path, flags, *args, **kwargs):
        if str(path).endswith(saving.LOCK_NAME):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return real_open(path, flags, *args, **kwargs)

    (dataset_dir / saving.LOCK_NAME).unlink(missing_ok=True)
    monkeypatch.setattr(saving.os, "open", read_only)
    path = dataset_dir.parent / "mine.csv"
    path.write_text(GOOD, encoding="utf-8")
    before = fingerprint(dataset_dir)
    assert import_cli.import_file([str(path), "--data", str(dataset_dir)]) == 1
    err = capsys.readouterr().err
    assert f"Could not save {dataset_dir / 'flights.csv'}: the data folder is read-only" in err and "the dataset" not in err
    assert fingerprint(dataset_dir) == before


def test_a_losing_concurrent_import_names_its_own_rows(dataset_dir):
    """Two imports of the same ids, both previewed clean: the second to merge is refused, and its
    message names its own file and rows, not rows of the scratch copy the merge loaded."""
    text = "id,Date,From,To,Source,Notes,Confidence\nshared-1,2023-09-01,Bamako,Gao,bnn-2024-03-22,x,reported\nshared-2,2023-09-02,Gao,Bamako,bnn-2024-03-22,y,reported\n"
    first, second = prepared(dataset_dir, text, name="first.csv"), prepared(dataset_dir, text, name="second.csv")
    assert first.ok and second.ok
    importer.merge(dataset_dir, first)
    before = fingerprint(dataset_dir)
    with pytest.raises(DataValidationError) as caught:
        importer.merge(dataset_dir, second)
    problems = caught.value.problems
    assert [(p.file, p.row, p.column) for p in problems] == [("second.csv", 2, "id"), ("second.csv", 3, "id")]
    assert "'shared-1' repeats the id of row" in problems[0].message and "which another save changed after this preview" in problems[0].message
    assert fingerprint(dataset_dir) == before


def test_blank_lines_before_the_header_and_between_rows_are_skipped():
    upload = importer.read_upload(b"\n\n" + GOOD.replace("\n2023-09-02", "\n\n2023-09-02").encode(), "blanks.csv")
    assert list(upload.frame.columns) == HEADER.strip().split(",") and len(upload.frame) == 2
