"""The training loop, written plainly: what ``Trainer`` does, without the bookkeeping.

    for each epoch:
        shuffle the training set                        (every sample once per epoch)
        for each mini-batch:
            grads = network.gradient(x_batch, t_batch)  (backpropagation)
            optimizer.update(network.params, grads)     (W <- W - lr dW, or Adam, ...)
        measure the accuracy on the test set

``nnnumpy.trainer.Trainer`` runs this same loop and adds what a real run needs: input
checks, progress bars, evaluation in batches, a history of losses, a NaN check,
learning-rate schedules, early stopping, Ctrl-C handling.
"""

import numpy as np


def train(network, x_train, t_train, x_test, t_test, optimizer, epochs=10, batch_size=100,
          seed=None):
    """Train ``network`` in place by mini-batch gradient descent; returns the test accuracy
    after each epoch.

    x_train: (N, D); t_train: (N,) or (N, C); x_test, t_test likewise;
    optimizer: any object with ``update(params, grads)`` (``nnnumpy.optimizers``).
    """
    rng = np.random.default_rng(seed)
    n = x_train.shape[0]
    test_accuracies = []
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            grads = network.gradient(x_train[batch], t_train[batch])
            optimizer.update(network.params, grads)
        test_accuracies.append(network.accuracy(x_test, t_test))
    return test_accuracies
