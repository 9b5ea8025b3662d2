"""Pre-tokenizers: split normalized text into the pieces a subword model encodes one at a time.

Each is built from, and written back to, its entry in a Hugging Face ``tokenizer.json``.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

import regex


__all__ = ["PreTokenizer", "ByteLevel", "BertPreTokenizer", "Whitespace", "WhitespaceSplit", "Digits",
           "Punctuation", "Split", "Metaspace", "Sequence", "bytes_to_unicode", "pre_tokenizer_from_json"]

# GPT-2's pre-tokenizer: contractions, letter runs, number runs, other runs, each with one leading
# space, and whitespace that is not followed by a non-space.
GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


@lru_cache(maxsize=1)
def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible map from the 256 byte values to printable characters.

    Printable Latin-1 bytes map to themselves; the others (controls, space, ...) to U+0100 onwards,
    so that every byte string becomes a string of visible characters (a space becomes ``"Ġ"``).
    """
    printable = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
                 + list(range(ord("®"), ord("ÿ") + 1)))
    mapping = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in mapping:
            mapping[b] = chr(256 + extra)
            extra += 1
    return mapping


class PreTokenizer:
    """Splits a string into pieces; ``to_json()`` gives its ``tokenizer.json`` entry."""

    def __call__(self, text: str) -> list[str]:
        return self.split(text)

    def split(self, text: str) -> list[str]:
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError


class ByteLevel(PreTokenizer):
    """GPT-2's byte-level pre-tokenizer: split with GPT-2's pattern, then spell each piece's UTF-8 bytes
    with the characters of :func:`bytes_to_unicode`.

    Args:
        add_prefix_space: put a space before the text if it does not start with one, so that the
            first word is encoded as the others are.
        use_regex: split with GPT-2's pattern (False: the whole text is one piece).
        trim_offsets: kept for the file format (offsets are not computed here).
    """

    def __init__(self, add_prefix_space: bool = False, use_regex: bool = True, trim_offsets: bool = True) -> None:
        self.add_prefix_space = add_prefix_space
        self.use_regex = use_regex
        self.trim_offsets = trim_offsets
        self._pattern = regex.compile(GPT2_PATTERN)
        # bytes -> characters with str.translate: decode as Latin-1 (byte b becomes chr(b)), then map chr(b)
        self._byte_table = str.maketrans({chr(b): char for b, char in bytes_to_unicode().items()})
        self._spelled: dict[str, str] = {}

    @staticmethod
    def alphabet() -> list[str]:
        """The 256 characters a byte-level model starts from."""
        return list(bytes_to_unicode().values())

    def split(self, text: str) -> list[str]:
        if self.add_prefix_space and text and not text.startswith(" "):
            text = " " + text
        pieces = self._pattern.findall(text) if self.use_regex else [text]
        spelled, cache, table = [], self._spelled, self._byte_table
        for piece in pieces:  # words repeat (Zipf), so most pieces are spelled once and then looked up
            byte_piece = cache.get(piece)
            if byte_piece is None:
                byte_piece = piece.encode("utf-8").decode("latin-1").translate(table)
                if len(cache) < 100_000:
                    cache[piece] = byte_piece
            if byte_piece:
                spelled.append(byte_piece)
        return spelled

    def to_json(self) -> dict[str, Any]:
        return {"type": "ByteLevel", "add_prefix_space": self.add_prefix_space, "trim_offsets": self.trim_offsets,
                "use_regex": self.use_regex}


# BERT's punctuation: every Unicode punctuation character and all ASCII symbols
_PUNCTUATION = r"\p{P}!-/:-@\[-`{-~"


class BertPreTokenizer(PreTokenizer):
    """Split on whitespace (dropped) and around every punctuation character (each kept as a piece)."""

    _pattern = regex.compile(rf"[^\p{{White_Space}}{_PUNCTUATION}]+|[{_PUNCTUATION}]")

    def split(self, text: str) -> list[str]:
        return self._pattern.findall(text)

    def to_json(self) -> dict[str, Any]:
        return {"type": "BertPreTokenizer"}


class Whitespace(PreTokenizer):
    r"""Runs of word characters and runs of other non-space characters (``\w+|[^\w\s]+``)."""

    _pattern = regex.compile(r"\w+|[^\w\s]+")

    def split(self, text: str) -> list[str]:
        return self._pattern.findall(text)

    def to_json(self) -> dict[str, Any]:
        return {"type": "Whitespace"}


class WhitespaceSplit(PreTokenizer):
    """Split on whitespace (Unicode White_Space) only."""

    _pattern = regex.compile(r"\P{White_Space}+")

    def split(self, text: str) -> list[str]:
        return self._pattern.findall(text)

    def to_json(self) -> dict[str, Any]:
        return {"type": "WhitespaceSplit"}


_BEHAVIORS = ("Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous")


def _split_on(text: str, pattern: "regex.Pattern", behavior: str, invert: bool = False) -> list[str]:
    """Split ``text`` around the matches of ``pattern``, treating each match as ``behavior`` says."""
    spans: list[tuple[str, bool]] = []  # (text, is_match)
    start = 0
    for match in pattern.finditer(text):
        if match.start() == match.end():
            continue
        if match.start() > start:
            spans.append((text[start:match.start()], False))
        spans.append((match.group(), True))
        start = match.end()
    if start < len(text):
        spans.append((text[start:], False))
    if invert:
        spans = [(piece, not is_match) for piece, is_match in spans]
    pieces: list[str] = []
    if behavior == "Removed":
        return [piece for piece, is_match in spans if not is_match]
    if behavior == "Isolated":
        return [piece for piece, _ in spans]
    if behavior == "Contiguous":  # neighbours of the same kind merge (after invert, non-matches can be neighbours)
        previous_match = False
        for piece, is_match in spans:
            if is_match == previous_match and pieces:
                pieces[-1] += piece
            else:
                pieces.append(piece)
            previous_match = is_match
        return pieces
    if behavior == "MergedWithPrevious":
        previous_match = True
        for piece, is_match in spans:
            if is_match and pieces and not previous_match:
                pieces[-1] += piece
            else:
                pieces.append(piece)
            previous_match = is_match
        return pieces
    if behavior == "MergedWithNext":
        pending = ""
        for piece, is_match in spans:
            if is_match:
                if pending:
                    pieces.append(pending)
                pending = piece
            else:
                pieces.append(pending + piece)
                pending = ""
        if pending:
            pieces.append(pending)
        return pieces
    raise ValueError(f"unknown split behavior {behavior!r}; expected one of {_BEHAVIORS}")


class Digits(PreTokenizer):
    """Isolate numeric characters (``\\p{N}``, Rust's ``char::is_numeric``): each one alone
    (``individual_digits=True``, llama.cpp's split) or runs of them."""

    def __init__(self, individual_digits: bool = False) -> None:
        self.individual_digits = individual_digits
        self._pattern = regex.compile(r"\p{N}" if individual_digits else r"\p{N}+")

    def split(self, text: str) -> list[str]:
        return _split_on(text, self._pattern, "Isolated")

    def to_json(self) -> dict[str, Any]:
        return {"type": "Digits", "individual_digits": self.individual_digits}


class Punctuation(PreTokenizer):
    """Split around punctuation characters, treating each as ``behavior`` says (default: isolated)."""

    _pattern = regex.compile(f"[{_PUNCTUATION}]")

    def __init__(self, behavior: str = "Isolated") -> None:
        self.behavior = behavior

    def split(self, text: str) -> list[str]:
        return _split_on(text, self._pattern, self.behavior)

    def to_json(self) -> dict[str, Any]:
        return {"type": "Punctuation", "behavior": self.behavior}


class Split(PreTokenizer):
    """Split on a literal string or a regular expression.

    Args:
        pattern: the separator; a ``str`` is literal, or pass ``regex=...`` for a regular expression.
        behavior: what becomes of each match: ``"Removed"``, ``"Isolated"``, ``"MergedWithPrevious"``,
            ``"MergedWithNext"`` or ``"Contiguous"``.
        invert: split on what does not match instead.
    """

    def __init__(self, pattern: str | None = None, behavior: str = "Isolated", invert: bool = False, *,
                 regex_pattern: str | None = None) -> None:
        if (pattern is None) == (regex_pattern is None):
            raise ValueError("Split takes exactly one of a literal pattern and regex_pattern")
        if behavior not in _BEHAVIORS:
            raise ValueError(f"unknown split behavior {behavior!r}; expected one of {_BEHAVIORS}")
        self.literal = pattern
        self.regex_pattern = regex_pattern
        self.behavior = behavior
        self.invert = invert
        self._pattern = regex.compile(regex.escape(pattern) if pattern is not None else regex_pattern)

    def split(self, text: str) -> list[str]:
        return _split_on(text, self._pattern, self.behavior, self.invert)

    def to_json(self) -> dict[str, Any]:
        pattern = {"String": self.literal} if self.literal is not None else {"Regex": self.regex_pattern}
        return {"type": "Split", "pattern": pattern, "behavior": self.behavior, "invert": self.invert}


class Metaspace(PreTokenizer):
    """SentencePiece's whitespace handling: spaces become ``"▁"`` and each piece starts at one.

    Args:
        replacement: the character that stands for a space.
        prepend_scheme: ``"always"`` put a ``"▁"`` before the text, ``"first"`` only before the
            first piece of the input, ``"never"`` not at all.
        split: split into words at each replacement character.
    """

    def __init__(self, replacement: str = "▁", prepend_scheme: str = "always", split: bool = True) -> None:
        if prepend_scheme not in ("always", "first", "never"):
            raise ValueError(f"prepend_scheme must be 'always', 'first' or 'never', got {prepend_scheme!r}")
        self.replacement = replacement
        self.prepend_scheme = prepend_scheme
        self.split_words = split
        self._pattern = regex.compile(regex.escape(replacement))

    def split(self, text: str, first: bool = True) -> list[str]:
        if not text:
            return []
        text = text.replace(" ", self.replacement)
        if self.prepend_scheme == "always" or (self.prepend_scheme == "first" and first):
            if not text.startswith(self.replacement):
                text = self.replacement + text
        if not self.split_words:
            return [text] if text else []
        return _split_on(text, self._pattern, "MergedWithNext")

    def to_json(self) -> dict[str, Any]:
        return {"type": "Metaspace", "replacement": self.replacement, "prepend_scheme": self.prepend_scheme,
                "split": self.split_words}


class Sequence(PreTokenizer):
    """Several pre-tokenizers, each splitting the pieces of the one before."""

    def __init__(self, pre_tokenizers: list[PreTokenizer]) -> None:
        self.pre_tokenizers = list(pre_tokenizers)

    def split(self, text: str) -> list[str]:
        pieces = [text]
        for pre_tokenizer in self.pre_tokenizers:
            pieces = [part for piece in pieces for part in pre_tokenizer.split(piece)]
        return pieces

    def to_json(self) -> dict[str, Any]:
        return {"type": "Sequence", "pretokenizers": [p.to_json() for p in self.pre_tokenizers]}


def _split_from_json(spec: dict) -> Split:
    pattern = spec.get("pattern")
    if not isinstance(pattern, dict) or not ({"String", "Regex"} & set(pattern)):
        raise ValueError(f"Split pre-tokenizer needs a pattern {{'String': ...}} or {{'Regex': ...}}, got {pattern!r}")
    behavior, invert = spec.get("behavior", "Isolated"), spec.get("invert", False)
    if "String" in pattern:
        return Split(pattern["String"], behavior, invert)
    return Split(behavior=behavior, invert=invert, regex_pattern=pattern["Regex"])


def _metaspace_from_json(spec: dict) -> Metaspace:
    scheme = spec.get("prepend_scheme")
    if scheme is None:  # files written before prepend_scheme existed
        scheme = "always" if spec.get("add_prefix_space", True) else "never"
    return Metaspace(spec.get("replacement", "▁"), scheme, spec.get("split", True))


_BUILDERS: dict[str, Callable[[dict], PreTokenizer]] = {
    "ByteLevel": lambda spec: ByteLevel(spec.get("add_prefix_space", True), spec.get("use_regex", True),
                                        spec.get("trim_offsets", True)),
    "BertPreTokenizer": lambda spec: BertPreTokenizer(),
    "Whitespace": lambda spec: Whitespace(),
    "WhitespaceSplit": lambda spec: WhitespaceSplit(),
    "Digits": lambda spec: Digits(spec.get("individual_digits", False)),
    "Punctuation": lambda spec: Punctuation(spec.get("behavior", "Isolated")),
    "Split": _split_from_json,
    "Metaspace": _metaspace_from_json,
    "Sequence": lambda spec: Sequence([pre_tokenizer_from_json(s) for s in spec.get("pretokenizers") or []]),
}


def pre_tokenizer_from_json(spec: dict | None) -> PreTokenizer | None:
    """Build the pre-tokenizer a ``tokenizer.json`` describes; an unsupported type raises ``ValueError``."""
    if spec is None:
        return None
    if not isinstance(spec, dict) or spec.get("type") not in _BUILDERS:
        kind = spec.get("type") if isinstance(spec, dict) else type(spec).__name__
        raise ValueError(f"unsupported pre-tokenizer {kind!r}; supported: {sorted(_BUILDERS)}")
    return _BUILDERS[spec["type"]](spec)
