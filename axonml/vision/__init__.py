"""Computer vision: datasets, image transforms, models and image utilities (torchvision's layout)."""
from . import datasets, transforms, utils

__all__ = ["datasets", "transforms", "utils", "models"]


def __getattr__(name):
    # models is built on axonml.nn; import it on first use so datasets and transforms work alone.
    if name == "models":
        import importlib
        return importlib.import_module(".models", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
