"""Networks: layers wired in order, with the textbook interface."""

from .base import Network
from .multi_layer_net import MultiLayerNet
from .two_layer_net import TwoLayerNet

__all__ = ["MultiLayerNet", "Network", "TwoLayerNet"]
