"""Computer vision: datasets, image transforms, models and image utilities (torchvision's layout)."""
from . import datasets, io, transforms, utils

__all__ = ["datasets", "io", "transforms", "utils", "models", "ops"]


def __getattr__(name):
    # models and ops are built on axonml.nn; import them on first use so datasets and transforms work alone.
    if name in ("models", "ops"):
        import importlib
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
