"""nnnumpy: neural networks in plain NumPy, every forward and backward written by hand."""

__version__ = "0.1.0"

from . import backend, functions, layers
from .datasets import load_mnist, read_idx, write_idx
from .gradcheck import check_layer, check_network, rel_error
from .gradient import gradient_descent, numerical_diff, numerical_gradient
from .networks import MultiLayerNet, SimpleConvNet, TwoLayerNet

__all__ = [
    "__version__",
    "backend",
    "functions",
    "layers",
    "check_layer",
    "check_network",
    "rel_error",
    "load_mnist",
    "read_idx",
    "write_idx",
    "gradient_descent",
    "numerical_diff",
    "numerical_gradient",
    "MultiLayerNet",
    "SimpleConvNet",
    "TwoLayerNet",
]
