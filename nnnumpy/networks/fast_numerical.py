"""Central differences for TwoLayerNet that recompute only what a nudge changes.

This is still a numerical gradient: for every parameter entry theta it evaluates
the loss at theta + h and at theta - h and takes (L(theta + h) - L(theta - h)) / 2h.
No derivative of any layer is used anywhere. What changes is how each perturbed
loss is evaluated. The textbook loop recomputes the whole forward pass for each of
the 2P evaluations, but nudging one weight touches only part of that pass:

    A = x W1 + b1  (N, H)      Z = act(A)  (N, H)      S = Z W2 + b2  (N, C)
    L = (1/N) sum_n l_n,       l_n = -log softmax(S_n)[t_n]

- W1[i, j] += h changes only hidden column j, and only for the samples whose
  pixel i is not 0 (and, for ReLU, whose unit j is or becomes active):
  Z[n, j] becomes act(A[n, j] + h x[n, i]), so S_n becomes S_n + dZ[n, j] W2[j, :]
  and only those samples' losses l_n need recomputing. This is where the time goes,
  and where skipping the unchanged samples pays most.
- b1[j] += h is the same with x[n, i] replaced by 1, for every j at once.
- W2[j, k] += h adds h Z[:, j] to score column k; b2[k] += h adds h to it.

Every perturbed loss goes through the same exact softmax cross-entropy as
``loss``, and the samples that a nudge does not touch keep their unperturbed
l_n, bit for bit, so the results agree with the loop to its own rounding.
"""

import numpy as np

from ..functions import leaky_relu, log_softmax, relu, sigmoid, tanh

ACTIVATION_FUNCTIONS = {"relu": relu, "sigmoid": sigmoid, "tanh": tanh, "leaky_relu": leaky_relu}
KINKED = ("relu", "leaky_relu")


def sample_losses(scores, t):
    """Per-sample cross-entropy of softmax(scores).

    scores: (..., N, C); t: (N,) class indices or (N, C) one-hot; returns (..., N).
    """
    log_y = log_softmax(scores)
    if t.ndim == 2:
        return -(log_y * t).sum(axis=-1)
    labels = np.broadcast_to(t, log_y.shape[:-1])
    return -np.take_along_axis(log_y, labels[..., None], axis=-1)[..., 0]


def two_layer_numerical_gradient(net, x, t, h=1e-4):
    """All four gradients of a TwoLayerNet by central differences, evaluated incrementally.

    x: (N, D) float64 (or (N, ...) flattened); t: (N,) or (N, C).
    Returns a dict like ``net.gradient``.
    """
    W1, b1, W2, b2 = (net.params[key] for key in ("W1", "b1", "W2", "b2"))
    act = ACTIVATION_FUNCTIONS[net.activation]
    x = x.reshape(x.shape[0], -1)
    n = x.shape[0]
    A = x @ W1 + b1
    Z = act(A)
    S = Z @ W2 + b2
    losses = sample_losses(S, t)                                   # l_n, (N,)
    hidden_size, classes = W2.shape

    def mean_loss(per_sample):                                     # (K, N) -> (K,)
        return per_sample.sum(axis=-1) / n

    def central_difference(loss_of_shift, *args):
        return (loss_of_shift(*args, h) - loss_of_shift(*args, -h)) / (2 * h)

    def loss_W1_column(j, shift):
        """L after W1[i, j] += shift, for every row i: (D,)."""
        dZ = act(A[:, j] + shift * x.T) - Z[:, j]                  # (D, N), mostly 0
        rows, samples = np.nonzero(dZ)                             # the (i, n) that change
        per_sample = np.repeat(losses[None], x.shape[1], axis=0)   # (D, N): unchanged l_n
        scores = S[samples] + dZ[rows, samples, None] * W2[j]      # (changed, C)
        per_sample[rows, samples] = sample_losses(scores, t[samples])
        return mean_loss(per_sample)

    grad_W1 = np.empty_like(W1)
    for j in range(hidden_size):
        grad_W1[:, j] = central_difference(loss_W1_column, j)

    def loss_b1(shift):                                            # b1[j] += shift: (H,)
        dZ = act(A.T + shift) - Z.T                                # (H, N)
        return mean_loss(sample_losses(S + dZ[:, :, None] * W2[:, None, :], t))

    def loss_W2_column(k, shift):                                  # W2[j, k] += shift: (H,)
        scores = np.repeat(S[None], hidden_size, axis=0)           # (H, N, C)
        scores[:, :, k] += shift * Z.T
        return mean_loss(sample_losses(scores, t))

    grad_W2 = np.empty_like(W2)
    for k in range(classes):
        grad_W2[:, k] = central_difference(loss_W2_column, k)

    def loss_b2(shift):                                            # b2[k] += shift: (C,)
        return mean_loss(sample_losses(S + shift * np.eye(classes)[:, None, :], t))

    return {"W1": grad_W1, "b1": central_difference(loss_b1),
            "W2": grad_W2, "b2": central_difference(loss_b2)}


def two_layer_kinks(net, x, h=1e-4):
    """Which entries' central differences straddle a ReLU kink: dict of boolean masks.

    W1[i, j] does when some sample has |A[n, j]| < h |x[n, i]| (the nudge moves the
    pre-activation across 0), b1[j] when |A[n, j]| < h. There the finite difference
    mixes two slopes and disagrees with any derivative; that is the method's limit,
    not a bug. Smooth activations have no kinks; W2 and b2 come after the activation.
    """
    masks = {key: np.zeros(value.shape, bool) for key, value in net.params.items()}
    if net.activation not in KINKED:
        return masks
    x = x.reshape(x.shape[0], -1)
    distance = np.abs(x @ net.params["W1"] + net.params["b1"])     # (N, H)
    masks["W1"] = (distance[:, None, :] < h * np.abs(x)[:, :, None]).any(axis=0)
    masks["b1"] = (distance < h).any(axis=0)
    return masks
