"""The torch.* namespace of op functions (axonml.add, axonml.matmul, axonml.cat ...).

Each name is re-exported from the ops module that defines it; nothing is defined here.
"""
from .ops.elementwise import add, div, mul, neg, sub
from .ops.reduce import sum

__all__ = ["add", "sub", "mul", "div", "neg", "sum"]
