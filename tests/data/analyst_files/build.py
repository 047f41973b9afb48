"""Writes the binary files of the analyst-file corpus (issue 14): the two Excel workbooks.

    .venv/bin/python tests/data/analyst_files/build.py [--check]

Everything here is SYNTHETIC test data: real place names of Mali and Niger, the registration
5U-MBH or the made-up TZ-TST, dates in 2023-2024, and no real reporting. The cells are what
Excel itself stores: `Date` holds real date cells (a serial number with a date format) in
vols_5U-MBH.xlsx and real date-time cells in adsb_log.xlsx, never text.

The workbooks are written with fixed document properties so that a rebuild gives the same
cells; `--check` rebuilds in memory and fails if a committed workbook's cells differ.
The text files (CSV, JSON) are committed as they are; manifest.json says what each must import as.
"""
from __future__ import annotations

import argparse
import io
import sys
from datetime import date, datetime
from pathlib import Path

import openpyxl
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent
FIXED = datetime(2024, 1, 5, 10, 0, 0)

# French workbook: Date as Excel date cells (shown DD/MM/YYYY), French headers and values,
# free-text sources, and a 'Désaccord' column the command maps with --map Désaccord=conflict_note.
VOLS_HEADER = ["Date", "Départ", "Arrivée", "Immatriculation", "Type", "Opérateur", "Source", "Fiabilité", "Résumé", "Désaccord"]
VOLS_ROWS = [
    [date(2023, 10, 13), "Gao", "Tessalit", "5U-MBH", "C-130H", "Armée de l'air du Niger", "RFI", "signalé",
     "SYNTHETIC test file : rotation signalée entre Gao et Tessalit", None],
    [date(2023, 10, 16), "Tessalit", "Gao", "5U-MBH", "C-130H", "Armée de l'air du Niger", "fratmat-rfi-2023-10-16", "confirmé",
     "SYNTHETIC test file : retour vers Gao", None],
    [date(2023, 10, 16), "Bamako", "Tessalit", None, "An-26", "Armée de l'air du Mali", "Jeune Afrique", "contesté",
     "SYNTHETIC test file : appareil non immatriculé", "SYNTHETIC : une source dit C-130, l'autre An-26"],
    [date(2023, 11, 14), "Gao", "Kidal", "5UMBH", "C-130H", "Armée de l'air du Niger", "RFI", "confirmé",
     "SYNTHETIC test file : immatriculation sans tiret", None],
    [date(2023, 11, 18), "Niamey", "Gao", "5U-MBH", "C-130H", "Armée de l'air du Niger", "Jeune Afrique", "rapporté",
     "SYNTHETIC test file : départ de Niamey", None],
    [date(2023, 11, 20), "Gao", "Niamey", "5U-MBH", "C-130H", "Armée de l'air du Niger", "allafrica-rfi-2023-11-18", "probable",
     "SYNTHETIC test file : retour vers Niamey", None],
]

# English ADS-B log kept in Excel: Date holds date-time cells (UTC), with a callsign column.
LOG_HEADER = ["Date", "From", "To", "Callsign", "Reg", "Type", "Source", "Confidence", "Notes"]
LOG_ROWS = [
    [datetime(2023, 10, 27, 8, 14), "Bamako", "Gao", "TST130", "5U-MBH", "C-130H", "research-notes", "reported", "SYNTHETIC test file: Excel date-time cell"],
    [datetime(2023, 10, 27, 13, 5), "Gao", "Tessalit", "TST131", "5U-MBH", "C-130H", "research-notes", "reported", "SYNTHETIC test file: second leg the same day"],
    [datetime(2023, 10, 28, 7, 41), "Tessalit", "Niamey", "TST132", None, "C-130H", "research-notes", "reported", "SYNTHETIC test file: no registration"],
]


def _sheet(workbook, title: str, header: list[str], rows: list[list], number_format: str):
    sheet = workbook.create_sheet(title)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for (cell,) in sheet.iter_rows(min_row=2, max_col=1):
        cell.number_format = number_format
    sheet.column_dimensions["A"].width = 18
    return sheet


def _workbook() -> openpyxl.Workbook:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    workbook.properties.creator = "SYNTHETIC test file"
    workbook.properties.created = FIXED
    workbook.properties.modified = FIXED
    return workbook


def vols() -> openpyxl.Workbook:
    workbook = _workbook()
    _sheet(workbook, "Vols", VOLS_HEADER, VOLS_ROWS, "DD/MM/YYYY")
    notes = workbook.create_sheet("Notes")  # a second sheet the import leaves alone (and says so)
    notes.append(["SYNTHETIC test file: made up for the import tests, not real reporting."])
    return workbook


def adsb_log() -> openpyxl.Workbook:
    workbook = _workbook()
    _sheet(workbook, "Log", LOG_HEADER, LOG_ROWS, "YYYY-MM-DD HH:MM")
    return workbook


WORKBOOKS = {"vols_5U-MBH.xlsx": vols, "adsb_log.xlsx": adsb_log}


def cells(content: bytes) -> list[list[list]]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if a committed workbook differs from a rebuild")
    args = parser.parse_args(argv)
    stale = []
    for name, build in WORKBOOKS.items():
        out = io.BytesIO()
        build().save(out)
        path = HERE / name
        if args.check:
            if not path.is_file() or cells(path.read_bytes()) != cells(out.getvalue()):
                stale.append(name)
        else:
            path.write_bytes(out.getvalue())
            print(f"wrote {path.relative_to(HERE.parent.parent.parent)}")
    if stale:
        print("stale: " + ", ".join(stale) + " (run tests/data/analyst_files/build.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
