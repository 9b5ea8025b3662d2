"""Decoders: turn a model's token strings back into text (the last stage of a tokenizer).

Each is built from, and written back to, its entry in a Hugging Face ``tokenizer.json``.
"""
from __future__ import annotations

from typing import Any, Callable

from . import normalizers
from .pre_tokenizers import bytes_to_unicode

__all__ = ["Decoder", "ByteLevel", "WordPiece", "Metaspace", "Replace", "Fuse", "Strip", "ByteFallback", "Sequence",
           "decoder_from_json"]


class Decoder:
    """Joins token strings into text; ``to_json()`` gives its ``tokenizer.json`` entry."""

    def __call__(self, tokens: list[str]) -> str:
        return "".join(self.decode_chain(tokens))

    def decode_chain(self, tokens: list[str]) -> list[str]:
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError


class ByteLevel(Decoder):
    """Map byte-level characters back to bytes and decode them as UTF-8 (invalid sequences become U+FFFD).

    A token holding a character outside the byte alphabet (an added token spelled in plain text)
    contributes its own UTF-8 bytes, as in ``tokenizers``.
    """

    def __init__(self) -> None:
        byte_chars = bytes_to_unicode()
        table = {char: chr(byte) for byte, char in byte_chars.items()}
        outside = set(chr(c) for c in range(256)) - set(byte_chars.values())
        # characters below 256 that are not byte characters must not pass as Latin-1 bytes
        table.update({char: "\U0010ffff" for char in outside})
        self._table = str.maketrans(table)

    def decode_chain(self, tokens: list[str]) -> list[str]:
        table = self._table
        try:
            data = "".join(tokens).translate(table).encode("latin-1")
        except UnicodeEncodeError:
            parts = []
            for token in tokens:
                try:
                    parts.append(token.translate(table).encode("latin-1"))
                except UnicodeEncodeError:
                    parts.append(token.encode("utf-8"))
            data = b"".join(parts)
        return [data.decode("utf-8", errors="replace")]

    def to_json(self) -> dict[str, Any]:
        return {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}


def cleanup_tokenization(text: str) -> str:
    """Remove the spaces the tokenizer put before punctuation and contractions (BERT's clean-up)."""
    for before, after in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                          (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")):
        text = text.replace(before, after)
    return text


class WordPiece(Decoder):
    """Join WordPiece tokens: continuation pieces (``"##ing"``) attach to the previous token,
    the others are separated by spaces.

    Args:
        prefix: the continuation marker.
        cleanup: remove spaces before punctuation and contractions.
    """

    def __init__(self, prefix: str = "##", cleanup: bool = True) -> None:
        self.prefix = prefix
        self.cleanup = cleanup

    def decode_chain(self, tokens: list[str]) -> list[str]:
        out = []
        for i, token in enumerate(tokens):
            if i and token.startswith(self.prefix):
                token = token[len(self.prefix):]
            elif i:
                token = " " + token
            if self.cleanup:
                token = cleanup_tokenization(token)
            out.append(token)
        return out

    def to_json(self) -> dict[str, Any]:
        return {"type": "WordPiece", "prefix": self.prefix, "cleanup": self.cleanup}


class Metaspace(Decoder):
    """Turn ``"▁"`` back into spaces, dropping the one a prepend scheme added before the text."""

    def __init__(self, replacement: str = "▁", prepend_scheme: str = "always", split: bool = True) -> None:
        self.replacement = replacement
        self.prepend_scheme = prepend_scheme
        self.split = split

    def decode_chain(self, tokens: list[str]) -> list[str]:
        out = []
        for i, token in enumerate(tokens):
            token = token.replace(self.replacement, " ")
            if i == 0 and self.prepend_scheme != "never" and token.startswith(" "):
                token = token[1:]
            out.append(token)
        return out

    def to_json(self) -> dict[str, Any]:
        return {"type": "Metaspace", "replacement": self.replacement, "prepend_scheme": self.prepend_scheme,
                "split": self.split}


class Replace(Decoder):
    """Replace a pattern in every token (``"▁"`` -> ``" "`` in SentencePiece-style files)."""

    def __init__(self, pattern: str | None, content: str, *, regex_pattern: str | None = None) -> None:
        self._replace = normalizers.Replace(pattern, content, regex_pattern=regex_pattern)

    def decode_chain(self, tokens: list[str]) -> list[str]:
        return [self._replace(token) for token in tokens]

    def to_json(self) -> dict[str, Any]:
        return self._replace.to_json()


class Fuse(Decoder):
    """Join all tokens into one string (so that the decoders after it see the whole text)."""

    def decode_chain(self, tokens: list[str]) -> list[str]:
        return ["".join(tokens)]

    def to_json(self) -> dict[str, Any]:
        return {"type": "Fuse"}


class Strip(Decoder):
    """Remove up to ``start`` leading and ``stop`` trailing ``content`` characters from every token."""

    def __init__(self, content: str = " ", start: int = 0, stop: int = 0) -> None:
        self.content, self.start, self.stop = content, start, stop

    def decode_chain(self, tokens: list[str]) -> list[str]:
        out = []
        for token in tokens:
            begin, end = 0, len(token)
            while begin < min(self.start, end) and token[begin] == self.content:
                begin += 1
            for _ in range(self.stop):
                if end > begin and token[end - 1] == self.content:
                    end -= 1
                else:
                    break
            out.append(token[begin:end])
        return out

    def to_json(self) -> dict[str, Any]:
        return {"type": "Strip", "content": self.content, "start": self.start, "stop": self.stop}


class ByteFallback(Decoder):
    """Turn runs of byte tokens ``<0xAB>`` (a BPE model's ``byte_fallback``) back into text; a run that is
    not valid UTF-8 becomes one U+FFFD per byte, as in ``tokenizers``."""

    def decode_chain(self, tokens: list[str]) -> list[str]:
        out: list[str] = []
        pending = bytearray()

        def flush() -> None:
            if pending:
                try:
                    out.append(pending.decode("utf-8"))
                except UnicodeDecodeError:
                    out.extend("\ufffd" * len(pending))
                pending.clear()

        for token in tokens:
            if len(token) == 6 and token.startswith("<0x") and token.endswith(">"):
                try:
                    pending.append(int(token[3:5], 16))
                    continue
                except ValueError:
                    pass
            flush()
            out.append(token)
        flush()
        return out

    def to_json(self) -> dict[str, Any]:
        return {"type": "ByteFallback"}


class Sequence(Decoder):
    def __init__(self, decoders: list[Decoder]) -> None:
        self.decoders = list(decoders)

    def decode_chain(self, tokens: list[str]) -> list[str]:
        for decoder in self.decoders:
            tokens = decoder.decode_chain(tokens)
        return tokens

    def to_json(self) -> dict[str, Any]:
        return {"type": "Sequence", "decoders": [d.to_json() for d in self.decoders]}


def _metaspace_from_json(spec: dict) -> Metaspace:
    scheme = spec.get("prepend_scheme")
    if scheme is None:
        scheme = "always" if spec.get("add_prefix_space", True) else "never"
    return Metaspace(spec.get("replacement", "▁"), scheme, spec.get("split", True))


_BUILDERS: dict[str, Callable[[dict], Decoder]] = {
    "ByteLevel": lambda spec: ByteLevel(),
    "WordPiece": lambda spec: WordPiece(spec.get("prefix", "##"), spec.get("cleanup", True)),
    "Metaspace": _metaspace_from_json,
    "Replace": lambda spec: normalizers.replace_from_json(spec, Replace),
    "Fuse": lambda spec: Fuse(),
    "ByteFallback": lambda spec: ByteFallback(),
    "Strip": lambda spec: Strip(spec.get("content", " "), int(spec.get("start", 0)), int(spec.get("stop", 0))),
    "Sequence": lambda spec: Sequence([decoder_from_json(s) for s in spec.get("decoders") or []]),
}


def decoder_from_json(spec: dict | None) -> Decoder | None:
    """Build the decoder a ``tokenizer.json`` describes; an unsupported type raises ``ValueError``."""
    if spec is None:
        return None
    if not isinstance(spec, dict) or spec.get("type") not in _BUILDERS:
        kind = spec.get("type") if isinstance(spec, dict) else type(spec).__name__
        raise ValueError(f"unsupported decoder {kind!r}; supported: {sorted(_BUILDERS)}")
    return _BUILDERS[spec["type"]](spec)
