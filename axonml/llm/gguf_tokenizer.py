"""The tokenizer a GGUF file carries in its ``tokenizer.ggml.*`` metadata, as llama.cpp builds it.

A ``gpt2``-model file holds a byte-level BPE: its tokens (``tokenizer.ggml.tokens``, ids in list
order), ranked merges, token types (control tokens such as ``<|im_start|>`` are matched verbatim in
the text), the bos/eos/pad ids and whether to add bos/eos, and the name of the pre-tokenizer
(``tokenizer.ggml.pre``). The pre-tokenizer is llama.cpp's for that name: for SmolLM, StarCoder and
their kin every digit is split off on its own before GPT-2's pattern runs, so ``2024`` is four tokens.
The encoding pipeline itself is :class:`axonml.text.Tokenizer`'s (BPE, pre-tokenizers, decoder).

Example::

    >>> tokenizer = GGUFTokenizer.from_gguf("SmolLM2-135M-Instruct.Q4_1.gguf")      # doctest: +SKIP
    >>> tokenizer.encode("In 2024")                                                   # doctest: +SKIP
    [788, 216, 34, 32, 34, 36]
"""
from __future__ import annotations

import os
from typing import Iterable, Mapping, Sequence

from ..text import decoders, pre_tokenizers
from ..text.bpe import BPE
from ..text.tokenizer import AddedToken, Tokenizer

__all__ = ["GGUFTokenizer", "TokenStreamDecoder"]

# llama_token_type in llama.cpp
_NORMAL, _UNKNOWN, _CONTROL, _USER_DEFINED, _UNUSED, _BYTE = 1, 2, 3, 4, 5, 6

# tokenizer.ggml.pre names whose llama.cpp pre-tokenizer is "each digit alone, then GPT-2's pattern"
_DIGITS_THEN_GPT2 = ("smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva")
# names whose pre-tokenizer is GPT-2's pattern alone
_GPT2 = ("gpt-2", "phi-2", "jina-es", "jina-de", "jina-v1-en", "jina-v2-es", "jina-v2-de", "jina-v2-code")


def _pre_tokenizer(name: str) -> pre_tokenizers.PreTokenizer:
    if name in _DIGITS_THEN_GPT2:
        return pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                        pre_tokenizers.ByteLevel(add_prefix_space=False)])
    if name in _GPT2:
        return pre_tokenizers.ByteLevel(add_prefix_space=False)
    raise NotImplementedError(f"GGUF pre-tokenizer {name!r} is not supported; axonml implements "
                              f"{', '.join(_DIGITS_THEN_GPT2 + _GPT2)}")


class GGUFTokenizer:
    """Byte-level BPE built from a GGUF file's tokenizer metadata.

    Args:
        tokens: the token strings (byte-level spelling), index = id.
        merges: ranked merges, ``"left right"`` strings or pairs.
        token_types: llama.cpp token type per id (3 = control, 4 = user-defined are matched verbatim).
        pre: the pre-tokenizer name (``tokenizer.ggml.pre``).
        bos_token_id, eos_token_id, pad_token_id: special ids (``None``: absent).
        add_bos_token, add_eos_token: whether :meth:`encode` adds them by default.
        chat_template: the Jinja chat template, if the file has one.
    """

    def __init__(self, tokens: Sequence[str], merges: Iterable, token_types: Sequence[int] | None = None,
                 pre: str = "gpt-2", bos_token_id: int | None = None, eos_token_id: int | None = None,
                 pad_token_id: int | None = None, add_bos_token: bool = False, add_eos_token: bool = False,
                 chat_template: str | None = None) -> None:
        tokens = list(tokens)
        if token_types is not None and len(token_types) != len(tokens):
            raise ValueError(f"GGUF tokenizer: {len(token_types)} token types for {len(tokens)} tokens")
        for name, token_id in (("bos", bos_token_id), ("eos", eos_token_id), ("pad", pad_token_id)):
            if token_id is not None and not 0 <= token_id < len(tokens):
                raise ValueError(f"GGUF tokenizer: {name}_token_id {token_id} is outside the vocabulary "
                                 f"of {len(tokens)} tokens")
        vocab: dict[str, int] = {}
        for token_id, token in enumerate(tokens):
            vocab.setdefault(token, token_id)  # a repeated string keeps its first id, as llama.cpp's lookup does
        self.tokens = tokens
        self.pre = pre
        self.bos_token_id, self.eos_token_id, self.pad_token_id = bos_token_id, eos_token_id, pad_token_id
        self.add_bos_token, self.add_eos_token = bool(add_bos_token), bool(add_eos_token)
        self.chat_template = chat_template
        self._pipeline = Tokenizer(BPE(vocab, merges), pre_tokenizer=_pre_tokenizer(pre),
                                   decoder=decoders.ByteLevel())
        types = list(token_types) if token_types is not None else [_NORMAL] * len(tokens)
        self.special_ids = frozenset(i for i, kind in enumerate(types) if kind == _CONTROL)
        for token_id, kind in enumerate(types):
            if kind in (_CONTROL, _USER_DEFINED) and vocab[tokens[token_id]] == token_id:
                self._pipeline._register(AddedToken(tokens[token_id], special=kind == _CONTROL), token_id)

    @classmethod
    def from_metadata(cls, metadata: Mapping) -> "GGUFTokenizer":
        """Build the tokenizer from a GGUF file's metadata (``axonml.quant.gguf.load_gguf(path).metadata``)."""
        model = metadata.get("tokenizer.ggml.model")
        if model is None:
            raise ValueError("the GGUF file has no tokenizer (no tokenizer.ggml.model key)")
        if model != "gpt2":
            raise NotImplementedError(f"GGUF tokenizer model {model!r} is not supported; axonml reads byte-level "
                                      "BPE ('gpt2') tokenizers")
        for key in ("tokenizer.ggml.tokens", "tokenizer.ggml.merges"):
            if not isinstance(metadata.get(key), list):
                raise ValueError(f"the GGUF file's tokenizer has no {key} list")

        def optional_id(key):
            value = metadata.get(key)
            return None if value is None else int(value)

        token_types = metadata.get("tokenizer.ggml.token_type")
        return cls(metadata["tokenizer.ggml.tokens"], metadata["tokenizer.ggml.merges"],
                   None if token_types is None else [int(t) for t in token_types],
                   pre=str(metadata.get("tokenizer.ggml.pre", "gpt-2")),
                   bos_token_id=optional_id("tokenizer.ggml.bos_token_id"),
                   eos_token_id=optional_id("tokenizer.ggml.eos_token_id"),
                   pad_token_id=optional_id("tokenizer.ggml.padding_token_id"),
                   add_bos_token=bool(metadata.get("tokenizer.ggml.add_bos_token", False)),
                   add_eos_token=bool(metadata.get("tokenizer.ggml.add_eos_token", False)),
                   chat_template=metadata.get("tokenizer.chat_template"))

    @classmethod
    def from_gguf(cls, path: str | os.PathLike) -> "GGUFTokenizer":
        """Read only the tokenizer of a GGUF file."""
        from ..quant.gguf import load_gguf
        return cls.from_metadata(load_gguf(path).metadata)

    # ----- encoding and decoding ------------------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        return len(self.tokens)

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, text: str, add_special_tokens: bool = True, parse_special: bool = True) -> list[int]:
        """The ids of ``text``.

        Args:
            add_special_tokens: add bos/eos where the file says to (``tokenizer.ggml.add_bos_token``).
            parse_special: match control tokens written in the text (``<|im_start|>``) as one id each,
                as llama.cpp does for chat prompts; False encodes them as plain text.
        """
        if not isinstance(text, str):
            raise TypeError(f"encode expects a str, got {type(text).__name__}")
        if parse_special:
            ids = self._pipeline.encode(text, add_special_tokens=False)
        else:
            ids = [i for piece in self._pipeline.pre_tokenize(text) for i in self._pipeline.model.tokenize(piece)]
        if add_special_tokens:
            if self.add_bos_token and self.bos_token_id is not None:
                ids.insert(0, self.bos_token_id)
            if self.add_eos_token and self.eos_token_id is not None:
                ids.append(self.eos_token_id)
        return ids

    __call__ = encode

    def decode(self, ids: Iterable[int], skip_special_tokens: bool = False) -> str:
        """The text of ``ids``; control tokens are dropped when ``skip_special_tokens``."""
        return self.decode_bytes(ids, skip_special_tokens).decode("utf-8", errors="replace")

    def decode_bytes(self, ids: Iterable[int], skip_special_tokens: bool = False) -> bytes:
        """The UTF-8 bytes of ``ids`` (a token may hold part of a character: streaming joins the bytes)."""
        table = self._pipeline.decoder
        parts = []
        for token_id in ids:
            token_id = int(token_id)
            if not 0 <= token_id < len(self.tokens):
                raise IndexError(f"token id {token_id} is out of range for a vocabulary of {len(self.tokens)} tokens")
            if skip_special_tokens and token_id in self.special_ids:
                continue
            token = self.tokens[token_id]
            parts.append(token.encode("utf-8") if token_id in self.special_ids else _token_bytes(table, token))
        return b"".join(parts)

    def convert_ids_to_tokens(self, ids: Iterable[int]) -> list[str]:
        return [self.tokens[int(i)] for i in ids]

    def token_to_id(self, token: str) -> int | None:
        return self._pipeline.token_to_id(token)

    # ----- chat -----------------------------------------------------------------------------------
    def apply_chat_template(self, messages: Sequence[Mapping[str, str]], add_generation_prompt: bool = True,
                            tokenize: bool = False):
        """Render ``messages`` (``[{"role": "user", "content": "..."}]``) with the file's chat template.

        The template is rendered with Jinja2 in a sandbox (Hugging Face's convention: ``messages``,
        ``add_generation_prompt``, ``bos_token``, ``eos_token``).

        Returns:
            the prompt text, or its ids when ``tokenize``.

        Raises:
            ValueError: the file has no chat template, or a message is malformed.
            ImportError: Jinja2 is not installed.
        """
        if not self.chat_template:
            raise ValueError("this GGUF file has no chat template (tokenizer.chat_template); pass the prompt text")
        for i, message in enumerate(messages):
            if not isinstance(message, Mapping) or not isinstance(message.get("role"), str) \
                    or not isinstance(message.get("content"), str):
                raise ValueError(f"chat message {i} must be a mapping with str 'role' and 'content', got {message!r}")
        try:
            from jinja2.sandbox import ImmutableSandboxedEnvironment
        except ImportError:
            raise ImportError("rendering a chat template needs Jinja2 (pip install jinja2)") from None
        environment = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)

        def raise_exception(message):
            raise ValueError(f"the chat template refused the messages: {message}")

        environment.globals["raise_exception"] = raise_exception
        text = environment.from_string(self.chat_template).render(
            messages=[dict(m) for m in messages], add_generation_prompt=add_generation_prompt,
            bos_token=self._special_text(self.bos_token_id), eos_token=self._special_text(self.eos_token_id))
        return self.encode(text, add_special_tokens=False) if tokenize else text

    def _special_text(self, token_id: int | None) -> str:
        return "" if token_id is None else self.tokens[token_id]

    def __repr__(self) -> str:
        return (f"GGUFTokenizer(vocab_size={self.vocab_size}, pre={self.pre!r}, "
                f"chat_template={self.chat_template is not None})")


def _token_bytes(decoder: decoders.ByteLevel, token: str) -> bytes:
    """A byte-level token's bytes (not decoded as UTF-8: it may end inside a character)."""
    try:
        return token.translate(decoder._table).encode("latin-1")
    except UnicodeEncodeError:
        return token.encode("utf-8")


class TokenStreamDecoder:
    """Turns token ids into text as they arrive, holding back bytes that end inside a UTF-8 character.

    Example::

        >>> stream = TokenStreamDecoder(tokenizer)            # doctest: +SKIP
        >>> print(stream.push(token_id), end="", flush=True)  # doctest: +SKIP
    """

    def __init__(self, tokenizer: GGUFTokenizer, skip_special_tokens: bool = False) -> None:
        self.tokenizer = tokenizer
        self.skip_special_tokens = skip_special_tokens
        self._pending = b""

    def push(self, token_id: int) -> str:
        """The text that token_id completes (may be empty)."""
        data = self._pending + self.tokenizer.decode_bytes([token_id], self.skip_special_tokens)
        cut = _complete_prefix(data)
        self._pending = data[cut:]
        return data[:cut].decode("utf-8", errors="replace")

    def flush(self) -> str:
        """Whatever is held back, with incomplete characters as U+FFFD."""
        data, self._pending = self._pending, b""
        return data.decode("utf-8", errors="replace")


def _complete_prefix(data: bytes) -> int:
    """The length of ``data`` up to the start of a trailing incomplete UTF-8 sequence."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 != 0x80:  # a lead byte or ASCII
            needed = 1 if byte < 0x80 else 2 if byte >> 5 == 0b110 else 3 if byte >> 4 == 0b1110 \
                else 4 if byte >> 3 == 0b11110 else 1
            return len(data) if back >= needed else len(data) - back
    return len(data)
