"""Colours and characters: what the terminal can show, decided once from the environment.

16 colours by default (every terminal since the VT220 clones has them, and SSH passes them through);
monochrome when ``NO_COLOR`` is set (https://no-color.org) or the terminal is a plain VT100 or
``dumb``; ASCII characters where the terminal or the locale cannot show Unicode, half blocks on
the Linux console (its font has no braille), braille dots elsewhere.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["Display", "detect_display", "palette", "SERIES_ATTRIBUTES"]

_MONOCHROME_TERMS = ("vt100", "vt102", "vt52", "dumb")
_ASCII_TERMS = ("vt100", "vt102", "vt52", "vt220", "dumb")

SERIES_ATTRIBUTES = ("series0", "series1", "series2", "series3", "series4", "series5")
_SERIES_COLOURS = ("light green", "light magenta", "yellow", "light cyan", "light red", "light blue")
# in monochrome the curves differ by attribute; the legend shows the same attributes
_SERIES_MONO = ("", "bold", "underline", "standout", "bold,underline", "bold,standout")


@dataclass(frozen=True)
class Display:
    """colors: 16 or 1 (monochrome); glyphs: "braille", "block" or "ascii"."""
    colors: int
    glyphs: str

    @property
    def unicode(self) -> bool:
        return self.glyphs != "ascii"

    def rule(self) -> str:
        """The character of a horizontal rule."""
        return "\u2500" if self.unicode else "-"


def detect_display(environ: dict | None = None, encoding: str | None = None, color: str = "auto",
                   glyphs: str = "auto") -> Display:
    """The display settings for this terminal; `color` ("auto", "16", "mono") and `glyphs` ("auto",
    "braille", "block", "ascii") override what the environment says."""
    environ = os.environ if environ is None else environ
    term = environ.get("TERM", "").lower()
    if color == "auto":
        monochrome = bool(environ.get("NO_COLOR")) or term in _MONOCHROME_TERMS or term.startswith("vt100-")
        colors = 1 if monochrome else 16
    elif color in ("16", "mono"):
        colors = 16 if color == "16" else 1
    else:
        raise ValueError(f"color must be auto, 16 or mono, got {color!r}")
    if glyphs == "auto":
        if encoding is None:
            import locale
            encoding = locale.getpreferredencoding(False)
        if "utf" not in encoding.lower().replace("-", "") or term in _ASCII_TERMS or term.startswith("vt100-"):
            glyphs = "ascii"
        else:
            glyphs = "block" if term == "linux" else "braille"
    elif glyphs not in ("braille", "block", "ascii"):
        raise ValueError(f"glyphs must be auto, braille, block or ascii, got {glyphs!r}")
    return Display(colors=colors, glyphs=glyphs)


def palette() -> list[tuple]:
    """urwid palette entries: (name, 16-colour foreground, background, monochrome attributes)."""
    entries = [
        ("tab", "light gray", "default", ""),
        ("tab active", "black", "light cyan", "standout"),
        ("footer", "black", "light gray", "standout"),
        ("title", "yellow", "default", "bold"),
        ("heading", "light cyan", "default", "bold"),
        ("focus", "black", "light cyan", "standout"),
        ("dim", "dark gray", "default", ""),
        ("error", "light red", "default", "bold"),
        ("good", "light green", "default", "bold"),
        ("bar", "light green", "default", "bold"),
        ("key", "yellow", "default", "bold"),
    ]
    entries += [(name, colour, "default", mono)
                for name, colour, mono in zip(SERIES_ATTRIBUTES, _SERIES_COLOURS, _SERIES_MONO)]
    return entries
