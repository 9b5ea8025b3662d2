"""Normalizers: the first stage of a tokenizer, rewriting the text before it is split.

Each one is built from, and written back to, its entry in a Hugging Face ``tokenizer.json``
(``{"type": "BertNormalizer", ...}``), so that files interoperate with the ``tokenizers`` library.
"""
from __future__ import annotations

import unicodedata
from typing import Any, Callable

import regex

__all__ = ["Normalizer", "BertNormalizer", "Lowercase", "StripAccents", "UnicodeNormalizer", "Prepend", "Replace",
           "Sequence", "normalizer_from_json"]


class Normalizer:
    """Maps a string to its normalized form; ``to_json()`` gives its ``tokenizer.json`` entry."""

    def __call__(self, text: str) -> str:
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError


def strip_accents(text: str) -> str:
    """Decompose (NFD) and drop the combining marks (category Mn)."""
    return _MARKS.sub("", unicodedata.normalize("NFD", text))


# BERT's classes: control characters (not \t \n \r; unassigned code points too) are dropped, whitespace
# (Unicode White_Space) becomes a space, and CJK ideographs (the CJK Unified Ideographs blocks, not Hangul
# or Kana) become words.
_CONTROL = regex.compile(r"[[\x00\ufffd\p{Cc}\p{Cf}\p{Cn}\p{Co}\p{Cs}]--[\t\n\r]]", regex.V1)
_WHITESPACE = regex.compile(r"\p{White_Space}")
_CJK = regex.compile("[\u4e00-\u9fff\u3400-\u4dbf\U00020000-\U0002a6df\U0002a700-\U0002b73f"
                     "\U0002b740-\U0002b81f\U0002b820-\U0002ceaf\uf900-\ufaff\U0002f800-\U0002fa1f]")
_MARKS = regex.compile(r"\p{Mn}")
_ASCII_CLEAN = {c: None for c in range(32) if chr(c) not in "\t\n\r"}
_ASCII_CLEAN.update({ord("\t"): " ", ord("\n"): " ", ord("\r"): " ", 0x7F: None})


class BertNormalizer(Normalizer):
    """BERT's text cleaning: drop control characters, map whitespace to spaces, pad CJK characters with
    spaces, strip accents and lower-case.

    Args:
        clean_text: remove control characters and turn every whitespace character into a space.
        handle_chinese_chars: put spaces around each CJK ideograph, so each becomes a word.
        strip_accents: remove accents; ``None`` follows ``lowercase`` (BERT's rule).
        lowercase: lower-case the text.
    """

    def __init__(self, clean_text: bool = True, handle_chinese_chars: bool = True,
                 strip_accents: bool | None = None, lowercase: bool = True) -> None:
        self.clean_text = clean_text
        self.handle_chinese_chars = handle_chinese_chars
        self.strip_accents = strip_accents
        self.lowercase = lowercase

    def __call__(self, text: str) -> str:
        ascii_only = text.isascii()
        if self.clean_text:
            if ascii_only:
                text = text.translate(_ASCII_CLEAN)
            else:
                text = _WHITESPACE.sub(" ", _CONTROL.sub("", text))
        if self.handle_chinese_chars and not ascii_only:
            text = _CJK.sub(r" \g<0> ", text)
        if (self.strip_accents or (self.strip_accents is None and self.lowercase)) and not ascii_only:
            text = strip_accents(text)
        if self.lowercase:
            text = text.lower()
        return text

    def to_json(self) -> dict[str, Any]:
        return {"type": "BertNormalizer", "clean_text": self.clean_text,
                "handle_chinese_chars": self.handle_chinese_chars, "strip_accents": self.strip_accents,
                "lowercase": self.lowercase}


class Lowercase(Normalizer):
    def __call__(self, text: str) -> str:
        return text.lower()

    def to_json(self) -> dict[str, Any]:
        return {"type": "Lowercase"}


class StripAccents(Normalizer):
    """Remove combining marks (apply after an NFD or NFKD normalizer, as in ``tokenizers``)."""

    def __call__(self, text: str) -> str:
        return "".join(c for c in text if unicodedata.category(c) != "Mn")

    def to_json(self) -> dict[str, Any]:
        return {"type": "StripAccents"}


class UnicodeNormalizer(Normalizer):
    """One of the Unicode normal forms: ``"NFC"``, ``"NFD"``, ``"NFKC"`` or ``"NFKD"``."""

    def __init__(self, form: str) -> None:
        if form not in ("NFC", "NFD", "NFKC", "NFKD"):
            raise ValueError(f"unknown Unicode normal form {form!r}")
        self.form = form

    def __call__(self, text: str) -> str:
        return unicodedata.normalize(self.form, text)

    def to_json(self) -> dict[str, Any]:
        return {"type": self.form}


class Prepend(Normalizer):
    """Put ``prepend`` before any non-empty text (SentencePiece-style files prepend ``"▁"``)."""

    def __init__(self, prepend: str) -> None:
        self.prepend = prepend

    def __call__(self, text: str) -> str:
        return self.prepend + text if text else text

    def to_json(self) -> dict[str, Any]:
        return {"type": "Prepend", "prepend": self.prepend}


class Replace(Normalizer):
    """Replace every match of a literal ``pattern`` (or of ``regex_pattern``) with ``content``."""

    def __init__(self, pattern: str | None, content: str, *, regex_pattern: str | None = None) -> None:
        if (pattern is None) == (regex_pattern is None):
            raise ValueError("Replace takes exactly one of a literal pattern and regex_pattern")
        self.literal, self.regex_pattern, self.content = pattern, regex_pattern, content
        self._pattern = regex.compile(regex_pattern) if regex_pattern is not None else None

    def __call__(self, text: str) -> str:
        if self._pattern is None:
            return text.replace(self.literal, self.content)
        return self._pattern.sub(lambda match: self.content, text)

    def to_json(self) -> dict[str, Any]:
        pattern = {"String": self.literal} if self.literal is not None else {"Regex": self.regex_pattern}
        return {"type": "Replace", "pattern": pattern, "content": self.content}


def replace_from_json(spec: dict, cls=None):
    """A Replace (normalizer or decoder) from its ``{"pattern": {"String"|"Regex": ...}, "content": ...}``."""
    pattern, content = spec.get("pattern"), spec.get("content")
    if not isinstance(pattern, dict) or not ({"String", "Regex"} & set(pattern)) or not isinstance(content, str):
        raise ValueError(f"Replace needs a pattern {{'String': ...}} or {{'Regex': ...}} and a content, got {spec!r}")
    cls = cls or Replace
    if "String" in pattern:
        return cls(pattern["String"], content)
    return cls(None, content, regex_pattern=pattern["Regex"])


class Sequence(Normalizer):
    """Several normalizers applied in order."""

    def __init__(self, normalizers: list[Normalizer]) -> None:
        self.normalizers = list(normalizers)

    def __call__(self, text: str) -> str:
        for normalizer in self.normalizers:
            text = normalizer(text)
        return text

    def to_json(self) -> dict[str, Any]:
        return {"type": "Sequence", "normalizers": [n.to_json() for n in self.normalizers]}


def _bert(spec: dict) -> BertNormalizer:
    return BertNormalizer(clean_text=spec.get("clean_text", True),
                          handle_chinese_chars=spec.get("handle_chinese_chars", True),
                          strip_accents=spec.get("strip_accents"), lowercase=spec.get("lowercase", True))


_BUILDERS: dict[str, Callable[[dict], Normalizer]] = {
    "BertNormalizer": _bert,
    "Lowercase": lambda spec: Lowercase(),
    "StripAccents": lambda spec: StripAccents(),
    "NFC": lambda spec: UnicodeNormalizer("NFC"),
    "NFD": lambda spec: UnicodeNormalizer("NFD"),
    "NFKC": lambda spec: UnicodeNormalizer("NFKC"),
    "NFKD": lambda spec: UnicodeNormalizer("NFKD"),
    "Prepend": lambda spec: Prepend(spec["prepend"]),
    "Replace": replace_from_json,
    "Sequence": lambda spec: Sequence([normalizer_from_json(s) for s in spec.get("normalizers") or []]),
}


def normalizer_from_json(spec: dict | None) -> Normalizer | None:
    """Build the normalizer a ``tokenizer.json`` describes; an unsupported type raises ``ValueError``."""
    if spec is None:
        return None
    if not isinstance(spec, dict) or spec.get("type") not in _BUILDERS:
        kind = spec.get("type") if isinstance(spec, dict) else type(spec).__name__
        raise ValueError(f"unsupported normalizer {kind!r}; supported: {sorted(_BUILDERS)}")
    return _BUILDERS[spec["type"]](spec)
