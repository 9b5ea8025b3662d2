"""The torch.* namespace of op functions (axonml.add, axonml.matmul, axonml.cat ...).

Each name comes from the ops module that defines it (its ``__all__``); nothing is defined here.
"""
from .ops import (activation, aliases, attention, complex, composite_loss, compose, conv, ctc, decomposition,
                  distance, spectral,
                  elementwise, indexing, linalg, loss, nn, norm, pool, random, rearrange, reduce, rnn, shape, sort,
                  special, statistics, windows)

# computed before the star imports below, which rebind names such as `norm` to op functions
__all__ = [name for module in (aliases, elementwise, activation, reduce, sort, random, shape, indexing, linalg, conv,
                                pool, nn, attention, norm, loss, rnn, composite_loss, distance, rearrange,
                                decomposition, compose, special, statistics, windows, ctc, complex, spectral)
           for name in module.__all__]

from .ops.aliases import *  # noqa: F401,F403 - first: a name defined by an op module wins
from .ops.activation import *  # noqa: F401,F403
from .ops.attention import *  # noqa: F401,F403
from .ops.composite_loss import *  # noqa: F401,F403
from .ops.compose import *  # noqa: F401,F403
from .ops.conv import *  # noqa: F401,F403
from .ops.ctc import *  # noqa: F401,F403
from .ops.decomposition import *  # noqa: F401,F403
from .ops.distance import *  # noqa: F401,F403
from .ops.rearrange import *  # noqa: F401,F403
from .ops.elementwise import *  # noqa: F401,F403
from .ops.indexing import *  # noqa: F401,F403
from .ops.linalg import *  # noqa: F401,F403
from .ops.nn import *  # noqa: F401,F403
from .ops.norm import *  # noqa: F401,F403
from .ops.pool import *  # noqa: F401,F403
from .ops.reduce import *  # noqa: F401,F403
from .ops.shape import *  # noqa: F401,F403
from .ops.loss import *  # noqa: F401,F403
from .ops.rnn import *  # noqa: F401,F403
from .ops.sort import *  # noqa: F401,F403
from .ops.random import *  # noqa: F401,F403
from .ops.special import *  # noqa: F401,F403
from .ops.windows import *  # noqa: F401,F403
from .ops.statistics import *  # noqa: F401,F403
from .ops.complex import *  # noqa: F401,F403
from .ops.spectral import *  # noqa: F401,F403
