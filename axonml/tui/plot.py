"""Curves rasterised into terminal cells: braille dots (2x4 per cell), half blocks (1x2) or ASCII (1x1).

The rasteriser knows nothing about urwid: it returns rows of ``(series, character)`` cells, where
``series`` is the index of the curve that last drew in the cell (None for an empty cell), so the
widget can colour each curve, and a monochrome terminal can still tell them apart by attribute.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

__all__ = ["GLYPHS", "Cell", "rasterise", "plot_lines", "format_number", "progress_bar", "to_markup"]

# dots per cell (columns, rows) of each glyph set
GLYPHS = {"braille": (2, 4), "block": (1, 2), "ascii": (1, 1)}

# the bit of each dot in a braille cell (Unicode U+2800 block), indexed [row][column]
_BRAILLE_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
_HALF_BLOCKS = {1: "\u2580", 2: "\u2584", 3: "\u2588"}  # upper, lower, full
ASCII_MARKERS = "*+ox#@%&"

Cell = tuple  # (series index or None, character)

Point = tuple[float, float]


@dataclass(frozen=True)
class _Frame:
    """The data range mapped onto a dot grid of width x height."""
    x_min: float
    x_max: float
    y_min: float
    y_max: float
    width: int
    height: int

    def dot(self, x: float, y: float) -> tuple[int, int]:
        column = 0 if self.x_max == self.x_min else round((x - self.x_min) / (self.x_max - self.x_min) * (self.width - 1))
        row = 0 if self.y_max == self.y_min else round((self.y_max - y) / (self.y_max - self.y_min) * (self.height - 1))
        return column, row


def _finite(series: Sequence[Point]) -> list[Point]:
    return [(float(x), float(y)) for x, y in series
            if x is not None and y is not None and math.isfinite(x) and math.isfinite(y)]


def data_range(series_list: Sequence[Sequence[Point]]) -> tuple[float, float, float, float] | None:
    """(x_min, x_max, y_min, y_max) over every finite point; None if there is none. A flat y range is
    widened so that a constant curve sits in the middle of the plot."""
    points = [point for series in series_list for point in _finite(series)]
    if not points:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    y_min, y_max = min(ys), max(ys)
    if y_min == y_max:
        pad = abs(y_min) * 0.1 or 1.0
        y_min, y_max = y_min - pad, y_max + pad
    return min(xs), max(xs), y_min, y_max


def _line(start: tuple[int, int], end: tuple[int, int]):
    """The dots of a straight segment (Bresenham)."""
    (x0, y0), (x1, y1) = start, end
    dx, dy = abs(x1 - x0), -abs(y1 - y0)
    sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
    error = dx + dy
    while True:
        yield x0, y0
        if (x0, y0) == (x1, y1):
            return
        doubled = 2 * error
        if doubled >= dy:
            error += dy
            x0 += sx
        if doubled <= dx:
            error += dx
            y0 += sy


def rasterise(series_list: Sequence[Sequence[Point]], columns: int, rows: int, glyphs: str = "braille",
              bounds: tuple[float, float, float, float] | None = None) -> list[list[Cell]]:
    """Draw each series as a polyline into a columns x rows grid of cells.

    Args:
        series_list: curves, each a sequence of (x, y); None and non-finite values are skipped.
        columns, rows: the size of the grid in terminal cells.
        glyphs: ``"braille"``, ``"block"`` or ``"ascii"`` (see :data:`GLYPHS`).
        bounds: (x_min, x_max, y_min, y_max); default: the range of the data.

    Returns:
        ``rows`` lists of ``columns`` cells, each ``(series index or None, character)``.
    """
    if glyphs not in GLYPHS:
        raise ValueError(f"glyphs must be one of {', '.join(GLYPHS)}, got {glyphs!r}")
    if columns < 1 or rows < 1:
        return [[(None, " ")] * max(columns, 0) for _ in range(max(rows, 0))]
    per_column, per_row = GLYPHS[glyphs]
    bits = [[0] * columns for _ in range(rows)]
    owner: list[list[int | None]] = [[None] * columns for _ in range(rows)]
    bounds = bounds or data_range(series_list)
    if bounds is not None:
        frame = _Frame(*bounds, width=columns * per_column, height=rows * per_row)
        for index, series in enumerate(series_list):
            dots = [frame.dot(x, y) for x, y in _finite(series)]
            segments = zip(dots, dots[1:]) if len(dots) > 1 else [(dot, dot) for dot in dots]
            for start, end in segments:
                for column, row in _line(start, end):
                    if 0 <= column < frame.width and 0 <= row < frame.height:
                        cell_row, cell_column = row // per_row, column // per_column
                        if glyphs == "braille":
                            bits[cell_row][cell_column] |= _BRAILLE_BITS[row % 4][column % 2]
                        else:
                            bits[cell_row][cell_column] |= 1 << (row % per_row)
                        owner[cell_row][cell_column] = index
    grid = []
    for bit_row, owner_row in zip(bits, owner):
        cells = []
        for value, index in zip(bit_row, owner_row):
            if not value:
                cells.append((None, " "))
            elif glyphs == "braille":
                cells.append((index, chr(0x2800 + value)))
            elif glyphs == "block":
                cells.append((index, _HALF_BLOCKS[value]))
            else:
                cells.append((index, ASCII_MARKERS[index % len(ASCII_MARKERS)]))
        grid.append(cells)
    return grid


def format_number(value: float, width: int = 7) -> str:
    """A number in at most `width` characters (3 significant digits, exponent when needed)."""
    if 1000 <= abs(value) < 10 ** (width - 1):
        return f"{value:.0f}"
    for digits in (3, 2, 1):
        text = f"{value:.{digits}g}"
        if len(text) <= width:
            return text
    return f"{value:.0e}"[:width]


def plot_lines(series_list: Sequence[Sequence[Point]], columns: int, rows: int, glyphs: str = "braille",
               label_width: int = 7) -> list[list[Cell]]:
    """A plot with a y axis (max, middle, min labels) on the left and the x range along the bottom.

    The axis characters belong to no series (index None). With no data the plot says so.
    """
    plot_columns, plot_rows = columns - label_width - 1, rows - 1
    if plot_columns < 2 or plot_rows < 1:
        return [[(None, c) for c in "(too small)"[:columns].ljust(columns)] for _ in range(max(rows, 0))]
    bounds = data_range(series_list)
    if bounds is None:
        message = "(no data yet)".center(columns)[:columns]
        blank = [(None, " ")] * columns
        return [[(None, c) for c in message] if row == rows // 2 else list(blank) for row in range(rows)]
    x_min, x_max, y_min, y_max = bounds
    grid = rasterise(series_list, plot_columns, plot_rows, glyphs, bounds)
    vertical = "|" if glyphs == "ascii" else "\u2502"
    label_rows = {0, plot_rows - 1} | ({(plot_rows - 1) // 2} if plot_rows >= 5 else set())
    labels = {row: y_max - (y_max - y_min) * row / max(plot_rows - 1, 1) for row in label_rows}
    lines = []
    for row, cells in enumerate(grid):
        label = format_number(labels[row], label_width).rjust(label_width) if row in labels else " " * label_width
        lines.append([(None, c) for c in label + vertical] + cells)
    left, right = format_number(x_min, label_width), format_number(x_max, label_width)
    corner = "+" if glyphs == "ascii" else "\u2514"
    axis = " " * label_width + corner + left + " " * max(1, plot_columns - len(left) - len(right)) + right
    lines.append([(None, c) for c in axis[:columns].ljust(columns)])
    return lines


def progress_bar(fraction: float, width: int, glyphs: str = "braille") -> str:
    """A bar of `width` characters filled to `fraction` (clamped to 0..1)."""
    fraction = min(1.0, max(0.0, fraction if math.isfinite(fraction) else 0.0))
    filled = round(fraction * width)
    full, empty = ("#", "-") if glyphs == "ascii" else ("\u2588", "\u2591")
    return full * filled + empty * (width - filled)


def to_markup(cells: Sequence[Cell], attributes: Sequence[str], plain: str | None = None) -> list:
    """One row of cells as urwid text markup: runs of one series share that series' attribute."""
    markup, run_owner, run = [], object(), []
    for index, char in cells:
        if index != run_owner and run:
            markup.append(_attribute(run_owner, attributes, plain, "".join(run)))
            run = []
        run_owner = index
        run.append(char)
    if run:
        markup.append(_attribute(run_owner, attributes, plain, "".join(run)))
    return markup or [""]


def _attribute(index, attributes, plain, text):
    if index is None:
        return (plain, text) if plain else text
    return (attributes[index % len(attributes)], text)
