"""ONNX op converters, one module per op family; importing this package fills the registry."""
from . import activation, control, conv, elementwise, linear, loss, norm, pool, reduce, resize, rnn, shape  # noqa: F401
