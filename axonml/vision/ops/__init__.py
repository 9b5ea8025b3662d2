"""Detection and model-building operators (torchvision.ops's names)."""
from .misc import MLP, Conv2dNormActivation, SqueezeExcitation
from .stochastic_depth import StochasticDepth, stochastic_depth

__all__ = ["Conv2dNormActivation", "SqueezeExcitation", "MLP", "StochasticDepth", "stochastic_depth"]
