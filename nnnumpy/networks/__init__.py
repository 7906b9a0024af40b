"""Networks: layers wired in order, with the textbook interface."""

from .base import Network
from .two_layer_net import TwoLayerNet

__all__ = ["Network", "TwoLayerNet"]
