"""Optimizers: each ``update(params, grads)`` changes the arrays of ``params`` in place.

Updating in place matters: the network's layers hold the same arrays as ``params``,
so the network learns. Each gradient must have its parameter's shape (checked before
anything is updated: NumPy would otherwise broadcast a (3,) gradient into a (2, 3)
parameter without a word). The state (velocities, moment estimates) is created on the
first update of each key, shaped and typed like the parameter, on its own device.

Learning-rate schedules (``StepDecay``, ``ExponentialDecay``) map an epoch to a
learning rate; the trainer sets ``optimizer.lr`` from one at each epoch.
"""

import math
import numbers

import numpy as np

from .backend import get_array_module


def state_for(store, key, param):
    """``store[key]``, created on first use as zeros shaped and typed like ``param``.

    Per key, so that one optimizer may serve two networks whose keys differ.
    """
    if key not in store:
        store[key] = get_array_module(param).zeros_like(param)
    return store[key]


def check_gradients(params, grads):
    """grads[key] must exist and have the shape of params[key], for every key of params.

    Looks at shapes only: one comparison per key per update.
    """
    for key, param in params.items():
        if key not in grads:
            raise KeyError(f"grads has no {key!r}: it must have the keys of params "
                           f"{sorted(params)}, got {sorted(grads)}")
        shape = getattr(grads[key], "shape", None)
        if shape is None:   # a Python number or a list
            shape = np.shape(grads[key])
        if shape != param.shape:
            raise ValueError(f"grads[{key!r}] has shape {shape} but "
                             f"params[{key!r}] has shape {param.shape}: each gradient must "
                             "have its parameter's shape")


def _check_positive(name, value):
    """A real number (Python's or NumPy's, not a bool) that is finite and > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0 \
            or not math.isfinite(value):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def _check_fraction(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return float(value)


class SGD:
    """Stochastic gradient descent: W <- W - lr * dW."""

    def __init__(self, lr=0.01):
        self.lr = _check_positive("lr", lr)

    def update(self, params, grads):
        check_gradients(params, grads)
        for key in params:
            params[key] -= self.lr * grads[key]


class Momentum:
    """v <- momentum * v - lr * dW;  W <- W + v."""

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = _check_positive("lr", lr)
        self.momentum = _check_fraction("momentum", momentum)
        self.v = {}

    def update(self, params, grads):
        check_gradients(params, grads)
        for key in params:
            v = state_for(self.v, key, params[key])
            v *= self.momentum
            v -= self.lr * grads[key]
            params[key] += v


class Nesterov(Momentum):
    """Nesterov's accelerated gradient, in the form that needs only the gradient at W.

    v <- momentum * v - lr * dW;  W <- W + momentum * v - lr * dW
    (the step looks ahead along the new velocity). Same hyper-parameters as Momentum.
    """

    def update(self, params, grads):
        check_gradients(params, grads)
        for key in params:
            v = state_for(self.v, key, params[key])
            v *= self.momentum
            v -= self.lr * grads[key]
            params[key] += self.momentum * v - self.lr * grads[key]


class AdaGrad:
    """h <- h + dW^2;  W <- W - lr * dW / (sqrt(h) + eps): each weight slows as it learns."""

    def __init__(self, lr=0.01, eps=1e-7):
        self.lr = _check_positive("lr", lr)
        self.eps = _check_positive("eps", eps)
        self.h = {}

    def update(self, params, grads):
        check_gradients(params, grads)
        for key in params:
            xp = get_array_module(params[key])
            h = state_for(self.h, key, params[key])
            h += grads[key] ** 2
            params[key] -= self.lr * grads[key] / (xp.sqrt(h) + self.eps)


class RMSprop:
    """h <- decay * h + (1 - decay) * dW^2;  W <- W - lr * dW / (sqrt(h) + eps).

    Like AdaGrad, but old gradients are forgotten, so learning never stops.
    """

    def __init__(self, lr=0.01, decay_rate=0.99, eps=1e-7):
        self.lr = _check_positive("lr", lr)
        self.decay_rate = _check_fraction("decay_rate", decay_rate)
        self.eps = _check_positive("eps", eps)
        self.h = {}

    def update(self, params, grads):
        check_gradients(params, grads)
        for key in params:
            xp = get_array_module(params[key])
            h = state_for(self.h, key, params[key])
            h *= self.decay_rate
            h += (1 - self.decay_rate) * grads[key] ** 2
            params[key] -= self.lr * grads[key] / (xp.sqrt(h) + self.eps)


class Adam:
    """Adam (Kingma & Ba, 2015), step t = 1, 2, ...:

    m <- beta1 m + (1 - beta1) dW;   v <- beta2 v + (1 - beta2) dW^2
    W <- W - lr_t m / (sqrt(v) + eps),  lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t)
    (lr_t folds the bias corrections of m and v into the step size).
    """

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr = _check_positive("lr", lr)
        self.beta1 = _check_fraction("beta1", beta1)
        self.beta2 = _check_fraction("beta2", beta2)
        self.eps = _check_positive("eps", eps)
        self.iter = 0
        self.m = {}
        self.v = {}

    def update(self, params, grads):
        check_gradients(params, grads)
        self.iter += 1
        lr_t = self.lr * math.sqrt(1 - self.beta2 ** self.iter) / (1 - self.beta1 ** self.iter)
        for key in params:
            xp = get_array_module(params[key])
            m, v, g = (state_for(self.m, key, params[key]),
                       state_for(self.v, key, params[key]), grads[key])
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g ** 2
            params[key] -= lr_t * m / (xp.sqrt(v) + self.eps)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "nesterov": Nesterov, "adagrad": AdaGrad,
              "rmsprop": RMSprop, "adam": Adam}


def make_optimizer(name, **hyperparameters):
    """An optimizer from its name (sgd, momentum, nesterov, adagrad, rmsprop, adam)."""
    if name not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}, got {name!r}")
    return OPTIMIZERS[name](**hyperparameters)


class StepDecay:
    """lr(epoch) = lr0 * gamma ** (epoch // step_size); epochs count from 0."""

    def __init__(self, step_size=10, gamma=0.5):
        if isinstance(step_size, bool) or not isinstance(step_size, numbers.Integral) \
                or step_size < 1:
            raise ValueError(f"step_size must be a positive integer, got {step_size!r}")
        self.step_size = int(step_size)
        self.gamma = _check_positive("gamma", gamma)

    def __call__(self, lr0, epoch):
        return lr0 * self.gamma ** (epoch // self.step_size)


class ExponentialDecay:
    """lr(epoch) = lr0 * gamma ** epoch; epochs count from 0."""

    def __init__(self, gamma=0.95):
        self.gamma = _check_positive("gamma", gamma)

    def __call__(self, lr0, epoch):
        return lr0 * self.gamma ** epoch
