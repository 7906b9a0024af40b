"""SimpleConvNet: convolution -> ReLU -> max pooling -> Affine -> ReLU -> Affine -> softmax."""

import numpy as np

from ..backend import to_backend
from ..conv import Convolution, Pooling, conv_output_size
from ..layers import Affine, ReLU, SoftmaxWithLoss
from .base import Network, check_float_dtype, check_size, init_affine_params, weight_std

DEFAULT_CONV = {"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1}
LEAST_CONV = {"filter_num": 1, "filter_size": 1, "pad": 0, "stride": 1}   # smallest values


def check_conv_param(conv_param, height, width):
    """The convolution's settings, each an integer of its least value or more, with a
    filter that fits in the padded image; returns them with the defaults filled in.

    conv_param: None or a dict with some of filter_num, filter_size, pad, stride.
    """
    if conv_param is not None and not isinstance(conv_param, dict):
        raise TypeError(f"conv_param must be a dict with keys {sorted(DEFAULT_CONV)}, got "
                        f"{type(conv_param).__name__}")
    param = {**DEFAULT_CONV, **(conv_param or {})}
    unknown = set(param) - set(DEFAULT_CONV)
    if unknown:
        raise ValueError(f"conv_param has unknown keys {sorted(unknown)}; it takes "
                         f"{sorted(DEFAULT_CONV)}")
    for key, least in LEAST_CONV.items():
        value = param[key]
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
            raise ValueError(f"conv_param[{key!r}] must be an integer >= {least}, got {value!r}")
        param[key] = int(value)
    size, pad = param["filter_size"], param["pad"]
    if size > min(height, width) + 2 * pad:
        raise ValueError(f"conv_param['filter_size'] = {size} is larger than the {height} x "
                         f"{width} image padded by conv_param['pad'] = {pad} "
                         f"({height + 2 * pad} x {width + 2 * pad})")
    return param


class SimpleConvNet(Network):
    """The textbook's convolutional network.

    x: (N, C, H, W) images (or (N, C * H * W), reshaped; channels last, (N, H, W, C), is
    an error that says how to transpose); with the defaults on MNIST:
    conv 30 filters 5 x 5 -> (N, 30, 24, 24) -> ReLU -> max pool 2 x 2 -> (N, 30, 12, 12)
    -> Affine (4320, 100) -> ReLU -> Affine (100, 10) -> scores (N, 10).

    params: W1 (FN, C, FS, FS) and b1 (FN,) the filters; W2, b2 and W3, b3 the two
    fully connected layers.

    Parameters
    ----------
    input_dim : (C, H, W) of one image.
    conv_param : dict with filter_num, filter_size, pad, stride (the textbook's keys):
        integers >= 1 (pad >= 0), with a filter no larger than the padded image.
    hidden_size, output_size : int
    weight_init_std : float or {"he", "xavier"}; 0.01 as in the textbook.
    dtype, seed : as for TwoLayerNet.
    """

    def __init__(self, input_dim=(1, 28, 28), conv_param=None, hidden_size=100, output_size=10,
                 weight_init_std=0.01, dtype=np.float32, seed=None):
        if len(input_dim) != 3:
            raise ValueError(f"input_dim must be (channels, height, width), got {input_dim!r}")
        self.input_dim = tuple(check_size("input_dim entries", size) for size in input_dim)
        self.conv_param = check_conv_param(conv_param, *self.input_dim[1:])
        self.input_size = int(np.prod(self.input_dim))
        self.hidden_size = check_size("hidden_size", hidden_size)
        self.output_size = check_size("output_size", output_size)
        self.dtype = check_float_dtype(dtype)

        channels, height, width = self.input_dim
        filters, size = self.conv_param["filter_num"], self.conv_param["filter_size"]
        stride, pad = self.conv_param["stride"], self.conv_param["pad"]
        conv_h, conv_w = (conv_output_size(height, size, stride, pad),
                          conv_output_size(width, size, stride, pad))
        if conv_h < 2 or conv_w < 2:
            raise ValueError(f"a {size} x {size} filter with stride {stride} and pad {pad} "
                             f"leaves {conv_h} x {conv_w} pixels of a {height} x {width} "
                             "image: too few to pool 2 x 2 (make conv_param's filter_size "
                             "or stride smaller, or its pad larger)")
        pooled = filters * (conv_h // 2) * (conv_w // 2)

        rng = np.random.default_rng(seed)
        std = weight_std(weight_init_std, channels * size * size)
        W1 = (std * rng.standard_normal((filters, channels, size, size))).astype(self.dtype)
        self.params = {"W1": to_backend(W1), "b1": to_backend(np.zeros(filters, self.dtype))}
        self.params["W2"], self.params["b2"] = init_affine_params(
            rng, pooled, self.hidden_size, weight_init_std, self.dtype)
        self.params["W3"], self.params["b3"] = init_affine_params(
            rng, self.hidden_size, self.output_size, weight_init_std, self.dtype)
        self.buffers = {}
        self.build_layers()

    def build_layers(self):
        """Conv -> ReLU -> Pool -> Affine -> ReLU -> Affine, then softmax with loss."""
        p = self.params
        self.layers = {
            "Conv1": Convolution(p["W1"], p["b1"], stride=self.conv_param["stride"],
                                 pad=self.conv_param["pad"], compute_dx=False),
            "Relu1": ReLU(),
            "Pool1": Pooling(2, 2, stride=2),
            "Affine1": Affine(p["W2"], p["b2"]),     # flattens (N, FN, 12, 12) to (N, 4320)
            "Relu2": ReLU(),
            "Affine2": Affine(p["W3"], p["b3"]),
        }
        self.last_layer = SoftmaxWithLoss()

    def layer_gradients(self):
        conv, affine1, affine2 = (self.layers[name] for name in ("Conv1", "Affine1", "Affine2"))
        return {"W1": conv.dW, "b1": conv.db, "W2": affine1.dW, "b2": affine1.db,
                "W3": affine2.dW, "b3": affine2.db}

    def config(self):
        return {"class": "SimpleConvNet", "input_dim": list(self.input_dim),
                "conv_param": self.conv_param, "hidden_size": self.hidden_size,
                "output_size": self.output_size, "dtype": self.dtype.name}

    def __repr__(self):
        c = self.conv_param
        return (f"SimpleConvNet({'x'.join(map(str, self.input_dim))}: conv {c['filter_num']}x"
                f"{c['filter_size']}x{c['filter_size']} -> pool 2x2 -> {self.hidden_size} -> "
                f"{self.output_size}, dtype={self.dtype.name})")
