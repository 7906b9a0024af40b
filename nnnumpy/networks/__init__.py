"""Networks: layers wired in order, with the textbook interface."""

from .base import Network
from .multi_layer_net import MultiLayerNet
from .simple_conv_net import SimpleConvNet
from .two_layer_net import TwoLayerNet

__all__ = ["MultiLayerNet", "Network", "SimpleConvNet", "TwoLayerNet"]
