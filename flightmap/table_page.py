"""The records table served in pages: AG Grid's sort and filter models applied to a frame of
table rows, one block of rows at a time, and the whole result as a formula-safe CSV.

The grid (infinite row model) asks for rows [start, end) under a sort model
([{"colId": "date_start", "sort": "asc"}, ...]) and a filter model ({"summary": {"filterType":
"text", "type": "contains", "filter": "gao"}, ...}, or {"filterType": "text", "operator": "AND",
"conditions": [...]} for two conditions); every cell here is text, dates included. Anything in a
model that is not understood (an unknown column or filter type, a value of the wrong kind) is
refused with ValueError: the models come from a browser, and a filter silently dropped would
show rows the analyst asked to hide.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd

from flightmap.security import neutralise_column

# Rows per block (the grid's cacheBlockSize): a slider move sends one block. Rows of real
# reporting run to ~500 bytes of JSON (the shipped data's mean; long summaries), so 50 rows keep a
# move well under the 50 KB; the grid shows ~8 rows, and asks for more as it scrolls.
BLOCK = 50
MAX_BLOCK = 1000  # the most rows one request may ask for
TEXT_TYPES = {"contains", "notContains", "equals", "notEqual", "startsWith", "endsWith", "blank", "notBlank"}
CSV_CHUNK = 5000  # rows built and written per piece of a streamed CSV


def clean_sort_model(sort_model, columns: Iterable[str]) -> list[tuple[str, bool]]:
    """[(column, ascending)] from AG Grid's sort model; ValueError on anything else."""
    known = set(columns)
    cleaned = []
    for item in sort_model or []:
        if not isinstance(item, dict) or item.get("colId") not in known or item.get("sort") not in ("asc", "desc"):
            raise ValueError(f"not a sort the table knows: {str(item)[:120]}")
        if item["colId"] not in {c for c, _ in cleaned}:
            cleaned.append((item["colId"], item["sort"] == "asc"))
    return cleaned


def _condition_mask(text: pd.Series, condition) -> np.ndarray:
    if not isinstance(condition, dict) or condition.get("type") not in TEXT_TYPES or condition.get("filterType", "text") != "text":
        raise ValueError(f"not a text filter the table knows: {str(condition)[:120]}")
    kind = condition["type"]
    if kind in ("blank", "notBlank"):
        blank = (text.str.strip() == "").to_numpy(dtype=bool)
        return blank if kind == "blank" else ~blank
    wanted = condition.get("filter")
    if wanted is None or wanted == "":
        return np.ones(len(text), dtype=bool)  # AG Grid treats an empty filter as no filter
    if not isinstance(wanted, (str, int, float)) or isinstance(wanted, bool):
        raise ValueError("a text filter's value must be text")
    # AG Grid's default text matcher: case-insensitive, the value as typed (not trimmed).
    lower, wanted = text.str.lower(), str(wanted).lower()
    match = {
        "contains": lambda: lower.str.contains(wanted, regex=False),
        "notContains": lambda: ~lower.str.contains(wanted, regex=False),
        "equals": lambda: lower == wanted,
        "notEqual": lambda: lower != wanted,
        "startsWith": lambda: lower.str.startswith(wanted),
        "endsWith": lambda: lower.str.endswith(wanted),
    }[kind]()
    return match.to_numpy(dtype=bool)


def filter_mask(rows: pd.DataFrame, filter_model) -> np.ndarray:
    """Rows that pass every column's filter (AG Grid's text filter, one or more conditions)."""
    keep = np.ones(len(rows), dtype=bool)
    if filter_model in (None, {}):
        return keep
    if not isinstance(filter_model, dict):
        raise ValueError("a filter model is an object of column filters")
    for column, model in filter_model.items():
        if column not in rows.columns:
            raise ValueError(f"no column {str(column)[:40]!r} to filter")
        text = rows[column].fillna("").astype(str)
        if isinstance(model, dict) and "conditions" in model:
            conditions = model["conditions"]
            if not isinstance(conditions, list) or not conditions or model.get("operator", "AND") not in ("AND", "OR"):
                raise ValueError(f"not a combined filter the table knows: {str(model)[:120]}")
            masks = [_condition_mask(text, c) for c in conditions]
            keep &= np.logical_and.reduce(masks) if model.get("operator", "AND") == "AND" else np.logical_or.reduce(masks)
        else:
            keep &= _condition_mask(text, model)
    return keep


def order(rows: pd.DataFrame, sort_model, filter_model) -> np.ndarray:
    """Positions (0..len-1) of the rows that pass the filter model, in the sort model's order;
    rows that tie stay in the order given."""
    sort = clean_sort_model(sort_model, rows.columns)
    positions = np.flatnonzero(filter_mask(rows, filter_model))
    if not sort or not len(positions):
        return positions
    kept = rows.iloc[positions]
    keys = [kept[c].fillna("").astype(str).to_numpy() for c, _ in sort]
    # np.lexsort sorts by its last key first and is stable; a descending text key is ranked and negated.
    ranked = []
    for values, (_, ascending) in zip(keys, sort):
        _, rank = np.unique(values, return_inverse=True)
        ranked.append(rank if ascending else -rank)
    return positions[np.lexsort(ranked[::-1])]


def page_bounds(start, end, total: int) -> tuple[int, int]:
    """[start, end) of a block request, checked and clipped to the rows there are."""
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)) or start < 0 or end < start:
        raise ValueError("a block is two whole numbers, start <= end")
    if end - start > MAX_BLOCK:
        raise ValueError(f"a block is at most {MAX_BLOCK} rows")
    return min(start, total), min(end, total)


def response(block: pd.DataFrame, count: int) -> dict:
    """AG Grid's getRowsResponse: a block of rows, and how many rows the whole view has."""
    return {"rowData": block.fillna("").to_dict("records"), "rowCount": int(count)}


def page(rows: pd.DataFrame, positions: np.ndarray, start, end) -> dict:
    """AG Grid's getRowsResponse for rows [start, end) of the ordered positions."""
    first, last = page_bounds(start, end, len(positions))
    return response(rows.iloc[positions[first:last]], len(positions))


def csv_chunks(blocks: Iterable[pd.DataFrame], columns: list[str], headers: dict[str, str]) -> Iterator[str]:
    """Blocks of rows as CSV text, a piece per block (for a streamed download; the caller builds
    each block when it is wanted): a byte-order mark so a spreadsheet reads UTF-8, a header row of
    the column titles, then the rows. Every cell is text, and text a spreadsheet would run as a
    formula gets a leading ' (security.neutralise_cell)."""
    if not columns:
        raise ValueError("no columns to export")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(neutralise_column(pd.Series([headers.get(c, c) for c in columns])))
    yield "\ufeff" + buffer.getvalue()
    for block in blocks:
        unknown = [c for c in columns if c not in block.columns]
        if unknown:
            raise ValueError(f"no such column(s) to export: {', '.join(map(str, unknown))[:120]}")
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(zip(*(neutralise_column(block[c].fillna("").astype(str)) for c in columns)))
        yield buffer.getvalue()


def parse_json_arg(text: str | None, default):
    """A model sent in a download link's query string (JSON); ValueError when it is not JSON."""
    if text is None or text == "":
        return default
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError("not JSON") from exc
