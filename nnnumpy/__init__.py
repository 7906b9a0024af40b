"""nnnumpy: neural networks in plain NumPy, every forward and backward written by hand."""

__version__ = "0.1.0"

try:
    from . import backend, functions, layers
    from .datasets import load_mnist, read_idx, write_idx
    from .gradcheck import check_layer, check_network, rel_error
    from .gradient import gradient_descent, numerical_diff, numerical_gradient
    from .networks import MultiLayerNet, SimpleConvNet, TwoLayerNet
except (ImportError, AttributeError) as error:
    # A student's own numpy.py (or a folder named like a package) beside the notebook hides
    # the real one: say so, instead of a puzzling "module 'numpy' has no attribute ...".
    from .doctor import shadowing_hint

    if not shadowing_hint():
        raise
    raise ImportError(shadowing_hint()) from error

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
