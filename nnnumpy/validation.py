"""K-fold cross-validation: every sample is validated on exactly once."""

import numpy as np


def kfold_indices(n_samples, k=5, seed=None):
    """Split ``range(n_samples)`` into ``k`` folds; returns a list of (train, validation).

    The samples are shuffled once with ``seed``; fold i validates on the i-th slice
    and trains on the rest. Slices differ in size by at most one sample.
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 2:
        raise ValueError(f"k must be an integer >= 2, got {k!r}")
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) \
            or n_samples < k:
        raise ValueError(f"n_samples must be an integer >= k = {k}, got {n_samples!r}")
    order = np.random.default_rng(seed).permutation(n_samples)
    folds = np.array_split(order, k)
    return [(np.sort(np.concatenate(folds[:i] + folds[i + 1:])), np.sort(folds[i]))
            for i in range(k)]


def cross_validate(make_network, x, t, k=5, seed=None, **trainer_options):
    """Train a fresh ``make_network()`` on each of k folds; returns the validation accuracies.

    x: (N, D); t: (N,) or (N, C); trainer_options go to ``Trainer`` (epochs, optimizer, ...).
    """
    from .trainer import Trainer

    accuracies = []
    for train, validation in kfold_indices(x.shape[0], k, seed):
        trainer = Trainer(make_network(), x[train], t[train], x[validation], t[validation],
                          seed=seed, **trainer_options)
        accuracies.append(trainer.fit()["test_acc"][-1])
    return accuracies
