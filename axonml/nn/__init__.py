"""Neural-network layers, losses and the functional API."""
from . import functional
