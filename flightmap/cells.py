"""Cells as analysts write them, read as the dataset stores them: dates and times in every common
form (UTC), French and English words for our values, 'C130 (5U-MBH)' as a type and a
registration, coordinates with decimal commas or in degrees-minutes-seconds.

Pure functions over text; nothing here guesses in silence. A date column whose every value
reads one way only is read that way; a column that reads two ways (03/04/2023) is reported as
ambiguous until the person says day first or month first. Nothing here imports Dash.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone

import pandas as pd
from dateutil import parser as dateutil_parser

DAY_FIRST, MONTH_FIRST = "dayfirst", "monthfirst"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$", re.IGNORECASE)
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?:[ T](\d{1,2}):(\d{2})(?::\d{2})?)?$")
_EPOCH = re.compile(r"^\d{9,10}(\.\d+)?$")
_EPOCH_HEADER = re.compile(r"epoch|unix|timestamp|posix", re.IGNORECASE)
_TIME = re.compile(r"^(\d{1,2})[:hH](\d{2})(?::\d{2})?\s*(?:z|utc|gmt)?$", re.IGNORECASE)
# dateutil reads English month names; French ones are put in English first.
FRENCH_MONTHS = {
    "janvier": "January", "janv": "January", "fevrier": "February", "fevr": "February", "fev": "February", "mars": "March",
    "avril": "April", "avr": "April", "mai": "May", "juin": "June", "juillet": "July", "juil": "July", "aout": "August",
    "septembre": "September", "sept": "September", "octobre": "October", "oct": "October", "novembre": "November",
    "nov": "November", "decembre": "December", "dec": "December",
}
_FRENCH_WORDS = re.compile(r"\b(" + "|".join(sorted(FRENCH_MONTHS, key=len, reverse=True)) + r")\b\.?")
_WEEKDAYS_FR = re.compile(r"\b(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\b,?\s*")


EMPTY = re.compile(r"^(?:—|–|-|‒|n/?a|null|none|nil|\?|\.)$", re.IGNORECASE)  # what exports write for "no value"


def _bare(text: str) -> str:
    return unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().casefold().strip()


@dataclass(frozen=True)
class DateReading:
    """A column of dates as the dataset stores them."""

    dates: pd.Series  # YYYY-MM-DD, or the cell as written when it is not a date (the loader says so)
    times: pd.Series  # HH:MM in UTC where the cell held a time, else ""
    how: str = ""  # how the column was read, for a notice ("" when it was already YYYY-MM-DD)
    ambiguous: int = 0  # cells that read two ways when no order is chosen
    example: str = ""  # one such cell


def read_dates(cells: pd.Series, header: str = "", order: str | None = None) -> DateReading:
    """Read a column of dates (see the module's doc). `order` is DAY_FIRST or MONTH_FIRST, the
    person's choice for numeric dates such as 03/04/2023; unreadable cells are left as written."""
    text = cells.fillna("").astype(str).str.strip()
    dates, times = text.copy(), pd.Series("", index=text.index, dtype=object)
    forms: list[str] = []

    numeric = text.str.match(_NUMERIC_DATE)
    order, ambiguous, example = _numeric_order(text[numeric], order)
    epoch_column = bool(_EPOCH_HEADER.search(header))
    for index, cell in text.items():
        if not cell or _ISO_DATE.match(cell):
            continue
        read = None
        if _ISO_DATETIME.match(cell):
            read, form = _iso_datetime(cell), "ISO date-time (kept in UTC)"
        elif numeric[index]:
            read, form = (_numeric(cell, order), f"{'day' if order == DAY_FIRST else 'month'} first") if order else (None, "")
        elif epoch_column and _EPOCH.match(cell):
            read, form = datetime.fromtimestamp(float(cell), tz=timezone.utc), "seconds since 1970 (UTC)"
        elif re.search(r"[A-Za-z]", cell):
            read, form = _worded(cell), "day, month name and year"
        if read is None:
            continue
        dates[index] = read.date().isoformat()
        if (read.hour, read.minute) != (0, 0) or form.startswith(("ISO date-time", "seconds")) or ":" in cell:
            times[index] = f"{read.hour:02d}:{read.minute:02d}"
        forms.append(form)
    how = ", ".join(dict.fromkeys(forms))
    return DateReading(dates, times, how, ambiguous if not order or ambiguous else 0, example)


def _numeric_order(cells: pd.Series, order: str | None) -> tuple[str | None, int, str]:
    """Day first or month first for a column of numeric dates: the person's choice, else what
    the cells show (a first number over 12 means day first, a second over 12 month first)."""
    if cells.empty:
        return order, 0, ""
    parts = cells.str.extract(_NUMERIC_DATE)[[0, 1]].astype(int)
    day_first = bool((parts[0] > 12).any())
    month_first = bool((parts[1] > 12).any())
    if order:
        return order, 0, ""
    if day_first and not month_first:
        return DAY_FIRST, 0, ""
    if month_first and not day_first:
        return MONTH_FIRST, 0, ""
    # Neither (every number ≤ 12: 03/04/2023) or both (mixed forms): the person decides.
    two_ways = cells[(parts[0] <= 12) & (parts[1] <= 12) & (parts[0] != parts[1])]
    return None, len(two_ways) or len(cells), (two_ways.iloc[0] if len(two_ways) else cells.iloc[0])


def _numeric(cell: str, order: str) -> datetime | None:
    first, second, year, hour, minute = _NUMERIC_DATE.match(cell).groups()
    day, month = (int(first), int(second)) if order == DAY_FIRST else (int(second), int(first))
    year = int(year) + (2000 if len(year) == 2 else 0)
    try:
        return datetime(year, month, day, int(hour or 0), int(minute or 0))
    except ValueError:
        return None


def _iso_datetime(cell: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(cell.replace("z", "Z").replace(" ", "T", 1))
    except ValueError:
        return None
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value


def _worded(cell: str) -> datetime | None:
    """'27 Oct 2023', '27 oct. 2023', '27 octobre 2023', 'Oct 27, 2023': day, month and year all
    given (a default fills nothing in: two defaults must agree)."""
    english = _FRENCH_WORDS.sub(lambda m: FRENCH_MONTHS[m.group(1)], _WEEKDAYS_FR.sub("", re.sub(r"\b1er\b", "1", _bare(cell))))
    try:
        one = dateutil_parser.parse(english, dayfirst=True, default=datetime(1901, 1, 1))
        two = dateutil_parser.parse(english, dayfirst=True, default=datetime(1902, 2, 2))
    except (ValueError, OverflowError):
        return None
    return one if (one.year, one.month, one.day) == (two.year, two.month, two.day) else None


def read_time(cell: str) -> str:
    """'10:32', '10h32', '10:32Z', 'Landed 10:32' -> '10:32'; a date-time with Z or an offset
    -> its time in UTC ('2023-11-18T12:10:00+01:00' -> '11:10'); '' when there is no time."""
    text = str(cell or "").strip()
    if _ISO_DATETIME.match(text):
        value = _iso_datetime(text)
        return f"{value.hour:02d}:{value.minute:02d}" if value else ""
    match = _TIME.match(text) or re.search(r"\b(\d{1,2}):(\d{2})\b", text)
    if not match:
        return ""
    hour, minute = int(match.group(1)), int(match.group(2))
    return f"{hour:02d}:{minute:02d}" if hour < 24 and minute < 60 else ""


# ----------------------------------------------------------------------------- words

CONFIDENCE_WORDS = {
    "confirmed": "confirmed", "confirme": "confirmed", "confirmee": "confirmed", "certain": "confirmed", "verified": "confirmed", "verifie": "confirmed",
    "probable": "probable", "likely": "probable", "vraisemblable": "probable",
    "reported": "reported", "signale": "reported", "signalee": "reported", "rapporte": "reported", "rapportee": "reported",
    "unconfirmed": "reported", "non confirme": "reported", "non confirmee": "reported", "allegue": "reported",
    "disputed": "disputed", "conteste": "disputed", "contestee": "disputed", "contested": "disputed", "conflicting": "disputed",
}
CATEGORY_WORDS = {
    "sighting": "sighting", "observation": "sighting", "apercu": "sighting", "photo": "sighting",
    "incident": "incident", "crash": "incident", "accident": "incident", "ecrasement": "incident",
    "military": "military", "militaire": "military", "attaque": "military", "attack": "military", "combat": "military",
    "political": "political", "politique": "political", "context": "context", "contexte": "context",
}
KIND_WORDS = {"dated": "dated", "date": "dated", "vol": "dated", "flight": "dated", "pattern": "pattern", "schema": "pattern", "rotation": "pattern"}
PRECISION_WORDS = {"day": "day", "jour": "day", "month": "month", "mois": "month", "range": "range", "periode": "range", "intervalle": "range"}


def read_word(cell: str, words: dict[str, str]) -> str:
    """Our value for a word in French or English ('confirmé' -> 'confirmed'); the cell as
    written when it is not one (the loader then names the allowed values)."""
    key = " ".join(re.sub(r"[^a-z]+", " ", _bare(cell)).split())
    return words.get(key, str(cell).strip())


# ----------------------------------------------------------------------------- aircraft

# ICAO nationality marks with a dash (5U-MBH, TZ-TST, F-RADA) or US N-numbers (N130SX).
_REGISTRATION = re.compile(r"\b((?:[A-Z]{1,2}|\d[A-Z]|[A-Z]\d)-[A-Z0-9]{2,5}|N\d{1,5}[A-Z]{0,2})\b")


def split_aircraft(cell: str) -> tuple[str, str]:
    """'C130 (5U-MBH)', '5U-MBH (C-130H)', 'C-130H 5U-MBH' -> ('C130', '5U-MBH') ...; a cell
    with no registration is all type ('C-130H' -> ('C-130H', ''))."""
    text = " ".join(str(cell or "").split())
    upper = text.upper()
    found = [m for m in _REGISTRATION.finditer(upper) if not re.fullmatch(r"[A-Z]{1,2}-\d{2,4}[A-Z]{0,3}", m.group(1))]  # C-130H, AN-26, IL-76TD: types
    if not found:
        return text, ""
    match = found[-1]
    rest = (text[: match.start()] + " " + text[match.end():]).replace("()", " ")
    rest = " ".join(re.sub(r"[()\[\],;/]+", " ", rest).split())
    return rest, match.group(1)


# ----------------------------------------------------------------------------- coordinates

_DMS = re.compile(r"^\s*(\d{1,3})\s*[°º:d ]\s*(?:(\d{1,2}(?:[.,]\d+)?)\s*['′’m ]?\s*)?(?:(\d{1,2}(?:[.,]\d+)?)\s*(?:\"|″|''|’’|s)?\s*)?([NSEWO])?\s*$", re.IGNORECASE)


def read_coordinate(cell: str, axis: str, decimal_comma: bool = False) -> str:
    """Decimal degrees as text: '16.2484' stays, '16,2484' (decimal comma) -> '16.2484',
    '16°14′54″N' -> '16.248333', '0°00′20″W' -> '-0.005556'. The cell as written when it is
    none of these (the loader then says what is wrong)."""
    text = str(cell or "").strip()
    if not text:
        return ""
    plain = text.replace(",", ".") if decimal_comma or re.fullmatch(r"-?\d+,\d+", text) else text
    if re.fullmatch(r"[-+]?\d+(\.\d+)?", plain):
        return plain
    match = _DMS.match(text)
    if not match or not any(ch in text for ch in "°º′'\"″NSEWOnsewo") or (match.group(2) is None and match.group(4) is None):
        return text
    degrees, minutes, seconds, hemisphere = match.groups()
    value = float(degrees) + float((minutes or "0").replace(",", ".")) / 60 + float((seconds or "0").replace(",", ".")) / 3600
    hemisphere = (hemisphere or "").upper()
    if hemisphere in ("S", "W", "O") or text.lstrip().startswith("-"):  # O: ouest
        value = -value
    if (axis == "lat" and hemisphere in ("E", "W", "O")) or (axis == "lon" and hemisphere in ("N", "S")):
        return text  # a longitude in a latitude column: the loader says so
    return f"{value:.6f}".rstrip("0").rstrip(".")
