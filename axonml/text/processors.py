"""Post-processors: add a model's special tokens around the encoded text ([CLS] ... [SEP] for BERT).

Each is built from, and written back to, its entry in a Hugging Face ``tokenizer.json``.
"""
from __future__ import annotations

from typing import Any

__all__ = ["PostProcessor", "TemplateProcessing", "BertProcessing", "ByteLevel", "post_processor_from_json"]


class PostProcessor:
    """``process(ids)`` returns ``(ids, type_ids)`` with the special tokens added."""

    def process(self, ids: list[int]) -> tuple[list[int], list[int]]:
        raise NotImplementedError

    def num_special_tokens(self) -> int:
        return len(self.process([])[0])

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError


class TemplateProcessing(PostProcessor):
    """Special tokens placed by a template, e.g. ``"[CLS] $A [SEP]"``.

    Args:
        single: the template for one sequence, as a string or as ``tokenizer.json``'s list of items.
        special_tokens: ``(token, id)`` pairs for the tokens the template names.
        pair: the template for a pair of sequences (kept for the file; pairs are not encoded here).
    """

    def __init__(self, single: str | list, special_tokens: list[tuple[str, int]],
                 pair: str | list | None = None) -> None:
        self.special_ids = {token: [token_id] for token, token_id in special_tokens}
        self.single = self._parse(single)
        self.pair = self._parse(pair) if pair is not None else None
        for kind, name, _ in self.single + (self.pair or []):
            if kind == "SpecialToken" and name not in self.special_ids:
                raise ValueError(f"template names special token {name!r} but no id is given for it")

    @staticmethod
    def _parse(template: str | list) -> list[tuple[str, str, int]]:
        items = []
        if isinstance(template, str):
            for part in template.split():
                name, _, type_id = part.partition(":")
                type_id = int(type_id or 0)
                if name in ("$A", "$B", "$"):
                    items.append(("Sequence", "A" if name in ("$A", "$") else "B", type_id))
                else:
                    items.append(("SpecialToken", name, type_id))
            return items
        for item in template:
            if not isinstance(item, dict) or len(item) != 1:
                raise ValueError(f"malformed template item {item!r}")
            (kind, body), = item.items()
            if kind not in ("Sequence", "SpecialToken") or not isinstance(body, dict):
                raise ValueError(f"malformed template item {item!r}")
            items.append((kind, body.get("id"), int(body.get("type_id", 0))))
        return items

    def process(self, ids: list[int]) -> tuple[list[int], list[int]]:
        out_ids: list[int] = []
        type_ids: list[int] = []
        for kind, name, type_id in self.single:
            piece = list(ids) if kind == "Sequence" else self.special_ids[name]
            out_ids.extend(piece)
            type_ids.extend([type_id] * len(piece))
        return out_ids, type_ids

    def to_json(self) -> dict[str, Any]:
        def items(template):
            return [{kind: {"id": name, "type_id": type_id}} for kind, name, type_id in template]

        return {"type": "TemplateProcessing", "single": items(self.single),
                "pair": items(self.pair) if self.pair is not None else items(self.single),
                "special_tokens": {token: {"id": token, "ids": ids, "tokens": [token]}
                                   for token, ids in self.special_ids.items()}}


class BertProcessing(TemplateProcessing):
    """``[CLS] $A [SEP]``, the file's older spelling of BERT's template."""

    def __init__(self, sep: tuple[str, int], cls: tuple[str, int]) -> None:
        super().__init__(f"{cls[0]} $A {sep[0]}", [tuple(cls), tuple(sep)],
                         f"{cls[0]} $A {sep[0]} $B:1 {sep[0]}:1")
        self.sep, self.cls = tuple(sep), tuple(cls)

    def to_json(self) -> dict[str, Any]:
        return {"type": "BertProcessing", "sep": list(self.sep), "cls": list(self.cls)}


class ByteLevel(PostProcessor):
    """GPT-2's post-processor: adds nothing to the ids (it only trims offsets, which are not computed here)."""

    def __init__(self, spec: dict | None = None) -> None:
        self.spec = dict(spec or {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False,
                                  "use_regex": True})

    def process(self, ids: list[int]) -> tuple[list[int], list[int]]:
        return list(ids), [0] * len(ids)

    def to_json(self) -> dict[str, Any]:
        return dict(self.spec)


def _template_from_json(spec: dict) -> TemplateProcessing:
    specials = spec.get("special_tokens") or {}
    pairs = []
    for token, body in specials.items():
        ids = body.get("ids") if isinstance(body, dict) else None
        if not isinstance(ids, list) or len(ids) != 1 or type(ids[0]) is not int:
            raise ValueError(f"special token {token!r} of the template must have exactly one integer id")
        pairs.append((token, ids[0]))
    return TemplateProcessing(spec.get("single") or [], pairs, spec.get("pair"))


def post_processor_from_json(spec: dict | None) -> PostProcessor | None:
    """Build the post-processor a ``tokenizer.json`` describes; an unsupported type raises ``ValueError``."""
    if spec is None:
        return None
    kind = spec.get("type") if isinstance(spec, dict) else None
    if kind == "TemplateProcessing":
        return _template_from_json(spec)
    if kind == "BertProcessing":
        return BertProcessing(tuple(spec["sep"]), tuple(spec["cls"]))
    if kind == "ByteLevel":
        return ByteLevel(spec)
    raise ValueError(f"unsupported post-processor {kind!r}; supported: BertProcessing, ByteLevel, "
                     "TemplateProcessing")
