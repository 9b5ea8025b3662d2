"""Pretrained-weight descriptions (torchvision's ``Weights``/``WeightsEnum``) and their loading."""
from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["Weights", "WeightsEnum", "get_weight", "get_model_weights"]


@dataclass(eq=False)
class Weights:
    """Where a set of published weights lives and how its inputs must be prepared.

    Args:
        url: the download address of the ``.pth`` state dict.
        transforms: builds the input transform the weights were trained with.
        meta: the categories, the number of parameters, the published metrics ...

    The SHA-256 check follows ``torch.hub``: the part of the file name after its last ``-`` is
    the leading hex digits of the file's SHA-256 (``resnet18-f37072fd.pth``), and a download whose
    digest does not start with them is rejected.
    """

    url: str
    transforms: Callable[..., Any]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def sha256_prefix(self) -> str:
        from ...hub import _hash_prefix
        prefix = _hash_prefix(self.url)
        if prefix is None:
            raise ValueError(f"{self.url} carries no SHA-256 prefix in its file name")
        return prefix


class WeightsEnum(enum.Enum):
    """The weights published for one architecture; ``DEFAULT`` names the recommended entry."""

    @classmethod
    def verify(cls, obj):
        """``obj`` (an entry, its name as a string, or None) as an entry of this enum."""
        if obj is None:
            return None
        if isinstance(obj, str):
            name = obj.replace(cls.__name__ + ".", "")
            if name not in cls.__members__:
                raise ValueError(f"Unknown value '{obj}' for {cls.__name__}.")
            return cls.__members__[name]
        if not isinstance(obj, cls):
            raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received "
                            f"{type(obj).__name__}.")
        return obj

    def get_state_dict(self, progress: bool = True, check_hash: bool = True) -> dict:
        """Download (or take from the cache) and read the state dict of these weights."""
        from ...hub import load_state_dict_from_url
        return load_state_dict_from_url(self.url, progress=progress, check_hash=check_hash)

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self._name_}"

    @property
    def url(self) -> str:
        return self.value.url

    @property
    def transforms(self):
        return self.value.transforms

    @property
    def meta(self) -> dict[str, Any]:
        return self.value.meta

    @property
    def sha256_prefix(self) -> str:
        return self.value.sha256_prefix


_WEIGHTS_BY_MODEL: dict[str, type[WeightsEnum]] = {}


def _register(model_name: str, weights_enum: type[WeightsEnum]) -> None:
    _WEIGHTS_BY_MODEL[model_name] = weights_enum


def get_model_weights(name: str) -> type[WeightsEnum]:
    """The weights enum of a model, by builder name (``"resnet18"``)."""
    if name not in _WEIGHTS_BY_MODEL:
        raise ValueError(f"Unknown model {name!r}; models with weight entries: {sorted(_WEIGHTS_BY_MODEL)}")
    return _WEIGHTS_BY_MODEL[name]


def get_weight(name: str) -> WeightsEnum:
    """An entry by its full name, e.g. ``"ResNet18_Weights.IMAGENET1K_V1"``."""
    enum_name, _, value = name.partition(".")
    for weights_enum in _WEIGHTS_BY_MODEL.values():
        if weights_enum.__name__ == enum_name:
            return weights_enum.verify(value)
    raise ValueError(f"Unknown weights enum {enum_name!r}")


def _weights_for(weights, weights_enum: type[WeightsEnum] | None, model_name: str):
    """Check a builder's ``weights=`` argument; a model without published entries says so."""
    if weights is None:
        return None
    if weights_enum is None:
        raise ValueError(f"{model_name} has no pretrained weights; build it with weights=None")
    return weights_enum.verify(weights)


def _load_weights(model, weights: WeightsEnum | None, progress: bool):
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress))
    return model


def _override_num_classes(kwargs: dict, weights: WeightsEnum | None) -> None:
    """With weights, num_classes follows their categories (an explicit different value is an error)."""
    if weights is None:
        return
    expected = len(weights.meta["categories"])
    if kwargs.get("num_classes", expected) != expected:
        raise ValueError(f"The parameter 'num_classes' expected value {expected} but got {kwargs['num_classes']} "
                         f"instead.")
    kwargs["num_classes"] = expected


def _image_classification(**kwargs):
    from ..transforms._presets import ImageClassification
    return functools.partial(ImageClassification, **kwargs)
