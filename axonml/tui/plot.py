"""Curves rasterised into terminal cells: braille dots (2x4 per cell), half blocks (1x2) or ASCII (1x1).

The rasteriser knows nothing about urwid: it returns rows of ``(series, character)`` cells, where
``series`` is the index of the curve that last drew in the cell (None for an empty cell), so the
widget can colour each curve, and a monochrome terminal can still tell them apart by attribute.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

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


def _points(series: Sequence[Point]) -> np.ndarray:
    """The finite (x, y) points of a series as an (n, 2) float64 array; None and NaN/inf are left out."""
    if isinstance(series, np.ndarray):
        return series
    pairs = [point for point in series if point[0] is not None and point[1] is not None]
    if not pairs:
        return np.empty((0, 2))
    points = np.asarray(pairs, dtype=np.float64)
    return points[np.isfinite(points).all(axis=1)]


def data_range(series_list: Sequence[Sequence[Point]]) -> tuple[float, float, float, float] | None:
    """(x_min, x_max, y_min, y_max) over every finite point; None if there is none. A flat y range is
    widened so that a constant curve sits in the middle of the plot."""
    arrays = [points for points in map(_points, series_list) if len(points)]
    if not arrays:
        return None
    points = np.concatenate(arrays)
    (x_min, y_min), (x_max, y_max) = points.min(axis=0).tolist(), points.max(axis=0).tolist()
    if y_min == y_max:
        pad = abs(y_min) * 0.1 or 1.0
        y_min, y_max = y_min - pad, y_max + pad
    return x_min, x_max, y_min, y_max


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


def _compress(columns: np.ndarray, rows: np.ndarray) -> list[tuple[int, int]]:
    """The polyline through (columns, rows) with fewer vertices: a run of consecutive dots in one column keeps
    only its first, lowest, highest and last dot. The segments between them cover the same column range, so
    the drawing is unchanged, and a long log costs a few steps per column instead of one per record."""
    if len(columns) == 0:
        return []
    starts = np.concatenate(([0], np.flatnonzero(np.diff(columns)) + 1))
    ends = np.concatenate((starts[1:], [len(columns)])) - 1
    lowest, highest = np.minimum.reduceat(rows, starts), np.maximum.reduceat(rows, starts)
    dots = []
    for start, end, low, high in zip(starts.tolist(), ends.tolist(), lowest.tolist(), highest.tolist()):
        column = int(columns[start])
        dots += [(column, int(rows[start])), (column, low), (column, high), (column, int(rows[end]))]
    return dots


def _dot_path(series: Sequence[Point], frame: "_Frame") -> list[tuple[int, int]]:
    """The series' finite points as dots of the frame's grid, in order."""
    points = _points(series)
    columns = np.zeros(len(points), dtype=np.int64) if frame.x_max == frame.x_min else \
        np.rint((points[:, 0] - frame.x_min) / (frame.x_max - frame.x_min) * (frame.width - 1)).astype(np.int64)
    rows = np.zeros(len(points), dtype=np.int64) if frame.y_max == frame.y_min else \
        np.rint((frame.y_max - points[:, 1]) / (frame.y_max - frame.y_min) * (frame.height - 1)).astype(np.int64)
    return _compress(columns, rows)


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
    series_list = [_points(series) for series in series_list]  # converted once
    bounds = bounds or data_range(series_list)
    if bounds is not None:
        frame = _Frame(*bounds, width=columns * per_column, height=rows * per_row)
        for index, series in enumerate(series_list):
            dots = _dot_path(series, frame)
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
    series_list = [_points(series) for series in series_list]
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
