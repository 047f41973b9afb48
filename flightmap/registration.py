"""Normalise aircraft registrations to their printed form (`5UMBH` -> `5U-MBH`)."""
from __future__ import annotations

import re

# ICAO nationality marks that are written with a hyphen before the suffix (ICAO Annex 7).
# Marks written without a hyphen (N, HL, JA, UK, UR's military...) are left as given.
# Longest marks are tried first so that `5U` wins over `5`.
_HYPHENATED_MARKS = sorted(
    """
    2 3A 3B 3C 3D 3DC 3X 4K 4L 4O 4R 4W 4X 5A 5B 5H 5N 5R 5T 5U 5V 5W 5X 5Y 6O 6V 6Y 7O 7P 7Q 7T
    8P 8Q 8R 9A 9G 9H 9J 9K 9L 9M 9N 9Q 9U 9V 9XR 9Y A2 A3 A40 A5 A6 A7 A8 A9C AP B C C2 C3 C5
    C6 C9 CC CN CP CR CS CU CX D D2 D4 D6 E3 E5 E7 EC EI EJ EK EL EP ER ES ET EW EX EY EZ F G H4
    HA HB HC HH HI HK HP HR HS HZ I J2 J3 J5 J6 J7 J8 JU JY LN LQ LV LX LY LZ OB OD OE OH OK OM
    OO OY P P2 P4 PH PJ PK PP PR PS PT PU PZ RA RDPL RP S2 S5 S7 S9 SE SP ST SU SX T2 T3 T7 T8A
    T9 TC TF TG TI TJ TL TN TR TS TT TU TY TZ UN UP UR V2 V3 V4 V5 V6 V7 V8 VH VN VP VQ VT XA XB
    XC XT XU XW XY XZ YA YI YJ YK YL YN YR YS YU YV Z Z3 ZA ZK ZP ZS
    """.split(),
    key=len,
    reverse=True,
)
_SEPARATORS = re.compile(r"[\s\-_.]+")


def compact(registration: str) -> str:
    """The registration reduced to letters and digits, upper case: the key for searching."""
    return _SEPARATORS.sub("", str(registration)).upper()


def normalise(registration: str) -> str:
    """Upper-case the registration and put the hyphen after its nationality mark.

    `5umbh`, `5U MBH` and `5U-MBH` all give `5U-MBH`. A registration already hyphenated keeps
    the analyst's hyphen; one whose mark is unknown is returned compacted and upper-cased.
    """
    text = str(registration).strip().upper()
    if not text:
        return ""
    parts = [part for part in _SEPARATORS.split(text) if part]
    if "-" in text and len(parts) > 1:
        return "-".join(parts)
    bare = "".join(parts)  # a lone hyphen ("20-") is not the analyst's mark: place it ourselves
    for mark in _HYPHENATED_MARKS:
        if bare.startswith(mark) and len(bare) > len(mark):
            return f"{mark}-{bare[len(mark):]}"
    return bare
