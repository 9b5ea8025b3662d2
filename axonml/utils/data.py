"""``axonml.utils.data``: the same module object as :mod:`axonml.data` (PyTorch's import path)."""
import sys

from .. import data as _data

sys.modules[__name__] = _data
