"""Read flown tracks (KML, GPX, GeoJSON, tar1090 trace JSON, OpenSky and flight-tracking-site CSV)
into one normalised table of points, cut them into segments of continuous coverage, and sum them up.

Every reader ends in `_finish`, which checks positions and times the same way for all formats, so a
message names the file, the row (CSV) or point number (other formats) and the field as the file
calls it. Nothing here knows about Dash or the dataset folder.
"""
from __future__ import annotations

import io
import json
import math
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from xml.etree.ElementTree import ParseError

from flightmap.loader import DataValidationError, Problem
from flightmap.security import shown

MAX_BYTES = 20 * 1024 * 1024
MAX_POINTS = 500_000
# XML is parsed in Python callbacks (defusedxml), about 4 µs an element: 1.5 million elements is
# what a 20 MB GPX or gx:Track holds at most, and bounds both the time and the tree's memory.
MAX_XML_ELEMENTS = 1_500_000
MAX_XML_DEPTH = 64  # KML nests Document/Folder/Placemark/MultiGeometry/...: a dozen levels at most
MAX_PROBLEMS = 20  # listed one by one; the rest are counted in one more line

FT_PER_M = 1 / 0.3048
KT_PER_MS = 3600 / 1852
EARTH_RADIUS_KM = 6371.0088
COLUMNS = ["time", "lat", "lon", "altitude_ft", "speed_kt", "track_deg", "on_ground"]
READS = ("KML (LineString, gx:Track), GPX (trk/trkseg/trkpt), GeoJSON (LineString, MultiLineString, Point features "
         "with a time property), ADS-B Exchange / tar1090 trace JSON, OpenSky state vectors CSV (time, icao24, lat, lon, ...) "
         "and a flight-tracking site's track CSV (Timestamp, UTC, Callsign, Position, Altitude, Speed, Direction)")
# Times outside this span are typing errors or epoch values in the wrong unit (ms read as s).
EARLIEST = pd.Timestamp("1990-01-01", tz="UTC")
LATEST = pd.Timestamp("2100-01-01", tz="UTC")


@dataclass(frozen=True)
class Track:
    name: str
    points: pd.DataFrame  # COLUMNS, one row per point in the file's order; treat as read-only
    registration: str = ""
    hex: str = ""  # ICAO 24-bit address, six lower-case hex digits, or ""
    callsign: str = ""
    aircraft_type: str = ""
    format: str = ""
    notices: tuple[str, ...] = ()
    # Point positions where the file itself starts a new line (a GPX trkseg, a MultiLineString part,
    # another gx:Track): split_at_gaps never joins across them.
    breaks: tuple[int, ...] = ()


def _refuse(name: str, message: str, hint: str = "", row: int | None = None, column: str | None = None) -> DataValidationError:
    return DataValidationError([Problem(name, row, column, message, hint)])


@dataclass
class _Raw:
    """What a reader found, before the common checks: raw values (numbers, text or None) per field."""

    format: str
    unit: str  # "row" (CSV: spreadsheet row, header = 1) or "point" (1-based point number)
    rows: list[int]
    time: list | None  # None: the format has no times
    time_kind: str = "iso"  # "iso" text or "epoch" seconds
    lat: list = field(default_factory=list)
    lon: list = field(default_factory=list)
    altitude: list | None = None
    altitude_unit: str = "ft"
    speed: list | None = None
    speed_unit: str = "kt"
    track: list | None = None
    on_ground: list | None = None  # True / False / None
    labels: dict = field(default_factory=dict)  # field -> how the file names it, for messages
    meta: dict = field(default_factory=dict)
    notices: list = field(default_factory=list)
    breaks: list = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Entry point


def read_track(content: bytes, name: str) -> Track:
    """The track in `content` (a file's bytes) as a Track; DataValidationError saying what is wrong."""
    name = Path(str(name)).name or "track"
    if len(content) > MAX_BYTES:
        raise _refuse(name, f"the file is {len(content) / 1048576:.1f} MB; the limit for a track is {MAX_BYTES // 1048576} MB",
                      "split the track into several files (one per flight)")
    notices: list[str] = []
    if content[:2] == b"\x1f\x8b":  # trace files are served gzipped; keep the size limit on what it unpacks to
        content = _gunzip(content, name)
        notices.append("the file was gzip-compressed and was unpacked")
    text = _text(content, name)
    head = text.lstrip()[:1]
    suffix = Path(name.removesuffix(".gz")).suffix.lower()
    if not head:
        raise _refuse(name, "the file is empty", f"a track file is one of: {READS}")
    if head == "<":
        raw = _read_xml(content, name)
    elif head in "{[":
        raw = _read_json(text, name)
    elif suffix in (".kml", ".gpx", ".geojson", ".xml"):
        raise _refuse(name, f"the file is named {suffix} but does not start like one", f"this reader reads {READS}")
    else:
        raw = _read_csv(text, name)
    raw.notices[:0] = notices
    return _finish(raw, name)


def _gunzip(content: bytes, name: str) -> bytes:
    unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = unpacker.decompress(content, MAX_BYTES + 1)
    except zlib.error as exc:
        raise _refuse(name, f"the file looks gzip-compressed but cannot be unpacked ({exc})", "unpack it and import the file inside") from exc
    if len(out) > MAX_BYTES or unpacker.unconsumed_tail:
        raise _refuse(name, f"the file unpacks to more than {MAX_BYTES // 1048576} MB, the limit for a track",
                      "split the track into several files (one per flight)")
    return out


def _text(content: bytes, name: str) -> str:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _refuse(name, f"the file is not UTF-8 text (byte {exc.start})", f"this reader reads {READS}, saved as UTF-8") from exc
    if "\x00" in text:
        raise _refuse(name, "the file holds NUL characters, so it is not a text track file", f"this reader reads {READS}")
    return text


# ---------------------------------------------------------------------------------------------
# XML: KML and GPX


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _parse_xml(content: bytes, name: str):
    """The XML tree, refusing DTDs and entities, more than MAX_XML_DEPTH levels or MAX_XML_ELEMENTS
    elements while it is read (not after)."""
    if content.count(b"<") > 2 * MAX_XML_ELEMENTS + 10:
        raise _refuse(name, f"the file has more than {MAX_XML_ELEMENTS:,} XML elements, more than a track of {MAX_POINTS:,} points needs",
                      "split the track into several files")
    depth = elements = 0
    try:
        events = SafeET.iterparse(io.BytesIO(content), events=("start", "end"), forbid_dtd=True)
        for event, _ in events:
            if event == "start":
                depth += 1
                elements += 1
                if depth > MAX_XML_DEPTH:
                    raise _refuse(name, f"the XML is nested more than {MAX_XML_DEPTH} levels deep", "export the track again from the tool that made it")
                if elements > MAX_XML_ELEMENTS:
                    raise _refuse(name, f"the file has more than {MAX_XML_ELEMENTS:,} XML elements", "split the track into several files")
            else:
                depth -= 1
        return events.root
    except ParseError as exc:
        raise _refuse(name, f"the file is not well-formed XML ({exc})", "export the track again from the tool that made it") from exc
    except DefusedXmlException as exc:
        raise _refuse(name, f"the XML declares a DTD or entities, which a track file never needs ({type(exc).__name__})",
                      "export the track again from the tool that made it") from exc


def _read_xml(content: bytes, name: str) -> _Raw:
    root = _parse_xml(content, name)
    kind = _local(root.tag).lower()
    if kind == "kml":
        return _read_kml(root, name)
    if kind == "gpx":
        return _read_gpx(root, name)
    raise _refuse(name, f"the XML document is <{shown(_local(root.tag), 40)}>, not KML or GPX", f"this reader reads {READS}")


def _children(element, local: str) -> list:
    return [e for e in element if _local(e.tag) == local]


def _descendants(element, local: str) -> list:
    return [e for e in element.iter() if _local(e.tag) == local]


def _text_of(element, local: str) -> str:
    found = _children(element, local)
    return (found[0].text or "").strip() if found else ""


def _placemark_label(placemark, number: int) -> str:
    title = _text_of(placemark, "name")
    return f"Placemark {number}" + (f" '{shown(title, 40)}'" if title else "")


def _read_kml(root, name: str) -> _Raw:
    placemarks = _descendants(root, "Placemark")
    timed = [(i, p) for i, p in enumerate(placemarks, 1) if _descendants(p, "Track")]
    lines = [(i, p) for i, p in enumerate(placemarks, 1) if _descendants(p, "LineString")]
    chosen, notices = (timed, []) if timed else (lines, [])
    if timed and lines:
        notices.append(f"the file's LineString ({len(lines)} Placemark{'s' if len(lines) != 1 else ''}) was not read: "
                       "its gx:Track has the same path with times")
    if len(chosen) > 1:
        listed = ", ".join(_placemark_label(p, i) for i, p in chosen[:5])
        raise _refuse(name, f"the file holds {len(chosen)} separate lines ({listed}); a track file is one flight's path and "
                      "which one is meant, or in which order, is not known", "save each line as its own file, or put the parts "
                      "of one flight in one Placemark (a MultiGeometry or gx:MultiTrack)")
    if not chosen:
        raise _refuse(name, "the KML holds no LineString or gx:Track, so it has no points", "export the flight's path (its track), not only places")
    placemark = chosen[0][1]
    meta = _geojson_meta([_kml_extended_data(root)])
    if timed:
        raw = _kml_tracks(_descendants(placemark, "Track"), name)
    else:
        raw = _kml_lines(_descendants(placemark, "LineString"), name)
    raw.meta = meta
    raw.notices = notices + raw.notices
    return raw


def _kml_extended_data(root) -> dict:
    found = {}
    for data in _descendants(root, "Data"):
        value = _text_of(data, "value")
        if value:
            found.setdefault(str(data.get("name", "")).strip().lower(), value)
    for data in _descendants(root, "SimpleData"):
        if (data.text or "").strip():
            found.setdefault(str(data.get("name", "")).strip().lower(), data.text.strip())
    return found


def _altitude_mode(element) -> str:
    return (_text_of(element, "altitudeMode") or "clampToGround").strip()


def _altitude_notice(modes: set[str]) -> str:
    return (f"altitudes not read: the altitudeMode is {', '.join(sorted(modes))}, so the heights are not above sea level "
            "(only altitudeMode absolute is)")


def _kml_lines(elements, name: str) -> _Raw:
    raw = _Raw("KML LineString", "point", [], None, labels={"lat": "coordinates", "lon": "coordinates", "altitude": "coordinates"})
    raw.altitude, raw.altitude_unit = [], "m"
    modes = set()
    for line in elements:
        mode = _altitude_mode(line)
        tuples = " ".join(e.text or "" for e in _children(line, "coordinates")).split()
        if raw.lat and tuples:
            raw.breaks.append(len(raw.lat))
        _check_count(len(raw.lat) + len(tuples), name)
        for text in tuples:
            parts = text.split(",")
            raw.rows.append(len(raw.rows) + 1)
            raw.lon.append(parts[0])
            raw.lat.append(parts[1] if len(parts) > 1 else None)
            if mode != "absolute":
                modes.add(mode)
            raw.altitude.append(parts[2] if len(parts) > 2 and mode == "absolute" else None)
            if len(parts) < 2 or len(parts) > 3:
                raw.lat[-1] = _BadTuple(text)
    if modes:
        raw.notices.append(_altitude_notice(modes))
    return raw


class _BadTuple(str):
    """A coordinate tuple that is not lon,lat[,alt]: reported as such, not as a bad number."""


def _kml_tracks(elements, name: str) -> _Raw:
    raw = _Raw("KML gx:Track", "point", [], [], labels={"time": "when", "lat": "gx:coord", "lon": "gx:coord", "altitude": "gx:coord"})
    raw.altitude, raw.altitude_unit = [], "m"
    modes = set()
    for number, track in enumerate(elements, 1):
        whens = [(e.text or "").strip() for e in _children(track, "when")]
        coords = [(e.text or "").strip() for e in _children(track, "coord")]
        if len(whens) != len(coords):
            raise _refuse(name, f"gx:Track {number} has {len(whens)} <when> and {len(coords)} <gx:coord>; each point needs one of each",
                          "export the track again from the tool that made it", column="gx:coord")
        mode = _altitude_mode(track)
        if mode != "absolute":
            modes.add(mode)
        if raw.lat and coords:
            raw.breaks.append(len(raw.lat))
        _check_count(len(raw.lat) + len(coords), name)
        for when, coord in zip(whens, coords):
            parts = coord.split()
            raw.rows.append(len(raw.rows) + 1)
            raw.time.append(when)
            raw.lon.append(parts[0] if parts else None)
            raw.lat.append(parts[1] if len(parts) > 1 else None)
            raw.altitude.append(parts[2] if len(parts) > 2 and mode == "absolute" else None)
            if len(parts) not in (2, 3):
                raw.lat[-1] = _BadTuple(coord)
    if len(elements) > 1:
        raw.notices.append(f"{len(elements)} gx:Track parts read as one track; a new part starts a new segment")
    if modes:
        raw.notices.append(_altitude_notice(modes))
    return raw


def _read_gpx(root, name: str) -> _Raw:
    tracks = _children(root, "trk")
    if len(tracks) > 1:
        names = ", ".join(f"'{shown(_text_of(t, 'name'), 40)}'" if _text_of(t, "name") else f"trk {i}" for i, t in enumerate(tracks[:5], 1))
        raise _refuse(name, f"the GPX holds {len(tracks)} tracks ({names}); a track file is one flight's path", "save each <trk> as its own file")
    if not tracks:
        hint = "a GPX route (<rte>) is a plan, not a path flown: export the track" if _children(root, "rte") else "export the flight's track"
        raise _refuse(name, "the GPX holds no track (<trk>), so it has no points", hint)
    raw = _Raw("GPX", "point", [], [], labels={"time": "time", "lat": "lat", "lon": "lon", "altitude": "ele"})
    raw.altitude, raw.altitude_unit = [], "m"
    for segment in _children(tracks[0], "trkseg"):
        points = _children(segment, "trkpt")
        if raw.lat and points:
            raw.breaks.append(len(raw.lat))
        _check_count(len(raw.lat) + len(points), name)
        for point in points:
            raw.rows.append(len(raw.rows) + 1)
            raw.lat.append(point.get("lat"))
            raw.lon.append(point.get("lon"))
            raw.altitude.append(_text_of(point, "ele") or None)
            raw.time.append(_text_of(point, "time") or None)
    if raw.time and all(t is None for t in raw.time):
        raw.time = None  # a GPX without any <time> is a drawn path: allowed, and said in the notices
    return raw


# ---------------------------------------------------------------------------------------------
# JSON: GeoJSON and tar1090 traces


def _read_json(text: str, name: str) -> _Raw:
    try:
        data = json.loads(text)
    except RecursionError as exc:
        raise _refuse(name, "the JSON is nested too deeply to read", "export the track again from the tool that made it") from exc
    except ValueError as exc:  # JSONDecodeError, and numbers too long to convert
        raise _refuse(name, f"the file is not valid JSON ({shown(exc, 120)})", "export the track again from the tool that made it") from exc
    if isinstance(data, dict) and "trace" in data:
        return _read_trace(data, name)
    if isinstance(data, dict) and data.get("type") in ("FeatureCollection", "Feature", "LineString", "MultiLineString", "Point", "GeometryCollection"):
        return _read_geojson(data, name)
    if isinstance(data, dict) and "aircraft" in data:
        raise _refuse(name, "this is a receiver's aircraft.json (every aircraft at one moment), not one aircraft's track",
                      "download the aircraft's trace (trace_full_<hex>.json) instead")
    raise _refuse(name, "the JSON is neither GeoJSON nor a tar1090 trace", f"this reader reads {READS}")


_GEOJSON_TIME = ("time", "timestamp", "when", "datetime", "date_time")
_GEOJSON_META = {
    "registration": ("registration", "reg", "r", "tail"),
    "hex": ("hex", "icao24", "icao", "icao_hex", "mode_s"),
    "callsign": ("callsign", "flight", "call_sign"),
    "aircraft_type": ("aircraft_type", "type", "t", "typecode", "aircraft"),
}


def _features(data: dict) -> list[dict]:
    if data.get("type") == "FeatureCollection":
        features = data.get("features")
        return [f for f in features if isinstance(f, dict)] if isinstance(features, list) else []
    if data.get("type") == "Feature":
        return [data]
    return [{"type": "Feature", "geometry": data, "properties": {}}]


def _geometry(feature: dict) -> dict:
    geometry = feature.get("geometry")
    return geometry if isinstance(geometry, dict) else {}


def _properties(feature: dict) -> dict:
    properties = feature.get("properties")
    return properties if isinstance(properties, dict) else {}


def _read_geojson(data: dict, name: str) -> _Raw:
    features = _features(data)
    lines = [(i, f) for i, f in enumerate(features, 1) if _geometry(f).get("type") in ("LineString", "MultiLineString")]
    points = [(i, f) for i, f in enumerate(features, 1) if _geometry(f).get("type") == "Point"]
    if len(lines) > 1:
        raise _refuse(name, f"the GeoJSON holds {len(lines)} separate line features (features {', '.join(str(i) for i, _ in lines[:5])}); "
                      "a track file is one flight's path and which one is meant, or in which order, is not known",
                      "save each line as its own file, or the parts of one flight as one MultiLineString")
    if lines:
        raw = _geojson_line(lines[0][1], name)
        if points:
            raw.notices.append(f"{len(points)} Point feature{'s' if len(points) != 1 else ''} beside the line were not read")
        return raw
    if points:
        return _geojson_points([f for _, f in points], name)
    raise _refuse(name, "the GeoJSON holds no LineString, MultiLineString or Point features, so it has no points",
                  "export the flight's path as a LineString, or its positions as Point features with a 'time' property")


def _geojson_line(feature: dict, name: str) -> _Raw:
    geometry = _geometry(feature)
    kind = geometry["type"]
    coordinates = geometry.get("coordinates")
    parts = [coordinates] if kind == "LineString" else coordinates
    if not isinstance(parts, list) or not all(isinstance(p, list) for p in parts):
        raise _refuse(name, f"the {kind}'s coordinates are not a list of positions", "export the track again", column="coordinates")
    raw = _Raw(f"GeoJSON {kind}", "point", [], None, labels={"lat": "coordinates", "lon": "coordinates", "altitude": "coordinates"})
    raw.altitude, raw.altitude_unit = [], "m"
    _check_count(sum(len(p) for p in parts), name)
    for part in parts:
        if raw.lat and part:
            raw.breaks.append(len(raw.lat))
        for position in part:
            raw.rows.append(len(raw.rows) + 1)
            _position(raw, position)
    properties = _properties(feature)
    times = next((properties[k] for k in ("coordTimes", "times") if isinstance(properties.get(k), list)), None)
    if times is not None and kind == "MultiLineString" and all(isinstance(t, list) for t in times):
        times = [t for part in times for t in part]
    if times is not None:
        if len(times) != len(raw.lat):
            raise _refuse(name, f"the line has {len(raw.lat)} positions but {len(times)} times", "give one time per position", column="coordTimes")
        raw.time, raw.time_kind = list(times), _time_kind(times)
        raw.labels["time"] = "coordTimes"
    raw.meta = _geojson_meta([properties])
    return raw


def _describe(value) -> str:
    """A JSON value named in a message without printing it (it may be nested thousands deep)."""
    if isinstance(value, list):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict):
        return "an object"
    return shown(value, 40) if isinstance(value, str) else str(value)


def _position(raw: _Raw, position) -> None:
    if isinstance(position, list) and 2 <= len(position) <= 4:
        raw.lon.append(position[0])
        raw.lat.append(position[1])
        raw.altitude.append(position[2] if len(position) > 2 else None)
    else:
        raw.lon.append(None)
        raw.lat.append(_BadTuple(_describe(position)))
        raw.altitude.append(None)


def _time_kind(values) -> str:
    present = [v for v in values if v is not None and v != ""]
    return "epoch" if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present) else "iso"


def _pick(properties: dict, keys) -> object:
    return next((properties[k] for k in keys if k in properties and properties[k] not in (None, "")), None)


def _geojson_points(features: list[dict], name: str) -> _Raw:
    _check_count(len(features), name)
    props = [_properties(f) for f in features]
    time_key = next((k for k in _GEOJSON_TIME if any(k in p for p in props)), None)
    if time_key is None:
        raise _refuse(name, "the Point features have no time property (time, timestamp or when), so they are places, not a track",
                      "give each point a 'time' (ISO 8601 UTC or epoch seconds)", column="time")
    raw = _Raw("GeoJSON Points", "point", list(range(1, len(features) + 1)), [p.get(time_key) for p in props],
               labels={"time": time_key, "lat": "coordinates", "lon": "coordinates", "altitude": "coordinates"})
    raw.time_kind = _time_kind(raw.time)
    raw.altitude, raw.altitude_unit = [], "m"
    for feature in features:
        _position(raw, _geometry(feature).get("coordinates"))
    # Heights: the third coordinate is metres (RFC 7946); a property may say feet or metres by its name.
    for key, unit in (("altitude_ft", "ft"), ("alt_ft", "ft"), ("alt_baro", "ft"), ("altitude_m", "m"), ("ele", "m")):
        if any(key in p for p in props):
            raw.altitude, raw.altitude_unit = [p.get(key) for p in props], unit
            raw.labels["altitude"] = key
            break
    else:
        if any("altitude" in p for p in props):
            raw.notices.append("the 'altitude' property was not read: its unit is not stated (name it altitude_ft or altitude_m)")
    for target, keys in (("speed", ("speed_kt", "gs", "ground_speed_kt")), ("track", ("track_deg", "track", "heading")),
                         ("on_ground", ("on_ground", "onground", "ground"))):
        key = next((k for k in keys if any(k in p for p in props)), None)
        if key:
            setattr(raw, target, [p.get(key) for p in props])
            raw.labels[target] = key
    raw.meta = _geojson_meta(props)
    return raw


def _geojson_meta(props: list[dict]) -> dict:
    meta = {}
    for target, keys in _GEOJSON_META.items():
        value = next((v for p in props if (v := _pick(p, keys)) is not None), None)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            meta[target] = str(value)
    return meta


def _read_trace(data: dict, name: str) -> _Raw:
    trace = data.get("trace")
    base = _number(data.get("timestamp"))
    if not isinstance(trace, list):
        raise _refuse(name, "the trace's 'trace' is not a list of points", "download the trace file again", column="trace")
    if base is None:
        raise _refuse(name, "the trace has no 'timestamp' (epoch seconds that the points' offsets count from)",
                      "download the trace file again", column="timestamp")
    _check_count(len(trace), name)
    raw = _Raw("tar1090 trace", "point", list(range(1, len(trace) + 1)), [], time_kind="epoch",
               labels={"time": "trace seconds offset", "lat": "trace lat", "lon": "trace lon", "altitude": "trace altitude",
                       "speed": "trace ground speed", "track": "trace track"})
    raw.altitude, raw.speed, raw.track, raw.on_ground = [], [], [], []
    callsign = None
    stale = 0
    for row in trace:
        original, row = row, (row if isinstance(row, list) else [])
        cell = (lambda i: row[i] if len(row) > i else None)  # noqa: E731 - short rows are short, not errors
        offset = _number(cell(0))
        raw.time.append(base + offset if offset is not None else cell(0))
        raw.lat.append(cell(1) if len(row) >= 3 else _BadTuple(_describe(original)))
        raw.lon.append(cell(2))
        altitude = cell(3)
        ground = altitude == "ground"
        raw.altitude.append(None if ground else altitude)
        raw.on_ground.append(True if ground else (False if _number(altitude) is not None else None))
        raw.speed.append(cell(4))
        raw.track.append(cell(5))
        flags = cell(6)
        if isinstance(flags, int) and not isinstance(flags, bool) and flags & 1:
            stale += 1
        details = cell(8)
        if callsign is None and isinstance(details, dict) and isinstance(details.get("flight"), str) and details["flight"].strip():
            callsign = details["flight"]
    if stale:
        raw.notices.append(f"{stale} point{'s are' if stale != 1 else ' is'} marked stale by the receiver (no position for 20 s before)")
    raw.meta = {k: str(data[key]) for k, key in (("registration", "r"), ("hex", "icao"), ("aircraft_type", "t"))
                if isinstance(data.get(key), str)}
    if callsign:
        raw.meta["callsign"] = callsign
    return raw


# ---------------------------------------------------------------------------------------------
# CSV: OpenSky state vectors and a flight-tracking site's track


def _read_csv(text: str, name: str) -> _Raw:
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise _refuse(name, f"the file is not a track: not XML, JSON or readable CSV ({shown(str(exc).splitlines()[0] if str(exc) else exc, 120)})",
                      f"this reader reads {READS}") from exc
    columns = {str(c).strip().lower(): c for c in frame.columns}
    if {"time", "icao24", "lat", "lon"} <= columns.keys():
        return _read_opensky(frame, columns, name)
    if "position" in columns and ({"timestamp", "utc"} & columns.keys()):
        return _read_site_csv(frame, columns, name)
    raise _refuse(name, "the table's header is not a track's (OpenSky: time, icao24, lat, lon, ...; flight-tracking site: "
                  "Timestamp, UTC, Callsign, Position, Altitude, Speed, Direction)",
                  f"this reader reads {READS}; a table of flights is imported as a table, not as a track", row=1)


def _col(frame: pd.DataFrame, columns: dict, key: str) -> list | None:
    return frame[columns[key]].str.strip().tolist() if key in columns else None


def _one_value(frame, columns, key, name, hint) -> str:
    values = [v for v in dict.fromkeys(_col(frame, columns, key) or []) if v]
    if len(values) > 1 and key == "icao24":
        raise _refuse(name, f"the file holds {len(values)} aircraft (icao24 {', '.join(shown(v, 10) for v in values[:5])})", hint, column=columns[key])
    return values[0] if values else ""


def _drop_rows(raw: _Raw, keep: list[bool], why: str) -> None:
    dropped = [r for r, k in zip(raw.rows, keep) if not k]
    if not dropped:
        return
    for attr in ("rows", "time", "lat", "lon", "altitude", "speed", "track", "on_ground"):
        values = getattr(raw, attr)
        if values is not None:
            setattr(raw, attr, [v for v, k in zip(values, keep) if k])
    where = f"row {dropped[0]}" if len(dropped) == 1 else f"rows {', '.join(map(str, dropped[:5]))}" + (" …" if len(dropped) > 5 else "")
    raw.notices.append(f"{len(dropped)} row{'s' if len(dropped) != 1 else ''} dropped ({where}): {why}")


def _read_opensky(frame: pd.DataFrame, columns: dict, name: str) -> _Raw:
    _check_count(len(frame), name)
    rows = [i + 2 for i in range(len(frame))]
    raw = _Raw("OpenSky state vectors", "row", rows, _col(frame, columns, "time"), time_kind="epoch",
               lat=_col(frame, columns, "lat"), lon=_col(frame, columns, "lon"),
               labels={k: columns[k] for k in ("time", "lat", "lon")})
    baro, geo = _col(frame, columns, "baroaltitude"), _col(frame, columns, "geoaltitude")
    if baro is not None or geo is not None:
        baro = baro or [""] * len(frame)
        geo = geo or [""] * len(frame)
        from_geo = sum(1 for b, g in zip(baro, geo) if not b and g)
        raw.altitude = [b or g or None for b, g in zip(baro, geo)]
        raw.altitude_unit = "m"
        raw.labels["altitude"] = columns.get("baroaltitude") or columns["geoaltitude"]
        raw.notices.append("altitude is baroaltitude (pressure altitude, as aircraft report it)"
                           + (f"; geoaltitude where it is empty ({from_geo} row{'s' if from_geo != 1 else ''})" if from_geo else ""))
    if "velocity" in columns:
        raw.speed, raw.speed_unit, raw.labels["speed"] = _col(frame, columns, "velocity"), "m/s", columns["velocity"]
    if "heading" in columns:
        raw.track, raw.labels["track"] = _col(frame, columns, "heading"), columns["heading"]
    if "onground" in columns:
        raw.on_ground, raw.labels["on_ground"] = _col(frame, columns, "onground"), columns["onground"]
    raw.meta = {"hex": _one_value(frame, columns, "icao24", name, "filter the state vectors to one icao24 per file"),
                "callsign": _one_value(frame, columns, "callsign", name, "")}
    # OpenSky sends a state vector every few seconds, also while it has no position for the aircraft.
    _drop_rows(raw, [bool(a) or bool(b) for a, b in zip(raw.lat, raw.lon)], "no position (lat and lon empty), as OpenSky sends while it does not receive one")
    return raw


def _read_site_csv(frame: pd.DataFrame, columns: dict, name: str) -> _Raw:
    _check_count(len(frame), name)
    rows = [i + 2 for i in range(len(frame))]
    if "timestamp" in columns:
        times, kind, label = _col(frame, columns, "timestamp"), "epoch", columns["timestamp"]
    else:
        times, kind, label = _col(frame, columns, "utc"), "iso", columns["utc"]
    positions = _col(frame, columns, "position")
    lat, lon = [], []
    for text in positions:
        parts = text.replace('"', "").split(",")
        if not text:
            lat.append(""), lon.append("")
        elif len(parts) == 2:
            lat.append(parts[0].strip()), lon.append(parts[1].strip())
        else:
            lat.append(_BadTuple(text)), lon.append(None)
    raw = _Raw("flight-tracking site CSV", "row", rows, times, time_kind=kind, lat=lat, lon=lon,
               labels={"time": label, "lat": columns["position"], "lon": columns["position"]})
    for target, key in (("altitude", "altitude"), ("speed", "speed"), ("track", "direction")):
        if key in columns:
            setattr(raw, target, _col(frame, columns, key))
            raw.labels[target] = columns[key]
    raw.meta = {"callsign": _one_value(frame, columns, "callsign", name, "")}
    _drop_rows(raw, [bool(a) for a in lat], "no position (Position empty)")
    return raw


# ---------------------------------------------------------------------------------------------
# Common checks and the normalised table


def _check_count(count: int, name: str) -> None:
    if count > MAX_POINTS:
        raise _refuse(name, f"the track has {count:,} points; the limit is {MAX_POINTS:,}", "split it into several files (one per flight)")


def _number(value) -> float | None:
    """A finite float from a JSON number or a text cell; None for anything else."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:
            return None
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _floats(values: list) -> tuple[np.ndarray, list[int]]:
    """Values as floats (NaN where empty) and the positions of values that are present but not numbers."""
    out = np.full(len(values), np.nan)
    bad = []
    for i, value in enumerate(values):
        if value is None or (isinstance(value, str) and not value.strip() and not isinstance(value, _BadTuple)):
            continue
        number = _number(value) if not isinstance(value, _BadTuple) else None
        if number is None:
            bad.append(i)
        else:
            out[i] = number
    return out, bad


_ZONE = re.compile(r"\d\d:\d\d(:\d\d(\.\d+)?)?\s*(Z|[+-]\d\d(:?\d\d)?)$", re.IGNORECASE)  # a clock time, then its zone


def _times(raw: _Raw) -> tuple[pd.Series, list[int], int]:
    """Times as datetime64[ns, UTC], the positions of bad or missing ones, and how many ISO times had no zone."""
    values = raw.time
    if raw.time_kind == "epoch":
        seconds, bad = _floats(values)
        seconds[bad] = np.nan
        low, high = EARLIEST.timestamp(), LATEST.timestamp()
        with np.errstate(invalid="ignore"):
            outside = ~((seconds >= low) & (seconds <= high))
        micros = np.where(outside, 0, np.round(np.nan_to_num(seconds) * 1e6)).astype("int64")
        parsed = pd.Series(pd.to_datetime(micros, unit="us", utc=True)).astype("datetime64[ns, UTC]")
        parsed[outside] = pd.NaT
        return parsed, sorted(set(np.flatnonzero(outside).tolist())), 0
    texts = pd.Series([v.strip() if isinstance(v, str) else None for v in values], dtype=object)
    parsed = pd.to_datetime(texts, utc=True, errors="coerce", format="ISO8601")
    outside = parsed.isna() | (parsed < EARLIEST) | (parsed > LATEST)
    parsed = parsed.where(~outside).astype("datetime64[ns, UTC]")
    naive = sum(1 for t in texts if t and not _ZONE.search(t))
    return parsed, np.flatnonzero(outside.to_numpy()).tolist(), naive


def _where(raw: _Raw, i: int) -> str:
    return f"row {raw.rows[i]}" if raw.unit == "row" else f"point {raw.rows[i]}"


def _finish(raw: _Raw, name: str) -> Track:
    problems: list[Problem] = []

    def problem(i: int, column: str, message: str, hint: str) -> None:
        lead = "" if raw.unit == "row" else f"point {raw.rows[i]}: "
        problems.append(Problem(name, raw.rows[i], raw.labels.get(column, column), lead + message, hint))

    n = len(raw.lat)
    if n == 0:
        raise _refuse(name, "the track has no points", "export the flight's track with its positions")
    _check_count(n, name)
    lat, bad_lat = _floats(raw.lat)
    lon, bad_lon = _floats(raw.lon)
    for i in sorted(set(bad_lat) | set(bad_lon)):
        text = raw.lat[i] if isinstance(raw.lat[i], _BadTuple) else None
        if text is not None:
            order = "longitude,latitude[,altitude]" if raw.format.startswith(("KML", "GeoJSON")) else "latitude,longitude"
            problem(i, "lat", f"the position is not {order} (it holds {shown(text, 60)})", "give the numbers separated as the format says")
        else:
            column = "lat" if i in bad_lat else "lon"
            value = raw.lat[i] if column == "lat" else raw.lon[i]
            problem(i, column, f"{'latitude' if column == 'lat' else 'longitude'} '{shown(value, 40)}' is not a number", "give decimal degrees")
    for i in np.flatnonzero(np.isnan(lat) | np.isnan(lon)).tolist():
        if i not in bad_lat and i not in bad_lon:
            problem(i, "lat" if np.isnan(lat[i]) else "lon", "the position is missing", "give latitude and longitude in decimal degrees")
    for i in np.flatnonzero(np.abs(lat) > 90).tolist():
        problem(i, "lat", f"latitude {lat[i]:g} is outside -90 to 90", "check that latitude and longitude are not swapped")
    for i in np.flatnonzero(np.abs(lon) > 180).tolist():
        problem(i, "lon", f"longitude {lon[i]:g} is outside -180 to 180", "give decimal degrees between -180 and 180")

    notices = list(raw.notices)
    if raw.time is None:
        time = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns, UTC]")
        notices.append("the file has no times: points are in drawing order only, so the track cannot be cut to the timeline or played")
    else:
        time, bad_time, naive = _times(raw)
        for i in bad_time:
            value = raw.time[i]
            missing = value is None or (isinstance(value, str) and not value.strip())
            problem(i, "time", "the time is missing" if missing else f"time '{shown(value, 40)}' is not a date and time between 1990 and 2100",
                    "give every point a time (ISO 8601 in UTC, e.g. 2023-03-14T08:00:00Z, or epoch seconds)")
        stamps = time.to_numpy(dtype="datetime64[ns]")
        valid = ~np.isnat(stamps)
        index = np.flatnonzero(valid)
        backwards = index[1:][stamps[index[1:]] < stamps[index[:-1]]]
        for i in backwards.tolist():
            previous = index[np.searchsorted(index, i) - 1]
            problem(i, "time", f"the time goes backwards: {time[i]:%Y-%m-%d %H:%M:%S} is before {_where(raw, previous)}'s {time[previous]:%Y-%m-%d %H:%M:%S}",
                    "keep the points in the order flown; check the date and the time zone of this point")
        if naive:
            notices.append(f"{naive} time{'s' if naive != 1 else ''} had no time zone and were read as UTC")
    if problems:
        problems.sort(key=lambda p: p.row or 0)
        extra = len(problems) - MAX_PROBLEMS
        problems = problems[:MAX_PROBLEMS]
        if extra > 0:
            problems.append(Problem(name, None, None, f"and {extra:,} more problem{'s' if extra != 1 else ''} like these"))
        raise DataValidationError(problems)

    altitude = _measure(raw, "altitude", n, problem, notices)
    if raw.altitude is not None and raw.altitude_unit == "m":
        altitude = altitude * FT_PER_M
        if np.isfinite(altitude).any():
            notices.append(f"altitudes converted from metres ({raw.labels.get('altitude', 'altitude')}) to feet")
    speed = _measure(raw, "speed", n, problem, notices)
    if raw.speed is not None and raw.speed_unit == "m/s":
        speed = speed * KT_PER_MS
        notices.append(f"speeds converted from m/s ({raw.labels.get('speed', 'speed')}) to knots")
    track = _measure(raw, "track", n, problem, notices)
    on_ground = pd.array([_flag(v) for v in raw.on_ground] if raw.on_ground is not None else [pd.NA] * n, dtype="boolean")

    points = pd.DataFrame({"time": time.array, "lat": lat, "lon": lon, "altitude_ft": altitude, "speed_kt": speed,
                           "track_deg": track, "on_ground": on_ground})
    points["time"] = points["time"].astype("datetime64[ns, UTC]")
    meta = {k: _meta_text(v) for k, v in raw.meta.items()}
    hex_code = meta.get("hex", "").lower()
    if hex_code and not re.fullmatch(r"[0-9a-f]{6}", hex_code):
        # tar1090 writes '~' before addresses that are not ICAO ones (TIS-B, anonymous): not an aircraft's code
        notices.append(f"'{shown(meta['hex'], 20)}' is not an ICAO 24-bit address (six hex digits) and was not kept as the hex code")
        hex_code = ""
    return Track(name=name, points=points, registration=meta.get("registration", ""), hex=hex_code,
                 callsign=meta.get("callsign", ""), aircraft_type=meta.get("aircraft_type", ""), format=raw.format,
                 notices=tuple(notices), breaks=tuple(b for b in raw.breaks if 0 < b < n))


def _measure(raw: _Raw, attr: str, n: int, problem, notices: list) -> np.ndarray:
    """An optional numeric field; values that are not numbers become NaN and are counted in a notice
    (they do not make a track unusable the way a bad position or time does)."""
    values = getattr(raw, attr)
    if values is None:
        return np.full(n, np.nan)
    out, bad = _floats(values)
    if bad:
        label = raw.labels.get(attr, attr)
        notices.append(f"{len(bad)} {label} value{'s' if len(bad) != 1 else ''} that are not numbers left empty (first at {_where(raw, bad[0])})")
    return out


def _flag(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"true": True, "false": False, "1": True, "0": False, "t": True, "f": False}.get(value.strip().lower(), pd.NA)
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    return pd.NA


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def _meta_text(value) -> str:
    return _CONTROL.sub("", str(value)).strip()[:64]


# ---------------------------------------------------------------------------------------------
# Geometry and summary


def _haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(a, dtype=float)) for a in (lat1, lon1, lat2, lon2))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def split_at_gaps(points: pd.DataFrame, max_gap_s: float = 600, max_jump_km: float = 200, breaks=()) -> list[pd.DataFrame]:
    """The track cut where coverage stops: more than `max_gap_s` between two points' times, more than
    `max_jump_km` between two positions (a jump, which also catches gaps in tracks without times),
    or a break the file itself makes (`breaks`: positions that start a new line)."""
    if points.empty:
        return []
    lat, lon = points["lat"].to_numpy(float), points["lon"].to_numpy(float)
    jump = _haversine_km(lat[:-1], lon[:-1], lat[1:], lon[1:]) > max_jump_km
    stamps = points["time"].to_numpy(dtype="datetime64[ns]")
    with np.errstate(invalid="ignore"):
        seconds = (stamps[1:] - stamps[:-1]) / np.timedelta64(1, "s")
    gap = np.nan_to_num(seconds, nan=0.0) > max_gap_s
    starts = set((np.flatnonzero(jump | gap) + 1).tolist()) | {int(b) for b in breaks if 0 < int(b) < len(points)}
    edges = [0, *sorted(starts), len(points)]
    return [points.iloc[a:b] for a, b in zip(edges[:-1], edges[1:])]


def summary(track: Track, max_gap_s: float = 600, max_jump_km: float = 200) -> dict:
    """First and last time (None without times), points, duration, segments and the distance flown:
    the sum of great-circle lengths between consecutive points within each segment, never across a gap."""
    points = track.points
    segments = split_at_gaps(points, max_gap_s, max_jump_km, track.breaks)
    distance = sum(float(_haversine_km(s["lat"].iloc[:-1], s["lon"].iloc[:-1], s["lat"].iloc[1:], s["lon"].iloc[1:]).sum())
                   for s in segments if len(s) > 1)
    times = points["time"].dropna()
    first = times.min() if len(times) else None
    last = times.max() if len(times) else None
    return {"first_time": first, "last_time": last, "points": len(points),
            "duration": (last - first) if first is not None else None, "segments": len(segments), "distance_km": distance}
