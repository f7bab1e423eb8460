"""Plausible shapes for demo places: towns tile the county, villages a town, grids a village.

A cell is a quadrilateral with a horizontal top and bottom edge and straight, slanted sides.
`tile` cuts a cell into rows (straight lines) and each row into columns (slanted lines shared
by neighbours), so the children of a cell cover it exactly and never overlap.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

# 寨坝镇 lies at about 106.30 E, 28.40 N; towns of 习水县 are laid out on a 6-column lattice around it.
TOWN_WIDTH = 0.12
TOWN_HEIGHT = 0.10
TOWN_COLUMNS = 6
ANCHOR_CENTRE = (106.30, 28.40)
DIGITS = 6


@dataclass(frozen=True)
class Cell:
    """y_top > y_bottom (north is up); x_* are longitudes of the left and right sides at top and bottom."""

    y_top: float
    y_bottom: float
    left_top: float
    right_top: float
    left_bottom: float
    right_bottom: float

    def polygon(self) -> dict:
        """GeoJSON Polygon, exterior ring counter-clockwise (RFC 7946)."""
        ring = [
            (self.left_top, self.y_top),
            (self.left_bottom, self.y_bottom),
            (self.right_bottom, self.y_bottom),
            (self.right_top, self.y_top),
            (self.left_top, self.y_top),
        ]
        return {"type": "Polygon", "coordinates": [[[round(x, DIGITS), round(y, DIGITS)] for x, y in ring]]}

    def centre(self) -> dict:
        x = (self.left_top + self.right_top + self.left_bottom + self.right_bottom) / 4
        y = (self.y_top + self.y_bottom) / 2
        return point(x, y)

    def random_point(self, rng: random.Random, margin: float = 0.08) -> dict:
        v = rng.uniform(margin, 1 - margin)
        u = rng.uniform(margin, 1 - margin)
        y = self.y_top + v * (self.y_bottom - self.y_top)
        left = self.left_top + v * (self.left_bottom - self.left_top)
        right = self.right_top + v * (self.right_bottom - self.right_top)
        return point(left + u * (right - left), y)

    @property
    def width(self) -> float:
        return (self.right_top - self.left_top + self.right_bottom - self.left_bottom) / 2

    @property
    def height(self) -> float:
        return self.y_top - self.y_bottom


def point(x: float, y: float) -> dict:
    return {"type": "Point", "coordinates": [round(x, DIGITS), round(y, DIGITS)]}


def town_cell(ordinal: int, anchor_ordinal: int) -> Cell:
    """The lattice cell of the town with index ``ordinal``; the anchor town sits at ANCHOR_CENTRE."""
    anchor_col, anchor_row = anchor_ordinal % TOWN_COLUMNS, anchor_ordinal // TOWN_COLUMNS
    x0 = ANCHOR_CENTRE[0] - (anchor_col + 0.5) * TOWN_WIDTH
    y0 = ANCHOR_CENTRE[1] + (anchor_row + 0.5) * TOWN_HEIGHT
    col, row = ordinal % TOWN_COLUMNS, ordinal // TOWN_COLUMNS
    left, top = x0 + col * TOWN_WIDTH, y0 - row * TOWN_HEIGHT
    return Cell(top, top - TOWN_HEIGHT, left, left + TOWN_WIDTH, left, left + TOWN_WIDTH)


def tile(cell: Cell, n: int, rng: random.Random, jitter: float = 0.22) -> list[Cell]:
    """Cut ``cell`` into ``n`` cells, row by row from the north-west."""
    if n <= 0:
        return []
    lon_scale = math.cos(math.radians(cell.y_top))
    rows = max(1, min(n, round(math.sqrt(n * cell.height / (cell.width * lon_scale)))))
    per_row = [n // rows + (1 if r < n % rows else 0) for r in range(rows)]
    # Row boundaries: evenly spaced, interior ones moved a little.
    ys = [cell.y_top - cell.height * r / rows for r in range(rows + 1)]
    for r in range(1, rows):
        ys[r] += rng.uniform(-jitter, jitter) * cell.height / rows

    def side_x(y: float, left: bool) -> float:
        v = (cell.y_top - y) / cell.height
        if left:
            return cell.left_top + v * (cell.left_bottom - cell.left_top)
        return cell.right_top + v * (cell.right_bottom - cell.right_top)

    out: list[Cell] = []
    for r, cols in enumerate(per_row):
        top, bottom = ys[r], ys[r + 1]
        lt, rt = side_x(top, True), side_x(top, False)
        lb, rb = side_x(bottom, True), side_x(bottom, False)
        fractions_top = [0.0] + [(k + rng.uniform(-jitter, jitter)) / cols for k in range(1, cols)] + [1.0]
        fractions_bottom = [0.0] + [(k + rng.uniform(-jitter, jitter)) / cols for k in range(1, cols)] + [1.0]
        for c in range(cols):
            out.append(
                Cell(
                    top,
                    bottom,
                    lt + fractions_top[c] * (rt - lt),
                    lt + fractions_top[c + 1] * (rt - lt),
                    lb + fractions_bottom[c] * (rb - lb),
                    lb + fractions_bottom[c + 1] * (rb - lb),
                )
            )
    return out
