"""Small files that cost a lot to read (issue 15): each is at most a few MB on disk and expands,
when read naively, into gigabytes or minutes. Shared by tests/test_hostile_files.py (which reads
each under a memory and CPU limit) and benchmarks/hostile.py (which measures the cost).

Every maker takes a size so the tests can use a smaller bomb than the benchmark: what matters in
a test is that the limit is crossed, not by how much.
"""
from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator

import pandas as pd

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _head(dimension: str | None) -> bytes:
    """The sheet's opening; spreadsheet programs declare the used range (<dimension>) first."""
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS}>{declared}<sheetData>'.encode()


_TAIL = b"</sheetData></worksheet>"
HEADER_CELLS = b'<row r="1"><c r="A1" t="inlineStr"><is><t>Date</t></is></c><c r="B1" t="inlineStr"><is><t>From</t></is></c></row>'


def _template() -> dict[str, bytes]:
    """The parts of a real workbook (as pandas and openpyxl write it), to replace the sheet in."""
    out = io.BytesIO()
    pd.DataFrame({"Date": ["2023-09-01"], "From": ["Bamako"]}).to_excel(out, index=False)
    with zipfile.ZipFile(out) as workbook:
        return {info.filename: workbook.read(info.filename) for info in workbook.infolist()}


def xlsx_with(sheet: Iterable[bytes], shared_strings: Iterable[bytes] | None = None) -> bytes:
    """A workbook whose first sheet's XML (and shared-strings XML) are the given chunks, streamed
    into the zip so that a gigabyte of XML never sits in memory here either."""
    out = io.BytesIO()
    parts = _template()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as workbook:
        for name, data in parts.items():
            if name == "xl/worksheets/sheet1.xml":
                chunks = sheet
            elif name == "xl/sharedStrings.xml" and shared_strings is not None:
                chunks = shared_strings
            else:
                workbook.writestr(name, data)
                continue
            with workbook.open(name, "w", force_zip64=True) as part:
                for chunk in chunks:
                    part.write(chunk)
    return out.getvalue()


def _repeat(block: bytes, total: int) -> Iterator[bytes]:
    chunk = block * max(1, (1 << 20) // len(block))
    while total > 0:
        piece = chunk[:total]
        yield piece
        total -= len(piece)


def xlsx_huge_cell(chars: int) -> bytes:
    """One shared string of `chars` characters (the issue's: 1.5 GB in a 1.5 MB file)."""
    sst_head = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst {_NS} count="1" uniqueCount="1"><si><t>'.encode()
    strings = [sst_head, *_repeat(b"A", chars), b"</t></si></sst>"]
    sheet = [_head("A1:B2"), HEADER_CELLS, b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>', _TAIL]
    return xlsx_with(sheet, strings)


def xlsx_many_rows(rows: int, declared: bool = True) -> bytes:
    """`rows` one-cell rows (the issue's: 3 M rows in a 1.6 MB file); `declared=False` leaves
    out the <dimension>, which makes openpyxl parse the whole sheet on opening."""
    return xlsx_with([_head(f"A1:B{rows + 1}" if declared else None), HEADER_CELLS, *_repeat(b"<row><c><v>1</v></c></row>", rows * 26), _TAIL])


def xlsx_many_cells(rows: int, columns: int) -> bytes:
    """`rows` rows of `columns` numeric cells (the issue's: 2 M cells in a 223 KB file)."""
    row = b"<row>" + b"<c><v>1</v></c>" * columns + b"</row>"
    return xlsx_with([_head(f"A1:B{rows + 1}"), HEADER_CELLS, *_repeat(row, rows * len(row)), _TAIL])


def xlsx_far_cell(rows: int) -> bytes:
    """Rows whose only cell is in the last column Excel has (XFD), declared as such: a reader
    that pads every row to the declared width holds 16,384 cells per row."""
    return xlsx_with([_head(f"A1:XFD{rows + 1}"), HEADER_CELLS, *_repeat(b'<row><c r="XFD1"><v>1</v></c></row>', rows * 35), _TAIL])


def csv_wide_row(fields: int) -> bytes:
    """A data row of `fields` empty fields (the issue's: 5 M fields)."""
    return b"Date,From,To\n" + b"," * fields + b"\n"


def csv_many_headers(count: int) -> bytes:
    """A header of `count` distinct names (the issue's: 600 k), and one row."""
    return ",".join(f"c{n}" for n in range(count)).encode() + b"\n1\n"


def csv_many_rows(rows: int) -> bytes:
    """`rows` one-field rows: the row limit must stop the reading, not follow it."""
    return b"Date\n" + b"1\n" * rows


def csv_long_field(chars: int, in_header: bool = True) -> bytes:
    """A cell of `chars` characters, in the header or in the first row."""
    if in_header:
        return b"Date,From," + b"x" * chars + b"\n2023-09-01,Bamako,Gao\n"
    return b"Date,From,To\n2023-09-01,Bamako," + b"x" * chars + b"\n"


def json_deep(depth: int) -> bytes:
    """Arrays nested `depth` deep: the json module recurses once per level."""
    return b"[" * depth + b"]" * depth


def json_many_objects(count: int) -> bytes:
    """`count` one-key objects in a list."""
    return b"[" + b",".join([b'{"a":1}'] * count) + b"]"


def utf16_csv(text: str) -> bytes:
    """What Excel's 'Unicode text' export writes: UTF-16 little-endian with a byte-order mark."""
    return text.encode("utf-16")
