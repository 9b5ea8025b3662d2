"""The dashboard's own urwid widgets: a curve plot that redraws at any size, and list rows."""
from __future__ import annotations

from typing import Callable, Sequence

import urwid

from .plot import plot_lines, to_markup
from .theme import SERIES_ATTRIBUTES

__all__ = ["PlotWidget", "Row", "row", "VIM_KEYS", "list_box", "legend"]

# vim movement keys, as the cursor keys urwid's lists understand
VIM_KEYS = {"j": "down", "k": "up", "g": "home", "G": "end", "ctrl d": "page down", "ctrl u": "page up",
            "ctrl f": "page down", "ctrl b": "page up"}


class PlotWidget(urwid.Widget):
    """Curves drawn in the cells the widget is given, redrawn (not stretched) when the terminal resizes.

    Args:
        source: called at each render; returns the curves, a list of sequences of (x, y).
        glyphs: "braille", "block" or "ascii".
        title: a line above the plot.
    """
    _sizing = frozenset([urwid.BOX])
    _selectable = False

    def __init__(self, source: Callable[[], Sequence[Sequence[tuple[float, float]]]], glyphs: str,
                 title: Callable[[], list | str] | str = ""):
        super().__init__()
        self.source = source
        self.glyphs = glyphs
        self.title = title

    def changed(self) -> None:
        """Redraw on the next screen update (the data changed)."""
        self._invalidate()

    def render(self, size, focus: bool = False):
        columns, rows = size
        title = self.title() if callable(self.title) else self.title
        markup: list = []
        plot_rows = rows
        if title and rows > 2:
            markup += (title if isinstance(title, list) else [("heading", title)]) + ["\n"]
            plot_rows -= 1
        lines = plot_lines(self.source(), columns, plot_rows, self.glyphs)
        for index, line in enumerate(lines):
            markup += to_markup(line, SERIES_ATTRIBUTES, "dim")
            if index < len(lines) - 1:
                markup.append("\n")
        text = urwid.Text(markup or "", wrap="clip")
        return urwid.Filler(text, "top").render(size, focus)


class Row(urwid.Text):
    """A selectable line of a list (the cursor can rest on it)."""
    _selectable = True

    def __init__(self, markup, value=None):
        super().__init__(markup, wrap="clip")
        self.value = value

    def keypress(self, size, key):
        return key


def row(markup, value=None) -> urwid.AttrMap:
    """A list row, highlighted while it has the focus."""
    return urwid.AttrMap(Row(markup, value), None, focus_map="focus")


def list_box(rows: list) -> urwid.ListBox:
    return urwid.ListBox(urwid.SimpleFocusListWalker(rows))


def legend(names: Sequence[str], glyphs: str) -> list:
    """Markup naming each curve in its own colour (or monochrome attribute)."""
    mark = "--" if glyphs == "ascii" else "\u2501\u2501"
    markup = []
    for index, name in enumerate(names):
        if glyphs == "ascii":
            from .plot import ASCII_MARKERS
            mark = ASCII_MARKERS[index % len(ASCII_MARKERS)] * 2
        markup += [(SERIES_ATTRIBUTES[index % len(SERIES_ATTRIBUTES)], mark), f" {name}  "]
    return markup or [""]
