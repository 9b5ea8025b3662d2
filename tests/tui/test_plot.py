import math
import random
import time

import pytest

from axonml.tui import plot
from axonml.tui.plot import data_range, format_number, plot_lines, progress_bar, rasterise, to_markup


def _text(grid):
    return ["".join(char for _, char in row) for row in grid]


def test_braille_diagonal_sets_one_dot_column_per_step():
    # a rising line across 2x1 cells = 4x4 dots: bottom-left dot to top-right dot
    grid = rasterise([[(0, 0), (3, 3)]], columns=2, rows=1, glyphs="braille")
    # dots (x, y from the top): (0,3) (1,2) in cell 0 = bits 0x40|0x20; (2,1) (3,0) in cell 1 = 0x02|0x08
    assert _text(grid) == [chr(0x2800 + 0x40 + 0x20) + chr(0x2800 + 0x02 + 0x08)]
    assert [index for index, _ in grid[0]] == [0, 0]


def test_ascii_marks_each_series_with_its_own_character_and_owner():
    grid = rasterise([[(0, 0), (4, 0)], [(0, 1), (4, 1)]], columns=5, rows=2, glyphs="ascii")
    assert _text(grid) == ["+++++", "*****"]
    assert {index for index, _ in grid[0]} == {1} and {index for index, _ in grid[1]} == {0}


def test_block_glyphs_use_half_blocks():
    grid = rasterise([[(0, 1), (1, 0)]], columns=2, rows=1, glyphs="block")
    assert _text(grid) == ["\u2580\u2584"]


def test_non_finite_and_none_values_are_skipped():
    grid = rasterise([[(0, 0), (1, math.nan), (2, None), (3, 1)]], columns=4, rows=1, glyphs="ascii")
    assert _text(grid) == ["****"]  # the segment joins the two finite points


def test_constant_series_is_drawn_mid_plot_and_empty_plot_says_so():
    assert data_range([[(0, 2.0), (5, 2.0)]]) == (0, 5, 1.8, 2.2)
    lines = [("".join(c for _, c in line)) for line in plot_lines([[]], 40, 6)]
    assert any("no data yet" in line for line in lines) and all(len(line) == 40 for line in lines)


def test_plot_lines_has_axis_labels_and_exact_size():
    lines = plot_lines([[(1, 0.5), (60, 2.5)]], columns=50, rows=8, glyphs="ascii")
    text = ["".join(c for _, c in line) for line in lines]
    assert len(text) == 8 and all(len(line) == 50 for line in text)
    assert text[0].startswith("    2.5|") and text[6].startswith("    0.5|")
    assert text[-1].split() == ["+1", "60"]


def test_rasterise_rejects_unknown_glyphs():
    with pytest.raises(ValueError, match="glyphs"):
        rasterise([], 4, 4, glyphs="emoji")


def test_helpers():
    assert format_number(0.00123) == "0.00123" and format_number(0.000123) == "0.00012"
    assert format_number(1234.6) == "1235"
    assert len(format_number(1.23456e-12)) <= 7
    assert progress_bar(0.5, 8, "ascii") == "####----" and progress_bar(2, 4, "ascii") == "####"
    assert to_markup([(None, " "), (0, "a"), (0, "b"), (1, "c")], ["s0", "s1"], "dim") == \
        [("dim", " "), ("s0", "ab"), ("s1", "c")]


def test_long_series_draw_exactly_as_without_compression(monkeypatch):
    rng = random.Random(0)
    series = [(step, math.exp(-step / 3000) + rng.gauss(0, 0.05)) for step in range(20000)]
    started = time.perf_counter()
    compressed = rasterise([series], 70, 12)
    seconds = time.perf_counter() - started
    monkeypatch.setattr(plot, "_compress", lambda columns, rows: list(zip(columns.tolist(), rows.tolist())))
    assert rasterise([series], 70, 12) == compressed
    assert seconds < 1.0  # a few steps per column, not one per record
