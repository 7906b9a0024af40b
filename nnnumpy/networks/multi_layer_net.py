"""MultiLayerNet: any number of hidden layers, with weight decay, dropout and batch norm."""

import numpy as np

from ..backend import get_array_module, to_backend
from ..checks import check_real_number
from ..layers import Affine, BatchNormalization, Dropout, SoftmaxWithLoss
from .base import (
    Network,
    check_float_dtype,
    check_size,
    init_affine_params,
    make_activation,
)


class MultiLayerNet(Network):
    """A fully connected net: (Affine, [BatchNorm], activation, [Dropout]) x (L-1), Affine.

    x: (N, input_size); hidden layer l has hidden_size_list[l-1] units; scores: (N, output_size).
    The loss is softmax cross-entropy plus the penalties
    (weight_decay_lambda / 2) sum_l ||W_l||^2 + l1_lambda sum_l |W_l|
    on the weights (not the biases), whose gradients lambda W_l and l1_lambda sign(W_l)
    are added to dW_l.

    Parameters
    ----------
    input_size, output_size : int
    hidden_size_list : list of int, one per hidden layer (784-200-200-10 is
        ``MultiLayerNet(784, [200, 200], 10)``).
    activation : {"relu", "sigmoid", "tanh", "leaky_relu"}
    weight_init_std : "he" (default), "xavier" or a positive float. Deeper than
        TwoLayerNet (whose textbook default is 0.01), this net needs "he" for ReLU:
        with 0.01 the activations shrink layer after layer (scripts/compare_init.py).
    weight_decay_lambda, l1_lambda : finite float >= 0
    use_dropout, dropout_ratio : inverted dropout after every hidden activation.
    use_batchnorm : batch normalisation before every hidden activation
        (params 'gamma1', 'beta1', ...; the hidden Affine layers then have no bias,
        since batch norm would cancel it: only the output layer keeps 'b{L}').
    batchnorm_eps : the eps of sqrt(var + eps) in batch norm. Batch norm stops
        normalising a unit whose variance falls well below eps (tiny initial weights).
    dtype, seed : as for TwoLayerNet.
    """

    def __init__(self, input_size, hidden_size_list, output_size, activation="relu",
                 weight_init_std="he", weight_decay_lambda=0.0, l1_lambda=0.0,
                 use_dropout=False, dropout_ratio=0.5, use_batchnorm=False,
                 batchnorm_eps=1e-5, dtype=np.float32, seed=None):
        self.input_size = check_size("input_size", input_size)
        self.output_size = check_size("output_size", output_size)
        if isinstance(hidden_size_list, (int, np.integer)) or len(hidden_size_list) == 0:
            raise ValueError("hidden_size_list must be a non-empty list of sizes, "
                             f"got {hidden_size_list!r}")
        self.hidden_size_list = [check_size("hidden_size_list entries", size)
                                 for size in hidden_size_list]
        self.activation = activation
        self.weight_decay_lambda = check_real_number("weight_decay_lambda",
                                                     weight_decay_lambda, 0)
        self.l1_lambda = check_real_number("l1_lambda", l1_lambda, 0)
        self.use_dropout = bool(use_dropout)
        self.dropout_ratio = dropout_ratio
        self.use_batchnorm = bool(use_batchnorm)
        self.batchnorm_eps = check_real_number("batchnorm_eps", batchnorm_eps, 0, strictly=True)
        self.dtype = check_float_dtype(dtype)

        rng = np.random.default_rng(seed)
        sizes = [self.input_size, *self.hidden_size_list, self.output_size]
        self.num_layers = len(sizes) - 1
        self.params, self.buffers = {}, {}
        for index in range(1, self.num_layers + 1):
            W, b = init_affine_params(rng, sizes[index - 1], sizes[index], weight_init_std,
                                      self.dtype)
            self.params[f"W{index}"] = W
            hidden = index < self.num_layers
            # Batch norm subtracts the mean of each unit, and any bias with it: b would have
            # a gradient of exactly 0 for ever. Its beta plays the bias's part.
            if not (hidden and self.use_batchnorm):
                self.params[f"b{index}"] = b
            if hidden and self.use_batchnorm:
                self.params[f"gamma{index}"] = to_backend(np.ones(sizes[index], self.dtype))
                self.params[f"beta{index}"] = to_backend(np.zeros(sizes[index], self.dtype))
                self.buffers[f"running_mean{index}"] = to_backend(
                    np.zeros(sizes[index], self.dtype))
                self.buffers[f"running_var{index}"] = to_backend(
                    np.ones(sizes[index], self.dtype))
        self.dropout_seeds = [int(rng.integers(2 ** 32)) for _ in range(self.num_layers - 1)]
        self.build_layers()

    def build_layers(self):
        """(Affine, [BatchNorm], activation, [Dropout]) per hidden layer, then Affine, then
        softmax with loss."""
        p = self.params
        self.layers = {}
        for index in range(1, self.num_layers + 1):
            self.layers[f"Affine{index}"] = Affine(p[f"W{index}"], p.get(f"b{index}"),
                                                   compute_dx=index > 1)  # no dx of images
            if index == self.num_layers:
                break
            if self.use_batchnorm:
                self.layers[f"BatchNorm{index}"] = BatchNormalization(
                    p[f"gamma{index}"], p[f"beta{index}"], eps=self.batchnorm_eps,
                    running_mean=self.buffers[f"running_mean{index}"],
                    running_var=self.buffers[f"running_var{index}"])
            self.layers[f"Activation{index}"] = make_activation(self.activation)
            if self.use_dropout:
                self.layers[f"Dropout{index}"] = Dropout(self.dropout_ratio,
                                                         seed=self.dropout_seeds[index - 1])
        self.last_layer = SoftmaxWithLoss()

    def layer_gradients(self):
        grads = {}
        for index in range(1, self.num_layers + 1):
            affine = self.layers[f"Affine{index}"]
            grads[f"W{index}"] = affine.dW
            if affine.b is not None:
                grads[f"b{index}"] = affine.db
            if f"BatchNorm{index}" in self.layers:
                norm = self.layers[f"BatchNorm{index}"]
                grads[f"gamma{index}"], grads[f"beta{index}"] = norm.dgamma, norm.dbeta
        return grads

    def weight_keys(self):
        """The keys of the weight matrices W1, W2, ...: the only parameters penalised."""
        return [f"W{index}" for index in range(1, self.num_layers + 1)]

    def regularization_loss(self):
        """(lambda / 2) sum ||W||^2 + l1_lambda sum |W| over every weight matrix."""
        penalty = 0.0
        for key in self.weight_keys():
            W = self.params[key]
            xp = get_array_module(W)
            if self.weight_decay_lambda:
                penalty += 0.5 * self.weight_decay_lambda * (W ** 2).sum()
            if self.l1_lambda:
                penalty += self.l1_lambda * xp.abs(W).sum()
        return penalty

    def add_regularization_gradient(self, grads):
        """dW += lambda W + l1_lambda sign(W), the gradient of the penalties."""
        for key in self.weight_keys():
            W = self.params[key]
            xp = get_array_module(W)
            if self.weight_decay_lambda:
                grads[key] = grads[key] + self.weight_decay_lambda * W
            if self.l1_lambda:
                grads[key] = grads[key] + self.l1_lambda * xp.sign(W)

    def fix_dropout_masks(self, fixed=True):
        """Reuse each dropout layer's last mask (so gradient checks see one function)."""
        for layer in self.layers.values():
            if isinstance(layer, Dropout):
                layer.fixed = fixed

    def config(self):
        return {"class": "MultiLayerNet", "input_size": self.input_size,
                "hidden_size_list": self.hidden_size_list, "output_size": self.output_size,
                "activation": self.activation, "weight_decay_lambda": self.weight_decay_lambda,
                "l1_lambda": self.l1_lambda, "use_dropout": self.use_dropout,
                "dropout_ratio": self.dropout_ratio, "use_batchnorm": self.use_batchnorm,
                "dtype": self.dtype.name}

    def __repr__(self):
        sizes = "-".join(str(s) for s in [self.input_size, *self.hidden_size_list,
                                          self.output_size])
        extras = [f"activation={self.activation!r}"]
        if self.weight_decay_lambda:
            extras.append(f"weight_decay={self.weight_decay_lambda}")
        if self.l1_lambda:
            extras.append(f"l1={self.l1_lambda}")
        if self.use_dropout:
            extras.append(f"dropout={self.dropout_ratio}")
        if self.use_batchnorm:
            extras.append("batchnorm")
        return f"MultiLayerNet({sizes}, {', '.join(extras)}, dtype={self.dtype.name})"
