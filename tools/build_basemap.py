#!/usr/bin/env python3
"""Build the offline Natural Earth basemap used by the map.

Source: Natural Earth 1:50m admin-0 country boundaries (public domain), as
TopoJSON in the npm package ``world-atlas@2.0.2`` (ISC licence).

Outputs (relative to the repository root):
  assets/geo/countries.geojson       country polygons, property ``name`` only
  assets/geo/country-labels.geojson  one Point per country, property ``name``

Usage:
  python tools/build_basemap.py                 # fetches the package with `npm pack`
  python tools/build_basemap.py --source PATH   # PATH = countries-50m.json, an
                                                # unpacked package dir, or the .tgz

Standard library only; ``npm`` is needed only when --source is not given.
The TopoJSON is decoded here (no topojson-client dependency). Rings that
cross the +/-180 meridian are cut there so planar renderers draw them right.
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import json
import math
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "world-atlas@2.0.2"
SOURCE_MEMBER = "countries-50m.json"
# sha256 of package/countries-50m.json in world-atlas 2.0.2
SOURCE_SHA256 = "04342cdc1e3016bcd7db1630de95684d67b79fe3c8c460321e87aef469502394"
DECIMALS = 3

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "assets" / "geo"


# --------------------------------------------------------------------------
# Fetching the source
# --------------------------------------------------------------------------

def _read_from_tarball(tgz: Path) -> bytes:
    with tarfile.open(tgz, "r:gz") as tar:
        member = tar.extractfile(f"package/{SOURCE_MEMBER}")
        if member is None:
            raise SystemExit(f"{SOURCE_MEMBER} not found in {tgz}")
        return member.read()


def load_source(source: str | None) -> bytes:
    if source:
        path = Path(source)
        if path.is_dir():
            for cand in (path / SOURCE_MEMBER, path / "package" / SOURCE_MEMBER):
                if cand.is_file():
                    return cand.read_bytes()
            raise SystemExit(f"{SOURCE_MEMBER} not found under {path}")
        if path.name.endswith((".tgz", ".tar.gz")):
            return _read_from_tarball(path)
        return path.read_bytes()

    npm = shutil.which("npm")
    if not npm:
        raise SystemExit("npm not found; pass --source PATH to a local copy of "
                         f"{PACKAGE}/{SOURCE_MEMBER}")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([npm, "pack", PACKAGE, "--silent"], cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL)
        tgzs = list(Path(tmp).glob("*.tgz"))
        if len(tgzs) != 1:
            raise SystemExit(f"npm pack produced {tgzs!r}")
        return _read_from_tarball(tgzs[0])


# --------------------------------------------------------------------------
# TopoJSON -> GeoJSON
# --------------------------------------------------------------------------

def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    """Absolute lon/lat for every arc (undo delta encoding + quantization)."""
    tr = topo.get("transform")
    if tr:
        sx, sy = tr["scale"]
        tx, ty = tr["translate"]
    out = []
    for arc in topo["arcs"]:
        pts = []
        x = y = 0
        for p in arc:
            if tr:
                x += p[0]
                y += p[1]
                pts.append((x * sx + tx, y * sy + ty))
            else:
                pts.append((float(p[0]), float(p[1])))
        out.append(pts)
    return out


def _q(v: float) -> float:
    return round(v, DECIMALS) + 0.0  # "+ 0.0" turns -0.0 into 0.0


def _signed_area(ring) -> float:
    """Shoelace signed area (planar lon/lat); > 0 means counter-clockwise."""
    s = 0.0
    for i in range(len(ring) - 1):
        x1, y1 = ring[i]
        x2, y2 = ring[i + 1]
        s += x1 * y2 - x2 * y1
    return s / 2.0


def ring_points(indices, arcs):
    """Concatenate the arcs of one ring (negative index = reversed arc ~i)."""
    pts: list[tuple[float, float]] = []
    for idx in indices:
        arc = arcs[~idx][::-1] if idx < 0 else arcs[idx]
        # consecutive arcs share their junction point
        pts.extend(arc[1:] if pts else arc)
    if pts and pts[0] != pts[-1]:
        pts.append(pts[0])
    return pts


# --- antimeridian handling ------------------------------------------------
# world-atlas is spherical TopoJSON: a few rings (Russia's Chukotka and
# Wrangel Island, a Fiji island, Antarctica) step straight across the
# +/-180 meridian, and Antarctica carries a tiny ring around the South Pole.
# Planar renderers (MapLibre) would draw those as bands across the whole
# world, so rings are unwrapped, closed through the pole when they encircle
# it, and cut at +/-180 into separate pieces, as in the Natural Earth
# shapefiles.

def _is_polar_cap(pts) -> bool:
    return all(abs(y) > 89.99 for _, y in pts)


def _unwrap(pts):
    """Make longitudes continuous; return (points, crossings)."""
    out = [pts[0]]
    shift = 0.0
    crossings = 0
    for (px, _), (x, y) in zip(pts, pts[1:]):
        d = x - px
        if d > 180:
            shift -= 360
            crossings += 1
        elif d < -180:
            shift += 360
            crossings += 1
        out.append((x + shift, y))
    return out, crossings


def _clip_half(pts, edge: float, keep_left: bool):
    """Sutherland-Hodgman clip of a closed ring by the line x = edge."""
    def inside(p):
        return p[0] <= edge if keep_left else p[0] >= edge

    def cross(p, q):
        t = (edge - p[0]) / (q[0] - p[0])
        return (edge, p[1] + t * (q[1] - p[1]))

    out = []
    ring = pts[:-1]
    for i, q in enumerate(ring):
        p = ring[i - 1]
        if inside(q):
            if not inside(p):
                out.append(cross(p, q))
            out.append(q)
        elif inside(p):
            out.append(cross(p, q))
    if out:
        out.append(out[0])
    return out


def _split_windows(pts):
    """Cut an unwrapped ring into 360-degree windows, shifted into [-180, 180]."""
    xs = [p[0] for p in pts]
    lo = math.floor((min(xs) + 180) / 360)
    hi = math.floor((max(xs) + 180) / 360 - 1e-12)
    pieces = {}
    for w in range(lo, hi + 1):
        left, right = -180 + 360 * w, 180 + 360 * w
        piece = pts
        if min(xs) < left:
            piece = _clip_half(piece, left, keep_left=False)
        if piece and max(xs) > right:
            piece = _clip_half(piece, right, keep_left=True)
        if len(piece) >= 4:
            pieces[w] = [(x - 360 * w, y) for x, y in piece]
    return pieces


def finish_ring(pts, ccw: bool):
    """Round, drop consecutive duplicates, orient (RFC 7946)."""
    ring: list[tuple[float, float]] = []
    for x, y in pts:
        p = (_q(x), _q(y))
        if not ring or ring[-1] != p:
            ring.append(p)
    if ring and ring[0] != ring[-1]:
        ring.append(ring[0])
    if len(ring) < 4:
        return None
    area = _signed_area(ring)
    if area == 0:
        return None
    if (area > 0) != ccw:  # RFC 7946: exterior CCW, holes CW
        ring.reverse()
    return ring


def build_polygons(rings_idx, arcs):
    """One TopoJSON polygon -> list of GeoJSON polygons (split at +/-180)."""
    rings = []
    for r in rings_idx:
        pts = ring_points(r, arcs)
        if len(pts) < 4 or _is_polar_cap(pts):
            continue
        pts, crossings = _unwrap(pts)
        if crossings % 2:  # encircles a pole: close the ring through it
            pole = -90.0 if sum(y for _, y in pts) < 0 else 90.0
            pts = pts[:-1] + [(pts[-1][0], pole), (pts[0][0], pole), pts[0]]
        rings.append(pts)
    if not rings:
        return []
    # the exterior is the ring with the largest area; the rest are holes
    rings.sort(key=lambda r: -abs(_signed_area(r)))
    ext, holes = rings[0], rings[1:]
    lo = min(x for x, _ in ext)
    hi = max(x for x, _ in ext)
    aligned = []
    for h in holes:  # move each hole into the exterior's longitude range
        mid = sum(x for x, _ in h) / len(h)
        k = 0 if lo <= mid <= hi else round(((lo + hi) / 2 - mid) / 360)
        aligned.append([(x + 360 * k, y) for x, y in h])

    polys = []
    ext_pieces = _split_windows(ext)
    hole_pieces = [_split_windows(h) for h in aligned]
    for w in sorted(ext_pieces):
        outer = finish_ring(ext_pieces[w], ccw=True)
        if outer is None:
            continue
        poly = [outer]
        for hp in hole_pieces:
            if w in hp:
                hole = finish_ring(hp[w], ccw=False)
                if hole is not None:
                    poly.append(hole)
        polys.append(poly)
    return polys


def to_geometry(geom: dict, arcs):
    t = geom.get("type")
    if t == "Polygon":
        polys = build_polygons(geom["arcs"], arcs)
    elif t == "MultiPolygon":
        polys = [p for g in geom["arcs"] for p in build_polygons(g, arcs)]
    else:
        return None
    if not polys:
        return None
    if len(polys) == 1:
        return {"type": "Polygon", "coordinates": polys[0]}
    return {"type": "MultiPolygon", "coordinates": polys}


# --------------------------------------------------------------------------
# Label points
# --------------------------------------------------------------------------

def ring_centroid(ring):
    a = cx = cy = 0.0
    for i in range(len(ring) - 1):
        x1, y1 = ring[i]
        x2, y2 = ring[i + 1]
        f = x1 * y2 - x2 * y1
        a += f
        cx += (x1 + x2) * f
        cy += (y1 + y2) * f
    if a == 0:
        xs = [p[0] for p in ring]
        ys = [p[1] for p in ring]
        return sum(xs) / len(xs), sum(ys) / len(ys)
    return cx / (3 * a), cy / (3 * a)


def _in_ring(x, y, ring) -> bool:
    inside = False
    for i in range(len(ring) - 1):
        x1, y1 = ring[i]
        x2, y2 = ring[i + 1]
        if (y1 > y) != (y2 > y):
            if x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
                inside = not inside
    return inside


def in_polygon(x, y, rings) -> bool:
    return _in_ring(x, y, rings[0]) and not any(_in_ring(x, y, h) for h in rings[1:])


def _seg_dist2(px, py, ax, ay, bx, by) -> float:
    dx, dy = bx - ax, by - ay
    if dx or dy:
        t = ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)
        if t > 1:
            ax, ay = bx, by
        elif t > 0:
            ax += dx * t
            ay += dy * t
    dx, dy = px - ax, py - ay
    return dx * dx + dy * dy


def _signed_dist(x, y, rings) -> float:
    """Distance to the polygon outline; positive inside, negative outside."""
    d2 = min(
        _seg_dist2(x, y, *r[i], *r[i + 1])
        for r in rings for i in range(len(r) - 1)
    )
    d = math.sqrt(d2)
    return d if in_polygon(x, y, rings) else -d


def polylabel(rings, precision: float | None = None):
    """Pole of inaccessibility (Mapbox 'polylabel' algorithm), planar."""
    xs = [p[0] for p in rings[0]]
    ys = [p[1] for p in rings[0]]
    minx, maxx, miny, maxy = min(xs), max(xs), min(ys), max(ys)
    w, h = maxx - minx, maxy - miny
    size = min(w, h)
    if size == 0:
        return minx, miny
    if precision is None:
        precision = max(size / 100.0, 1e-3)

    def cell(x, y, half):
        d = _signed_dist(x, y, rings)
        return (-(d + half * math.sqrt(2)), d, x, y, half)

    heap = []
    half = size / 2
    x = minx
    while x < maxx:
        y = miny
        while y < maxy:
            heapq.heappush(heap, cell(x + half, y + half, half))
            y += size
        x += size

    cx, cy = ring_centroid(rings[0])
    best = cell(cx, cy, 0)
    bbox_c = cell(minx + w / 2, miny + h / 2, 0)
    if bbox_c[1] > best[1]:
        best = bbox_c

    while heap:
        c = heapq.heappop(heap)
        if c[1] > best[1]:
            best = c
        if -c[0] - best[1] <= precision:
            continue
        hh = c[4] / 2
        for ox in (-hh, hh):
            for oy in (-hh, hh):
                heapq.heappush(heap, cell(c[2] + ox, c[3] + oy, hh))
    return best[2], best[3]


def label_point(geometry: dict):
    polys = (geometry["coordinates"] if geometry["type"] == "MultiPolygon"
             else [geometry["coordinates"]])
    largest = max(polys, key=lambda p: abs(_signed_area(p[0])))
    x, y = ring_centroid(largest[0])
    if not in_polygon(x, y, largest):
        x, y = polylabel(largest)
    return _q(x), _q(y)


# --------------------------------------------------------------------------

def write_json(path: Path, obj) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    path.write_text(data + "\n", encoding="utf-8")
    return path.stat().st_size


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", help="local countries-50m.json, package dir or .tgz")
    ap.add_argument("--out-dir", default=str(OUT_DIR), help="output directory")
    args = ap.parse_args(argv)

    raw = load_source(args.source)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SOURCE_SHA256:
        raise SystemExit(f"unexpected {SOURCE_MEMBER} sha256 {digest} "
                         f"(expected {SOURCE_SHA256} from {PACKAGE})")
    topo = json.loads(raw)
    arcs = decode_arcs(topo)

    countries, labels = [], []
    for g in topo["objects"]["countries"]["geometries"]:
        name = (g.get("properties") or {}).get("name")
        if not name:
            continue
        geom = to_geometry(g, arcs)
        if geom is None:
            continue
        countries.append({"type": "Feature", "properties": {"name": name},
                          "geometry": geom})
        lon, lat = label_point(geom)
        labels.append({"type": "Feature", "properties": {"name": name},
                       "geometry": {"type": "Point", "coordinates": [lon, lat]}})

    out = Path(args.out_dir)
    n1 = write_json(out / "countries.geojson",
                    {"type": "FeatureCollection", "features": countries})
    n2 = write_json(out / "country-labels.geojson",
                    {"type": "FeatureCollection", "features": labels})
    print(f"source: {PACKAGE}/{SOURCE_MEMBER} sha256={digest[:12]}")
    print(f"{out / 'countries.geojson'}: {len(countries)} features, {n1:,} bytes")
    print(f"{out / 'country-labels.geojson'}: {len(labels)} features, {n2:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
