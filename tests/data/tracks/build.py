"""Writes the track files of tests/data/tracks/ (issue 17): one small file per track format and a few
broken ones, all from the one source of truth below (TRUTH), which tests/test_tracks.py compares with.

    .venv/bin/python tests/data/tracks/build.py [--check]

Everything here is SYNTHETIC: a made-up aircraft (registration TZ-TST, ICAO address 0a1b2c,
callsign TST101, type C130) on a plausible path from Bamako-Sénou (GABS) to Gao (GAGO) on
2023-03-14, with a 50-minute hole in coverage over the desert. Each file says it is synthetic in
its name and, where the format has one, in a description field. Positions are written with 5
decimals; heights in metres (KML, GPX, GeoJSON, OpenSky) and speeds in m/s (OpenSky) are the
truth's feet and knots converted and rounded to 2 decimals, so a reader that forgets to convert back
is off by a factor of 3.28 or 1.94, far outside the tests' tolerances.

`--check` rebuilds in memory and fails if a committed file differs.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOTE = "SYNTHETIC test track: made-up aircraft TZ-TST (0a1b2c), not a real flight"
REGISTRATION, HEX, CALLSIGN, TYPE = "TZ-TST", "0a1b2c", "TST101", "C130"
START = datetime(2023, 3, 14, 8, 0, 0, tzinfo=timezone.utc)
GABS = (12.5335, -7.9499)  # Bamako-Sénou
GAGO = (16.2484, -0.0050)  # Gao
FT = 0.3048  # metres per foot
MS = 1852 / 3600  # m/s per knot

# minute after START, fraction of the way along the great circle, altitude ft, ground speed kt, on ground
SCHEDULE = [
    (0, 0.0, 1247, 0, True),
    (1, 0.002, 1247, 115, True),
    (3, 0.012, 4500, 160, False),
    (6, 0.035, 9500, 210, False),
    (10, 0.07, 15500, 250, False),
    (15, 0.12, 20000, 280, False),
    (20, 0.17, 22000, 285, False),
    (25, 0.22, 22000, 285, False),
    # no coverage from 08:25 to 09:15 (50 minutes, about 450 km)
    (75, 0.70, 22000, 280, False),
    (80, 0.75, 22000, 280, False),
    (90, 0.85, 16000, 260, False),
    (100, 0.94, 8000, 220, False),
    (106, 0.985, 2500, 150, False),
    (108, 0.998, 870, 120, True),
    (110, 1.0, 870, 20, True),
]
GAP_AFTER = 7  # index of the last point before the hole in coverage


def _along(fraction: float) -> tuple[float, float]:
    """The point `fraction` of the way along the great circle from GABS to GAGO (spherical interpolation)."""
    (la1, lo1), (la2, lo2) = (tuple(math.radians(v) for v in p) for p in (GABS, GAGO))
    a = [math.cos(la1) * math.cos(lo1), math.cos(la1) * math.sin(lo1), math.sin(la1)]
    b = [math.cos(la2) * math.cos(lo2), math.cos(la2) * math.sin(lo2), math.sin(la2)]
    omega = math.acos(sum(x * y for x, y in zip(a, b)))
    wa, wb = math.sin((1 - fraction) * omega) / math.sin(omega), math.sin(fraction * omega) / math.sin(omega)
    x, y, z = (wa * p + wb * q for p, q in zip(a, b))
    return round(math.degrees(math.atan2(z, math.hypot(x, y))), 5), round(math.degrees(math.atan2(y, x)), 5)


def _bearing(lat1, lon1, lat2, lon2) -> int:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return round(math.degrees(math.atan2(y, x))) % 360


def _truth() -> list[dict]:
    points = []
    for minute, fraction, altitude, speed, ground in SCHEDULE:
        lat, lon = _along(fraction)
        points.append({"time": START + timedelta(minutes=minute), "lat": lat, "lon": lon, "altitude_ft": float(altitude),
                       "speed_kt": float(speed), "on_ground": ground})
    for i, point in enumerate(points):
        a, b = (points[i], points[i + 1]) if i + 1 < len(points) else (points[i - 1], points[i])
        point["track_deg"] = float(_bearing(a["lat"], a["lon"], b["lat"], b["lon"]))
    return points


TRUTH = _truth()


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def metres(feet: float) -> float:
    return round(feet * FT, 2)


def ms(knots: float) -> float:
    return round(knots * MS, 2)


# --- KML, GPX, GeoJSON -------------------------------------------------------------------------

def _kml(body: str, name: str = "TZ-TST synthetic track", extended: bool = True) -> str:
    data = "".join(f'<Data name="{k}"><value>{v}</value></Data>' for k, v in
                   (("registration", REGISTRATION), ("hex", HEX), ("callsign", CALLSIGN), ("aircraft_type", TYPE))) if extended else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2">\n<Document>\n'
            f"<name>{name}</name>\n<description>{NOTE}</description>\n"
            f"{body}</Document>\n</kml>\n").replace("<ExtendedData/>", f"<ExtendedData>{data}</ExtendedData>")


def _kml_line(points, placemark: str = "Flown path") -> str:
    coordinates = " ".join(f"{p['lon']},{p['lat']},{metres(p['altitude_ft'])}" for p in points)
    return (f"<Placemark><name>{placemark}</name><ExtendedData/>\n<LineString><altitudeMode>absolute</altitudeMode>\n"
            f"<coordinates>{coordinates}</coordinates></LineString></Placemark>\n")


def kml_linestring() -> str:
    return _kml(_kml_line(TRUTH))


def kml_gx_track() -> str:
    whens = "".join(f"<when>{iso(p['time'])}</when>\n" for p in TRUTH)
    coords = "".join(f"<gx:coord>{p['lon']} {p['lat']} {metres(p['altitude_ft'])}</gx:coord>\n" for p in TRUTH)
    return _kml(f"<Placemark><name>Flown path</name><ExtendedData/>\n<gx:Track><altitudeMode>absolute</altitudeMode>\n"
                f"{whens}{coords}</gx:Track></Placemark>\n")


def kml_two_linestrings() -> str:
    return _kml(_kml_line(TRUTH[: GAP_AFTER + 1], "First part") + _kml_line(TRUTH[GAP_AFTER + 1:], "Second part"))


def kml_no_points() -> str:
    return _kml("<Placemark><name>Flown path</name><LineString><coordinates>\n</coordinates></LineString></Placemark>\n")


def gpx(points=TRUTH, times=None) -> str:
    times = times or [p["time"] for p in points]
    body = "".join(f'<trkpt lat="{p["lat"]}" lon="{p["lon"]}"><ele>{metres(p["altitude_ft"])}</ele><time>{iso(t)}</time></trkpt>\n'
                   for p, t in zip(points, times))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<gpx version="1.1" creator="tests/data/tracks/build.py" xmlns="http://www.topografix.com/GPX/1/1">\n'
            f"<metadata><name>TZ-TST synthetic track</name><desc>{NOTE}</desc></metadata>\n"
            f"<trk><name>TZ-TST</name><desc>{NOTE}</desc><trkseg>\n{body}</trkseg></trk>\n</gpx>\n")


def gpx_backwards() -> str:
    times = [p["time"] for p in TRUTH]
    times[4] = times[3] - timedelta(minutes=2)  # point 5 is timed before point 4
    return gpx(TRUTH, times)


def _properties() -> dict:
    return {"description": NOTE, "registration": REGISTRATION, "icao24": HEX, "callsign": CALLSIGN, "type": TYPE}


def _position(p) -> list:
    return [p["lon"], p["lat"], metres(p["altitude_ft"])]


def _json(data) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def geojson_linestring() -> str:
    return _json({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": _properties(), "geometry": {"type": "LineString", "coordinates": [_position(p) for p in TRUTH]}}]})


def geojson_multilinestring() -> str:
    parts = [[_position(p) for p in TRUTH[: GAP_AFTER + 1]], [_position(p) for p in TRUTH[GAP_AFTER + 1:]]]
    return _json({"type": "Feature", "properties": _properties(), "geometry": {"type": "MultiLineString", "coordinates": parts}})


def geojson_points() -> str:
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
                 "properties": {**({"description": NOTE, "registration": REGISTRATION, "icao24": HEX, "callsign": CALLSIGN} if i == 0 else {}),
                                "time": iso(p["time"]), "altitude_ft": p["altitude_ft"], "speed_kt": p["speed_kt"],
                                "track_deg": p["track_deg"], "on_ground": p["on_ground"]}}
                for i, p in enumerate(TRUTH)]
    return _json({"type": "FeatureCollection", "features": features})


# --- ADS-B Exchange / tar1090 trace, OpenSky, flight-tracking site ------------------------------

def tar1090_trace() -> str:
    base = TRUTH[0]["time"].timestamp()
    rows = []
    for i, p in enumerate(TRUTH):
        details = {"type": "adsb_icao", "flight": f"{CALLSIGN}  ", "squawk": "7000"} if i == 0 else None
        altitude = "ground" if p["on_ground"] else int(p["altitude_ft"])
        rows.append([round(p["time"].timestamp() - base, 2), p["lat"], p["lon"], altitude, p["speed_kt"], p["track_deg"],
                     2 if i == 0 else 0, 0 if p["on_ground"] else 64, details, "adsb_icao", None, None, None, None])
    data = {"icao": HEX, "r": REGISTRATION, "t": TYPE, "desc": NOTE, "dbFlags": 0, "timestamp": base, "trace": rows}
    # tar1090 writes one trace row per line; keep that shape so a person can read the file
    head = json.dumps({k: v for k, v in data.items() if k != "trace"})[:-1]
    return head + ',\n"trace":[\n' + ",\n".join(json.dumps(r) for r in rows) + "\n]}\n"


OPENSKY_HEADER = ["time", "icao24", "lat", "lon", "velocity", "heading", "vertrate", "callsign", "onground", "alert", "spi",
                  "squawk", "baroaltitude", "geoaltitude", "lastposupdate", "lastcontact", "hour"]


def _csv(header, rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def opensky() -> str:
    rows = []
    for i, p in enumerate(TRUTH):
        t = int(p["time"].timestamp())
        rows.append([t, HEX, p["lat"], p["lon"], ms(p["speed_kt"]), p["track_deg"], 0.0, f"{CALLSIGN}  ",
                     "true" if p["on_ground"] else "false", "false", "false", "7000", metres(p["altitude_ft"]),
                     round(metres(p["altitude_ft"]) + 30.48, 2), t, t, t - t % 3600])
        if i == GAP_AFTER:  # a state vector while the aircraft's position is not received: no lat/lon
            rows.append([t + 600, HEX, "", "", "", "", "", f"{CALLSIGN}  ", "false", "false", "false", "7000", "", "", "", t + 600, t - t % 3600])
    return _csv(OPENSKY_HEADER, rows)


SITE_HEADER = ["Timestamp", "UTC", "Callsign", "Position", "Altitude", "Speed", "Direction"]


def site_csv(points=TRUTH, lat_override: dict | None = None) -> str:
    rows = []
    for i, p in enumerate(points):
        lat = (lat_override or {}).get(i, p["lat"])
        rows.append([int(p["time"].timestamp()), iso(p["time"]), CALLSIGN, f"{lat},{p['lon']}", int(p["altitude_ft"]),
                     int(p["speed_kt"]), int(p["track_deg"])])
    return _csv(SITE_HEADER, rows)


def site_csv_lat95() -> str:
    return site_csv(TRUTH, {2: 95.0})  # the third point: spreadsheet row 4


def not_a_track() -> str:
    return _csv(["date", "from", "to", "registration", "source"], [["2023-03-14", "Bamako", "Gao", REGISTRATION, "SYNTHETIC test row"]])


FILES = {
    "synthetic_linestring.kml": kml_linestring,
    "synthetic_gx_track.kml": kml_gx_track,
    "synthetic_track.gpx": gpx,
    "synthetic_linestring.geojson": geojson_linestring,
    "synthetic_multilinestring.geojson": geojson_multilinestring,
    "synthetic_points.geojson": geojson_points,
    "synthetic_trace_full_0a1b2c.json": tar1090_trace,  # 'ground' altitudes on the first two and last two points
    "synthetic_opensky_0a1b2c.csv": opensky,
    "synthetic_site_TST101.csv": site_csv,
    "synthetic_bad_backwards.gpx": gpx_backwards,
    "synthetic_bad_lat95.csv": site_csv_lat95,
    "synthetic_bad_no_points.kml": kml_no_points,
    "synthetic_bad_two_linestrings.kml": kml_two_linestrings,
    "synthetic_not_a_track.csv": not_a_track,
}


def build() -> dict[str, bytes]:
    return {name: make().encode("utf-8") for name, make in FILES.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a committed file differs from a rebuild")
    args = parser.parse_args()
    stale = []
    for name, content in build().items():
        path = HERE / name
        if args.check:
            if not path.is_file() or path.read_bytes() != content:
                stale.append(name)
        else:
            path.write_bytes(content)
    if stale:
        print("differs from a rebuild: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
