"""Checking place boundaries drawn in a GIS (a GeoJSON FeatureCollection) before they replace the drawn ones.

Each feature names its place by a property (``code`` by default) and carries a Polygon or MultiPolygon in
longitude/latitude. A file is accepted only whole: every ring closed, every polygon valid (no
self-intersection), every place known and in the importer's area, each shape inside its nearest drawn
ancestor's boundary (its parent's, or its village's when its group has none; within `INSIDE_TOLERANCE` of
its area) and overlapping no place of its kind under that ancestor by more than `OVERLAP_TOLERANCE` of the
smaller one's area. Every bad feature is listed, in Chinese, with its number
in the file and its code. The geometry checks use shapely (GEOS): overlaps of neighbouring grids share
whole edges, which hand-written polygon clipping gets wrong.

This module only reads; `gridgov.places.actions.import_boundaries` writes.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from shapely import STRtree, is_valid_reason
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from gridgov.places.models import Place

INSIDE_TOLERANCE = 0.01  # share of a shape's area allowed outside its parent (drawing slack along the border)
OVERLAP_TOLERANCE = 0.01  # share of the smaller shape's area two siblings may share
CODE_PROPERTY = "code"
MAX_FEATURES = 5000

REASONS = {
    "Self-intersection": "边线自相交",
    "Ring Self-intersection": "环自相交",
    "Too few points": "点数不足",
    "Hole lies outside shell": "内环在外环之外",
    "Interior is disconnected": "内部不连通",
    "Nested shells": "多边形相互嵌套",
    "Duplicate Rings": "环重复",
    "Invalid Coordinate": "坐标无效",
    "Nested holes": "内环相互嵌套",
}


@dataclass
class Feature:
    number: int  # 1-based position in the file
    code: str
    geometry: dict
    shape: BaseGeometry | None = None
    place: Place | None = None


@dataclass
class BoundaryCheck:
    features: list[Feature] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line per problem, naming the feature

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.features)


def _label(number: int, code: str = "") -> str:
    if code:
        return _("第%(n)s个要素（%(code)s）") % {"n": number, "code": code}
    return _("第%(n)s个要素") % {"n": number}


def _ring_problem(ring, k: int) -> str:
    if not isinstance(ring, list) or len(ring) < 4:
        return _("第%(k)s个环至少需要4个坐标点（首尾相同）") % {"k": k}
    for point in ring:
        if not (isinstance(point, list | tuple) and len(point) >= 2 and all(_number(v) for v in point[:2])):
            return _("第%(k)s个环的坐标应为[经度, 纬度]数字对") % {"k": k}
        lon, lat = float(point[0]), float(point[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            return _("第%(k)s个环的坐标[%(lon)s, %(lat)s]超出经纬度范围") % {"k": k, "lon": point[0], "lat": point[1]}
    if [float(v) for v in ring[0][:2]] != [float(v) for v in ring[-1][:2]]:
        return _("第%(k)s个环未闭合：首点%(first)s与末点%(last)s不同") % {
            "k": k,
            "first": json.dumps(ring[0][:2]),
            "last": json.dumps(ring[-1][:2]),
        }
    return ""


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def geometry_problems(geometry) -> list[str]:
    """What is wrong with a GeoJSON geometry as a boundary (empty: nothing)."""
    if not isinstance(geometry, dict):
        return [_("缺少几何图形（geometry）")]
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind not in ("Polygon", "MultiPolygon"):
        return [_("几何类型应为 Polygon 或 MultiPolygon，实为 %(kind)s") % {"kind": kind or _("空")}]
    polygons = [coords] if kind == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons or not all(isinstance(p, list) and p for p in polygons):
        return [_("坐标（coordinates）格式不正确")]
    rings = [ring for polygon in polygons for ring in polygon]
    problems = [p for k, ring in enumerate(rings, start=1) if (p := _ring_problem(ring, k))]
    if problems:
        return problems
    geom = shape(geometry)
    if not geom.is_valid:
        reason = is_valid_reason(geom)
        name, _sep, where = reason.partition("[")
        text = REASONS.get(name.strip(), name.strip())
        return [_("边界无效：%(reason)s（位置 %(where)s）") % {"reason": text, "where": "[" + where if where else "—"}]
    if geom.area <= 0:
        return [_("边界面积为零")]
    return []


def parse(raw: bytes | str, code_property: str = CODE_PROPERTY) -> BoundaryCheck:
    """Read a FeatureCollection: each feature's code and geometry, with the problems of each on its own."""
    check = BoundaryCheck()
    try:
        data = json.loads(raw)
    except UnicodeDecodeError:
        check.errors.append(_("文件不是 UTF-8 编码的文本"))
        return check
    except json.JSONDecodeError as exc:
        check.errors.append(
            _("文件不是有效的 JSON：第%(line)s行第%(col)s列（%(msg)s）")
            % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg}
        )
        return check
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        check.errors.append(_("文件应为 GeoJSON 要素集合（FeatureCollection）"))
        return check
    if not data["features"]:
        check.errors.append(_("文件中没有要素"))
        return check
    if len(data["features"]) > MAX_FEATURES:
        check.errors.append(_("一次最多导入 %(n)s 个要素") % {"n": MAX_FEATURES})
        return check
    first: dict[str, int] = {}
    for number, item in enumerate(data["features"], start=1):
        props = item.get("properties") if isinstance(item, dict) else None
        raw_code = props.get(code_property) if isinstance(props, dict) else None
        code = str(raw_code).strip() if isinstance(raw_code, str | int) and not isinstance(raw_code, bool) else ""
        if not isinstance(item, dict) or item.get("type") != "Feature":
            check.errors.append(_("%(f)s：应为 GeoJSON 要素（Feature）") % {"f": _label(number)})
            continue
        if not code:
            check.errors.append(_("%(f)s：缺少地域代码属性 %(prop)s") % {"f": _label(number), "prop": code_property})
            continue
        if code in first:
            check.errors.append(_("%(f)s：地域代码与第%(n)s个要素重复") % {"f": _label(number, code), "n": first[code]})
            continue
        first[code] = number
        problems = geometry_problems(item.get("geometry"))
        for problem in problems:
            check.errors.append(f"{_label(number, code)}：{problem}")
        feature = Feature(number, code, item.get("geometry"))
        if not problems:
            feature.shape = shape(feature.geometry)
        check.features.append(feature)
    return check


def validate(check: BoundaryCheck, places) -> BoundaryCheck:
    """Match each feature to a place of ``places`` (the importer's area) and check it against its parent
    and its siblings, as the boundaries will stand once the file is in."""
    known = {p.code: p for p in places.filter(code__in=[f.code for f in check.features]).select_related("parent")}
    for feature in check.features:
        feature.place = known.get(feature.code)
        if feature.place is None:
            check.errors.append(
                _("%(f)s：地域代码不存在或不在您的管辖范围内") % {"f": _label(feature.number, feature.code)}
            )
    drawn = [f for f in check.features if f.place is not None and f.shape is not None]
    new = {f.code: f.shape for f in drawn}
    # Ancestors as they are drawn now, unless the file redraws them. A shape is checked against its nearest
    # drawn ancestor (a grid against its village when its group has no boundary), and against the places of
    # its kind drawn under that ancestor (its siblings, whichever group they are in).
    codes = {a for f in drawn for a in f.place.ancestor_codes()}
    outlines: dict[str, tuple[str, BaseGeometry]] = {}
    for place in Place.objects.filter(code__in=codes, boundary__isnull=False).only("code", "name", "boundary"):
        geom = new.get(place.code) or _stored_shape(place.boundary)
        if geom is not None:
            outlines[place.code] = (place.name, geom)
    for f in drawn:
        if f.code not in outlines and f.code in codes:
            outlines[f.code] = (f.place.name, f.shape)

    def anchor(f: Feature) -> str:
        return next((a for a in reversed(f.place.ancestor_codes()) if a in outlines), "")

    siblings: dict[tuple[str, str], list[tuple[str, str, BaseGeometry]]] = defaultdict(list)
    for key in {(anchor(f), f.place.kind) for f in drawn}:
        kin = Place.objects.filter(kind=key[1], boundary__isnull=False).exclude(code__in=list(new))
        for place in (kin.within(key[0]) if key[0] else kin).only("code", "name", "boundary"):
            geom = _stored_shape(place.boundary)
            if geom is not None:
                siblings[key].append((place.code, place.name, geom))
    for f in drawn:
        siblings[(anchor(f), f.place.kind)].append((f.code, f.place.name, f.shape))
    number = {f.code: f.number for f in drawn}
    for f in drawn:
        above = anchor(f)
        if not above:
            continue
        name, outline = outlines[above]
        outside = f.shape.difference(outline).area / f.shape.area
        if outside > INSIDE_TOLERANCE:
            check.errors.append(
                _("%(f)s：超出上级%(parent)s（%(pcode)s）的边界，超出部分占本边界面积的%(share)s，允许%(tol)s")
                % {
                    "f": _label(f.number, f.code),
                    "parent": name,
                    "pcode": above,
                    "share": _pct(outside),
                    "tol": _pct(INSIDE_TOLERANCE),
                }  # fmt: skip
            )
    for group in siblings.values():
        if len(group) < 2:
            continue
        tree = STRtree([g for _c, _n, g in group])
        for i, (code, _name, geom) in enumerate(group):
            for j in tree.query(geom):
                j = int(j)
                if j <= i:
                    continue
                other_code, other_name, other = group[j]
                if code not in number and other_code not in number:
                    continue  # two stored shapes: not this file's business
                shared = geom.intersection(other).area
                share = shared / min(geom.area, other.area)
                if share > OVERLAP_TOLERANCE:
                    mine, theirs = (code, other_code) if code in number else (other_code, code)
                    their_name = other_name if mine == code else _name
                    check.errors.append(
                        _("%(f)s：与%(name)s（%(code)s）重叠，重叠面积占较小者的%(share)s，允许%(tol)s")
                        % {
                            "f": _label(number[mine], mine),
                            "name": their_name,
                            "code": theirs,
                            "share": _pct(share),
                            "tol": _pct(OVERLAP_TOLERANCE),
                        }  # fmt: skip
                    )
    return check


def _stored_shape(boundary) -> BaseGeometry | None:
    if not isinstance(boundary, dict) or geometry_problems(boundary):
        return None
    return shape(boundary)


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def centre_of(geom: BaseGeometry) -> dict:
    """A point inside the shape (its centroid when that lies inside), as GeoJSON."""
    point = geom.centroid if geom.contains(geom.centroid) else geom.representative_point()
    return {"type": "Point", "coordinates": [round(point.x, 6), round(point.y, 6)]}


def check_file(raw: bytes | str, places, code_property: str = CODE_PROPERTY) -> BoundaryCheck:
    """Parse and check a file against ``places`` (the importer's area)."""
    check = parse(raw, code_property)
    if check.features:
        validate(check, places)
    return check
