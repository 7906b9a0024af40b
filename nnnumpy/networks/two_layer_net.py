"""TwoLayerNet: Affine -> activation -> Affine -> SoftmaxWithLoss."""

import numpy as np

from ..gradient import DEFAULT_H
from ..layers import Affine, SoftmaxWithLoss
from .base import (
    Network,
    check_float_dtype,
    check_size,
    init_affine_params,
    make_activation,
)
from .fast_numerical import two_layer_kinks, two_layer_numerical_gradient


class TwoLayerNet(Network):
    """The textbook's two-layer network.

    scores = activation(x W1 + b1) W2 + b2, trained with softmax cross-entropy.
    x: (N, input_size); W1: (input_size, hidden_size); b1: (hidden_size,);
    W2: (hidden_size, output_size); b2: (output_size,); scores: (N, output_size).

    Parameters
    ----------
    input_size, hidden_size, output_size : int
    weight_init_std : float or {"he", "xavier"}
        Standard deviation of the initial weights; 0.01 as in the textbook, whose
        lessons on this network start there (two layers learn from it; the deeper
        MultiLayerNet defaults to "he", without which its ReLU layers fade out).
    activation : {"relu", "sigmoid", "tanh", "leaky_relu"}
    dtype : float32 (default, twice the BLAS speed) or float64 (for gradient checks).
    seed : int or None
        Seed of the host generator that draws the initial weights.

    ``params`` ('W1', 'b1', 'W2', 'b2') holds the very arrays the layers use, so an
    optimizer that updates ``params`` in place trains the network.
    """

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01,
                 activation="relu", dtype=np.float32, seed=None):
        self.input_size = check_size("input_size", input_size)
        self.hidden_size = check_size("hidden_size", hidden_size)
        self.output_size = check_size("output_size", output_size)
        self.activation = activation
        self.dtype = check_float_dtype(dtype)

        rng = np.random.default_rng(seed)
        self.params = {}
        self.params["W1"], self.params["b1"] = init_affine_params(
            rng, self.input_size, self.hidden_size, weight_init_std, self.dtype)
        self.params["W2"], self.params["b2"] = init_affine_params(
            rng, self.hidden_size, self.output_size, weight_init_std, self.dtype)
        self.buffers = {}
        self.build_layers()

    def build_layers(self):
        """Affine(W1, b1) -> activation -> Affine(W2, b2), then softmax with loss."""
        p = self.params
        self.layers = {
            "Affine1": Affine(p["W1"], p["b1"], compute_dx=False),  # no dx of the images
            "Activation1": make_activation(self.activation),
            "Affine2": Affine(p["W2"], p["b2"]),
        }
        self.last_layer = SoftmaxWithLoss()

    def layer_gradients(self):
        affine1, affine2 = self.layers["Affine1"], self.layers["Affine2"]
        return {"W1": affine1.dW, "b1": affine1.db, "W2": affine2.dW, "b2": affine2.db}

    def fast_numerical_gradient(self, x, t, h):
        """Central differences with step h that recompute only what each nudge changes.

        The same numbers as ``numerical_gradient(x, t)`` (the loop), tens of times
        faster; see ``nnnumpy.networks.fast_numerical`` for how.
        """
        return two_layer_numerical_gradient(self, x, t, h)

    def kink_entries(self, x, h=DEFAULT_H):
        """Boolean masks of the entries whose central difference (step h) straddles a kink."""
        return two_layer_kinks(self, x, h)

    def config(self):
        """The architecture as plain values (saved beside the weights)."""
        return {"class": "TwoLayerNet", "input_size": self.input_size,
                "hidden_size": self.hidden_size, "output_size": self.output_size,
                "activation": self.activation, "dtype": self.dtype.name}

    def __repr__(self):
        return (f"TwoLayerNet({self.input_size}-{self.hidden_size}-{self.output_size}, "
                f"activation={self.activation!r}, dtype={self.dtype.name})")
