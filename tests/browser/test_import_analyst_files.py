"""Analysts' files on the page (issue 14): an ambiguous date column asks once, Merge says why it
is off, and the page lands the same rows as the command line given the same choices."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app import main
from flightmap.loader import load_dataset
from tests.browser.conftest import wait_for_map
from tests.browser.test_import import control
from tests.conftest import DEFAULT_DATA

CORPUS = Path(__file__).resolve().parents[1] / "data" / "analyst_files"
SUMMARY = "() => document.getElementById('import-summary').textContent"


def test_ambiguous_dates_are_asked_once_and_land_as_on_the_command_line(server_for, page, tmp_path):
    on_page, on_cli = tmp_path / "page" / "data", tmp_path / "cli" / "data"
    for folder in (on_page, on_cli):
        shutil.copytree(DEFAULT_DATA, folder)
    sheet = CORPUS / "dates_ambigues.csv"
    assert main(["import", str(sheet), "--data", str(on_cli), "--monthfirst"]) == 0

    server = server_for(on_page)
    page.goto(server.url)
    wait_for_map(page)
    page.locator("#import-open").click()
    page.locator("#import-upload input[type=file]").set_input_files(str(sheet))

    # The dates read two ways: the page asks (once, for the file), and Merge says why it is off.
    page.wait_for_function(f"() => ({SUMMARY})().includes('read two ways')", timeout=60_000)
    assert page.locator("#import-date-order-box").is_visible()
    assert page.locator("#import-merge").is_disabled()
    why = page.locator("#import-merge-why").text_content()
    assert why.startswith("Merge is off until:") and "Date: 3 date(s) read two ways" in why

    page.get_by_label("month first (03/04/2023 = 4 March)").check()
    page.wait_for_function(f"() => ({SUMMARY})().includes('Ready to merge')", timeout=60_000)
    assert page.locator("#import-merge-why").text_content() == ""
    page.locator("#import-merge").click()
    page.wait_for_function("() => document.getElementById('import-message').textContent.includes('Merged 3 rows')", timeout=60_000)

    mine = load_dataset(on_page).flights.set_index("id")
    theirs = load_dataset(on_cli).flights.set_index("id")
    new = [i for i in theirs.index if i.startswith("dates-ambigues")]
    assert [f"{d:%Y-%m-%d}" for d in theirs.loc[new, "date_start"]] == ["2023-03-04", "2023-05-06", "2023-11-12"]
    columns = ["date_start", "date_end", "origin", "destination", "registration", "confidence", "source_ids", "summary"]
    assert mine.loc[new, columns].equals(theirs.loc[new, columns])


def test_a_file_missing_a_required_value_says_so_by_merge(server_for, page, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA, data)
    sheet = tmp_path / "no-confidence.csv"
    sheet.write_text("Date,From,To,Tail,Source,Notes\n2023-09-01,Bamako,Gao,5U-MBH,bnn-2024-03-22,SYNTHETIC test row\n", encoding="utf-8")
    server = server_for(data)
    page.goto(server.url)
    wait_for_map(page)
    page.locator("#import-open").click()
    page.locator("#import-upload input[type=file]").set_input_files(str(sheet))
    page.wait_for_function(f"() => ({SUMMARY})().includes('1 problem(s) of the whole file')", timeout=60_000)
    assert "confidence: no column of the file gives this required column" in page.locator("#import-merge-why").text_content()
    assert not page.locator("#import-date-order-box").is_visible()

    # One value for every row, as --set confidence=reported would give.
    page.locator(control("import-constant", column="confidence")).click()
    page.get_by_role("option", name="reported", exact=True).click()
    page.wait_for_function(f"() => ({SUMMARY})().includes('Ready to merge')", timeout=60_000)
    assert not page.locator("#import-merge").is_disabled()


def pick_column(page, ours: str, theirs: str):
    page.locator(control("import-column", column=ours)).click()
    page.get_by_role("option", name=theirs, exact=True).click()


def type_constant(page, column: str, value: str):
    box = page.locator(control("import-constant", column=column))
    box.fill(value)
    box.press("Enter")


MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
FILES = MANIFEST.get("files") or MANIFEST
ORDER_LABELS = {"--dayfirst": "day first (03/04/2023 = 3 April)", "--monthfirst": "month first (03/04/2023 = 4 March)"}


def page_choices(args: list[str]) -> dict:
    """The command line's options as what a person does on the page."""
    choices = {"columns": {}, "constants": {}, "order": None, "table": None}
    items = iter(args)
    for arg in items:
        if arg in ORDER_LABELS:
            choices["order"] = ORDER_LABELS[arg]
        elif arg in ("--set", "--map", "--table"):
            value = next(items)
            if arg == "--set":
                column, _, given = value.partition("=")
                choices["constants"][column] = given
            elif arg == "--map":
                theirs, _, ours = value.rpartition("=")
                choices["columns"][ours] = theirs
            else:
                choices["table"] = value
    return choices


@pytest.mark.parametrize("name", sorted(FILES), ids=sorted(FILES))
def test_an_analysts_file_lands_the_same_through_the_page_as_on_the_command_line(name, server_for, page, tmp_path):
    entry = FILES[name]
    choices = page_choices(entry["args"])
    table = choices["table"] or entry.get("table") or "flights"
    on_page, on_cli = tmp_path / "page" / "data", tmp_path / "cli" / "data"
    for folder in (on_page, on_cli):
        shutil.copytree(DEFAULT_DATA, folder)
    assert main(["import", str(CORPUS / name), "--data", str(on_cli), *entry["args"]]) == 0

    server = server_for(on_page)
    page.goto(server.url)
    wait_for_map(page)
    page.locator("#import-open").click()
    page.locator("#import-upload input[type=file]").set_input_files(str(CORPUS / name))
    page.wait_for_function(f"() => ({SUMMARY})().includes('rows:')", timeout=60_000)
    if choices["table"]:
        page.locator("#import-table").get_by_role("radio", name=choices["table"], exact=True).check()
    for ours, theirs in choices["columns"].items():
        pick_column(page, ours, theirs)
    for column, value in choices["constants"].items():
        if column in ("confidence", "kind", "date_precision", "category"):
            page.locator(control("import-constant", column=column)).click()
            page.get_by_role("option", name=value, exact=True).click()
        else:
            type_constant(page, column, value)
    if choices["order"]:
        page.get_by_label(choices["order"]).check()
    page.wait_for_function(f"() => ({SUMMARY})().includes('Ready to merge')", timeout=60_000)
    page.locator("#import-merge").click()
    page.wait_for_function(f"() => document.getElementById('import-message').textContent.includes('Merged {entry['rows']} rows')", timeout=60_000)

    mine, theirs, before = load_dataset(on_page), load_dataset(on_cli), load_dataset(DEFAULT_DATA)
    assert len(getattr(mine, table)) == len(getattr(theirs, table)) == len(getattr(before, table)) + entry["rows"]
    for part in ("flights", "events", "sources", "places"):  # rows, places, dates, times, registrations and sources alike
        assert getattr(mine, part).equals(getattr(theirs, part)), part
