"""Checks for assignment 07: a training loop with a validation split and early stopping.

The rules are those of ``nnnumpy.trainer.Trainer``: the validation samples are a random
part of the training set (never of the test set), ``round(fraction * N)`` of them, and
the rest is trained on; an epoch is one pass over a fresh permutation of the training
part, every sample once, the last batch possibly smaller; after each epoch the
validation loss is measured, and training stops when it has not improved (strictly)
for ``patience`` epochs in a row, keeping a copy of the best weights, which are put
back (in place) at the end.

``check_train`` runs the student's loop on a scripted network: its loss on the
validation and test sets is a fixed curve of the number of epochs it has trained,
and it records every batch it is given. So the check knows at which epoch a right
loop stops, which weights it must restore, and sees every batch.
"""

import numpy as np

from ..optimizers import SGD
from .core import CheckResult, call_student, pick_hint, report

HINTS = {
    "validation_overlaps_training": "The validation samples must not be trained on: split "
                                    "one permutation of the indices into two disjoint parts "
                                    "(order[:n_val] and order[n_val:]).",
    "validation_not_shuffled": "Take a random part as validation (from a permutation of the "
                               "indices), not the first or last rows: a data set stored in "
                               "some order would give a validation set unlike the rest.",
    "labels_misaligned": "Index x and t with the same indices, so that each sample keeps its "
                         "label.",
    "fraction_swapped": "fraction is the part held out for validation: "
                        "n_val = round(fraction * N), the training part gets the rest.",
    "batches_with_replacement": "An epoch uses every sample exactly once: slice one "
                                "permutation (rng.permutation(n)) into batches instead of "
                                "drawing each batch at random.",
    "last_batch_dropped": "Keep the last, smaller batch: with n = 23 and batch_size 5 the "
                          "batches have 5, 5, 5, 5 and 3 samples (range(0, n, batch_size)).",
    "not_shuffled": "Shuffle: draw the order with rng.permutation(n), not range(n).",
    "same_order_every_epoch": "Draw a new permutation at every epoch, from the rng you are "
                              "given (not from a generator created anew with a fixed seed).",
    "validation_used_for_training": "Train on the training part only: the validation "
                                    "samples must stay unseen, so that their loss tells "
                                    "how the network does on new data.",
    "validation_from_test_set": "Early stopping must use the validation set, never the test "
                                "set: the test set is for the final score only, and choosing "
                                "the epoch with it makes that score optimistic.",
    "patience_off_by_one": "Stop when the validation loss has not improved for `patience` "
                           "epochs in a row: count the epochs since the best one and stop "
                           "when that count reaches patience.",
    "never_stops": "Stop early: when the validation loss has not improved for `patience` "
                   "epochs, break out of the loop over epochs.",
    "best_epoch_from_zero": "Count epochs from 1 (the first epoch is epoch 1), as "
                            "history['best_epoch'] and the plots do.",
    "restored_last_weights": "Keep a copy of the best weights ({key: W.copy() ...}) when the "
                             "validation loss improves, and put it back at the end: without "
                             ".copy() the 'best' arrays are the live ones, which keep "
                             "changing.",
    "weights_replaced_not_in_place": "Restore the weights in place (network.params[key][...] "
                                     "= best[key]): a new array in params is not the one the "
                                     "network's layers use.",
}

# The same hints in Chinese, printed under NNNUMPY_LANG=zh (see core.language).
HINTS_ZH = {
    "validation_overlaps_training": "验证样本不能参与训练：把下标的同一个排列分成两个不相交的部分"
                                    "（order[:n_val] 和 order[n_val:]）。",
    "validation_not_shuffled": "随机取一部分作为验证集（取自下标的一个排列），而不是最前面或最后面"
                               "的几行：按某种顺序存储的数据集会给出一个与其余部分不同的验证集。",
    "labels_misaligned": "用相同的下标索引 x 和 t，使每个样本保持自己的标签。",
    "fraction_swapped": "fraction 是留作验证的比例：n_val = round(fraction * N)，其余部分用于训"
                        "练。",
    "batches_with_replacement": "一个轮次（epoch）恰好把每个样本用一次：把一个排列"
                                "（rng.permutation(n)）切成小批量，而不是每次随机抽取一个批量。",
    "last_batch_dropped": "保留最后那个较小的批量：n = 23、batch_size 为 5 时，各批量有 5、5、5、"
                          "5 和 3 个样本（range(0, n, batch_size)）。",
    "not_shuffled": "要打乱顺序：用 rng.permutation(n) 抽取顺序，而不是 range(n)。",
    "same_order_every_epoch": "每个轮次都要抽取一个新的排列，而且要用传给你的 rng（而不是用固定种"
                              "子重新创建的生成器）。",
    "validation_used_for_training": "只在训练部分上训练：验证样本必须保持没见过，这样它们的损失才"
                                    "能说明网络在新数据上的表现。",
    "validation_from_test_set": "早停必须使用验证集，绝不能用测试集：测试集只用于最终评分，用它来"
                                "选择轮次会使这个分数偏乐观。",
    "patience_off_by_one": "当验证损失连续 `patience` 个轮次没有改善时停止：统计自最佳轮次以来的轮"
                           "次数，当这个数达到 patience 时停止。",
    "never_stops": "要提前停止：当验证损失 `patience` 个轮次没有改善时，跳出轮次循环。",
    "best_epoch_from_zero": "轮次从 1 开始计数（第一个轮次是第 1 轮），与 history['best_epoch'] 和"
                            "图中一致。",
    "restored_last_weights": "验证损失改善时保存一份最佳权重的副本（{key: W.copy() ...}），并在最"
                             "后把它放回去：没有 .copy() 的话，“最佳”数组就是仍在使用、不断变化的"
                             "那些数组。",
    "weights_replaced_not_in_place": "原地恢复权重（network.params[key][...] = best[key]）："
                                     "params 中的新数组并不是网络各层使用的那个数组。",
}

SPLIT_POINTS = 1
MINIBATCH_POINTS = 2
TRAIN_POINTS = 3


# ------------------------------------------------------------------------ the split
def check_split_validation(student, *, hidden=False):
    """Check split_validation(x, t, fraction, rng) -> ((x_train, t_train), (x_val, t_val))."""
    _check_callable("split_validation", student)
    cases = [(40, 0.25), (7, 0.3), (2, 0.5)] if hidden else [(50, 0.2), (9, 0.3), (2, 0.5)]
    for number, (n, fraction) in enumerate(cases):
        x, t = _identified_samples(n, seed=(70 if hidden else 7) + number)
        rng = np.random.default_rng(number)
        answer, failed = call_student("split_validation", student, x.copy(), t.copy(),
                                      fraction, rng)
        lines, mistake = failed or [], None
        if not failed:
            lines, mistake = _split_differences(answer, x, t, fraction)
        if lines:
            label = f"with N={n}, fraction={fraction}"
            return report(CheckResult("split_validation", 0, SPLIT_POINTS, mistake=mistake,
                                      hint=pick_hint(mistake, HINTS, HINTS_ZH),
                                      details=[f"{label}: {line}" for line in lines]))
    return report(CheckResult("split_validation", SPLIT_POINTS, SPLIT_POINTS))


def _identified_samples(n, seed):
    """x: (n, 3) whose column 0 is the sample's id (0..n-1); t: (n,), one label per id."""
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.arange(n, dtype=np.float64), rng.normal(size=(n, 2))])
    return x, rng.integers(0, 10, size=n)


def _split_differences(answer, x, t, fraction):
    """Lines saying what is wrong with a split, and the mistake it matches."""
    try:
        (x_train, t_train), (x_val, t_val) = answer
        x_train, x_val = np.asarray(x_train), np.asarray(x_val)
        t_train, t_val = np.asarray(t_train), np.asarray(t_val)
        ids_train = x_train[:, 0].astype(int)
        ids_val = x_val[:, 0].astype(int)
    except (TypeError, ValueError, IndexError):
        return ["split_validation must return ((x_train, t_train), (x_val, t_val)), "
                "each x of shape (n, D)"], None
    n = x.shape[0]
    n_val = int(round(fraction * n))
    if (len(ids_val), len(ids_train)) == (n - n_val, n_val) and n_val != n - n_val:
        return [f"{len(ids_val)} validation samples, expected {n_val}"], "fraction_swapped"
    shared = np.intersect1d(ids_train, ids_val)
    if shared.size or np.unique(ids_val).size < len(ids_val) or \
            np.unique(ids_train).size < len(ids_train):
        detail = f"sample {shared[0]} is in both parts" if shared.size else \
            "a sample appears twice"
        return [detail + ": every sample must be in exactly one part"], \
            "validation_overlaps_training"
    if len(ids_val) != n_val or len(ids_train) != n - n_val:
        return [f"{len(ids_val)} validation and {len(ids_train)} training samples, expected "
                f"{n_val} and {n - n_val} (n_val = round(fraction * N))"], None
    for ids, rows, labels in ((ids_train, x_train, t_train), (ids_val, x_val, t_val)):
        if not np.array_equal(rows, x[ids]):
            return ["the rows of x were changed"], None
        if labels.shape != (len(ids),) or not np.array_equal(labels, t[ids]):
            return ["the labels do not belong to their samples"], "labels_misaligned"
    ordered = [np.arange(n_val), np.arange(n - n_val, n)]
    if n >= 9 and any(np.array_equal(ids_val, run) for run in ordered):
        return [f"the validation samples are rows {ids_val[0]}..{ids_val[-1]} in order"], \
            "validation_not_shuffled"
    return [], None


# --------------------------------------------------------------------- minibatches
def check_minibatches(student, *, hidden=False):
    """Check minibatches(n, batch_size, rng) -> list of index arrays, one epoch.

    Every index in range(n) exactly once, in batch_size pieces with a smaller last
    one, in a random order that changes from one call (epoch) to the next.
    """
    _check_callable("minibatches", student)
    cases = [(29, 4), (1, 3), (16, 8)] if hidden else [(23, 5), (1, 4), (12, 4)]
    for n, batch_size in cases:
        rng = np.random.default_rng(n)
        epochs = []
        for _ in range(2):
            batches, failed = call_student("minibatches", student, n, batch_size, rng)
            if failed:
                return report(CheckResult("minibatches", 0, MINIBATCH_POINTS, details=failed))
            epochs.append(batches)
        lines, mistake = _minibatch_differences(epochs, n, batch_size)
        if lines:
            label = f"with n={n}, batch_size={batch_size}"
            return report(CheckResult("minibatches", 0, MINIBATCH_POINTS, mistake=mistake,
                                      hint=pick_hint(mistake, HINTS, HINTS_ZH),
                                      details=[f"{label}: {line}" for line in lines]))
    return report(CheckResult("minibatches", MINIBATCH_POINTS, MINIBATCH_POINTS))


def _minibatch_differences(epochs, n, batch_size):
    """What is wrong with two epochs of batches (two calls), and the mistake it matches."""
    orders = []
    for batches in epochs:
        try:
            batches = [np.asarray(batch).ravel() for batch in batches]
        except TypeError:
            return ["minibatches must return a list of index arrays"], None
        if not batches or any(batch.dtype.kind not in "iu" for batch in batches):
            return ["minibatches must return a non-empty list of integer index arrays"], None
        lines, mistake = _epoch_differences(batches, n, batch_size)
        if lines:
            return lines, mistake
        orders.append(np.concatenate(batches))
    if n >= 5 and np.array_equal(orders[0], np.arange(n)):
        return ["the batches are in the order 0, 1, 2, ...: not shuffled"], "not_shuffled"
    if n >= 5 and np.array_equal(orders[0], orders[1]):
        return ["two calls (two epochs) gave the same order"], "same_order_every_epoch"
    return [], None


def _epoch_differences(batches, n, batch_size):
    """One epoch: every index once, batches of batch_size and a smaller last one."""
    order = np.concatenate(batches)
    sizes = [batch.size for batch in batches]
    if np.unique(order).size < order.size:
        return [f"an index appears {np.bincount(order).max()} times in one epoch"], \
            "batches_with_replacement"
    if order.size < n and order.size == n - n % batch_size:
        return [f"the batches hold {order.size} of the {n} samples: the last "
                f"{n % batch_size} are missing"], "last_batch_dropped"
    if not np.array_equal(np.sort(order), np.arange(n)):
        return [f"the batches hold {order.size} indices, expected each of 0..{n - 1} once"], None
    expected = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    if sizes != expected:
        return [f"batch sizes {sizes}, expected {expected}"], None
    return [], None


# ------------------------------------------------------------------------ training
class ScriptedNetwork:
    """A stand-in network whose validation and test losses follow fixed curves.

    params['W'] counts what training did: [updates, samples seen, sum of their ids]
    (its gradient is minus that, so SGD with lr = 1 adds it). The loss of a set is its
    curve at the number of epochs trained so far, samples seen / training samples.
    Every batch and every evaluation is recorded.
    """

    def __init__(self, train_ids, val_ids, test_ids, val_curve, test_curve):
        self.params = {"W": np.zeros(3)}
        self.sets = {"train": set(train_ids), "val": set(val_ids), "test": set(test_ids)}
        self.n_train = len(train_ids)
        self.curves = {"val": val_curve, "test": test_curve,
                       "train": [1 / (1 + epoch) for epoch in range(len(val_curve) + 1)]}
        self.events = []     # ("batch", ids) and ("eval", set name, W copy)

    def which(self, x):
        ids = set(np.asarray(x)[:, 0].astype(int).tolist())
        for name, members in self.sets.items():
            if ids <= members:
                return name
        raise ValueError("the scripted network was given a mix of training, validation "
                         "and test samples")

    def loss(self, x, t):
        name = self.which(x)
        self.events.append(("eval", name, self.params["W"].copy()))
        curve = self.curves[name]
        return float(np.interp(self.params["W"][1] / self.n_train, np.arange(len(curve)),
                               curve))

    def accuracy(self, x, t):
        return 1.0 - self.loss(x, t) / 2

    def gradient(self, x, t):
        ids = np.asarray(x)[:, 0].astype(int)
        self.events.append(("batch", ids))
        return {"W": -np.array([1.0, ids.size, ids.sum()])}

    def predict(self, x):
        raise TypeError("the check's network has no predictions: use network.loss(x, t) and "
                        "network.accuracy(x, t)")


def _train_case(hidden):
    """Sizes, curves and settings; the curves make each stopping mistake stop elsewhere."""
    if hidden:
        sizes, batch_size, patience, epochs = (17, 5, 6), 4, 3, 12
        val = [1.2, 1.0, 0.8, 0.75, 0.76, 0.77, 0.7, 0.72, 0.73, 0.74, 0.75, 0.76, 0.77]
        test = [1.1, 0.9, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1]
    else:
        sizes, batch_size, patience, epochs = (23, 6, 8), 5, 2, 12
        val = [1.0, 0.9, 0.7, 0.6, 0.62, 0.55, 0.58, 0.59, 0.57, 0.6, 0.61, 0.62, 0.63]
        test = [1.0, 0.8, 0.5, 0.52, 0.56, 0.6, 0.64, 0.68, 0.72, 0.76, 0.8, 0.84, 0.88]
    return sizes, batch_size, patience, epochs, val, test   # curves start at epoch 0


def reference_stopping(val_losses, patience, epochs):
    """(epochs run, best epoch) by the rule of nnnumpy.trainer.Trainer.fit, epochs from 1."""
    best, best_epoch, waited = np.inf, None, 0
    for epoch in range(1, epochs + 1):
        if val_losses[epoch] < best:
            best, best_epoch, waited = val_losses[epoch], epoch, 0
        else:
            waited += 1
            if waited >= patience:
                return epoch, best_epoch
    return epochs, best_epoch


def check_train(student, *, hidden=False):
    """Check train(network, optimizer, train_data, val_data, test_data, *, epochs,
    batch_size, patience, rng) -> history, on a scripted network.

    history: a dict with 'val_loss' (one value per epoch run) and 'best_epoch' (from 1).
    One point for the epochs (every training sample once per epoch, reshuffled), one for
    early stopping (where it stops, on the validation loss), one for the restored weights.
    """
    _check_callable("train", student)
    sizes, batch_size, patience, epochs, val_curve, test_curve = _train_case(hidden)
    ids = np.arange(sum(sizes))
    train_ids, val_ids, test_ids = np.split(ids, np.cumsum(sizes)[:2])
    x, t = _identified_samples(ids.size, seed=71 if hidden else 17)
    network = ScriptedNetwork(train_ids, val_ids, test_ids, val_curve, test_curve)
    weights = network.params["W"]
    history, failed = call_student(
        "train", student, network, SGD(lr=1.0), (x[train_ids], t[train_ids]),
        (x[val_ids], t[val_ids]), (x[test_ids], t[test_ids]), epochs=epochs,
        batch_size=batch_size, patience=patience, rng=np.random.default_rng(3))
    if failed:
        return report(CheckResult("train", 0, TRAIN_POINTS, details=failed))
    epoch_lines, epoch_mistake = _train_epoch_differences(network.events, train_ids, val_ids,
                                                          batch_size)
    stop_lines, stop_mistake = _stopping_differences(history, val_curve, test_curve, patience,
                                                     epochs, network.events)
    restore_lines, restore_mistake = _restore_differences(network, weights)
    points = int(not epoch_lines) + int(not stop_lines) + int(not restore_lines)
    mistake = epoch_mistake or stop_mistake or restore_mistake
    return report(CheckResult("train", points, TRAIN_POINTS, mistake=mistake,
                              hint=pick_hint(mistake, HINTS, HINTS_ZH),
                              details=epoch_lines + stop_lines + restore_lines))


def _epochs_of(events):
    """The batches of each epoch: those between two evaluations."""
    epochs, current = [], []
    for event in events:
        if event[0] == "batch":
            current.append(event[1])
        elif event[1] != "train" and current:    # a batch's own loss is not an epoch's end
            epochs.append(current)
            current = []
    return epochs + ([current] if current else [])


def _train_epoch_differences(events, train_ids, val_ids, batch_size):
    epochs = _epochs_of(events)
    if not epochs:
        return ["train never called network.gradient"], None
    seen = np.concatenate([batch for epoch in epochs for batch in epoch])
    if np.isin(seen, val_ids).any():
        return ["the network was trained on validation samples"], "validation_used_for_training"
    orders = []
    for number, batches in enumerate(epochs, start=1):
        relabelled = [np.searchsorted(train_ids, batch) for batch in batches]
        lines, mistake = _epoch_differences(relabelled, train_ids.size, batch_size)
        if lines:
            return [f"epoch {number}: {line}" for line in lines], mistake
        orders.append(np.concatenate(batches))
    if len(orders) > 1 and all(np.array_equal(order, orders[0]) for order in orders[1:]):
        return ["every epoch used the same order"], "same_order_every_epoch"
    return [], None


def _stopping_differences(history, val_curve, test_curve, patience, epochs, events):
    if not isinstance(history, dict) or "val_loss" not in history or "best_epoch" not in history:
        return ["train must return a history dict with 'val_loss' and 'best_epoch'"], None
    try:
        losses = [float(value) for value in history["val_loss"]]
        best_epoch = int(history["best_epoch"])
    except (TypeError, ValueError):
        return ["history['val_loss'] must be a list of numbers, history['best_epoch'] an "
                "int"], None
    expected_run, expected_best = reference_stopping(val_curve, patience, epochs)
    run = len(losses)
    evaluated = {event[1] for event in events if event[0] == "eval"}
    found = [f"stopped after {run} epochs with best_epoch {best_epoch}, expected "
             f"{expected_run} epochs and best_epoch {expected_best} "
             f"(patience {patience})"]
    if "val" not in evaluated and "test" in evaluated or \
            (run, best_epoch) == reference_stopping(test_curve, patience, epochs) or \
            _same(losses, test_curve[1:run + 1]):
        return found, "validation_from_test_set"
    if (run, best_epoch + 1) == (expected_run, expected_best):
        return found, "best_epoch_from_zero"
    if (run, best_epoch) == (expected_run, expected_best):
        if not _same(losses, val_curve[1:run + 1]):
            return ["history['val_loss'] is not the validation loss after each epoch: "
                    f"got {np.round(losses, 3).tolist()}, expected "
                    f"{val_curve[1:run + 1]}"], None
        return [], None
    if run == epochs:
        return found, "never_stops"
    off_by_one = [reference_stopping(val_curve, patience + step, epochs) for step in (-1, 1)]
    if (run, best_epoch) in off_by_one:
        return found, "patience_off_by_one"
    return found, None


def _same(values, curve):
    return len(values) == len(curve) and bool(np.allclose(values, curve))


def _restore_differences(network, weights):
    """The weights after train: the very same array, holding the best epoch's values."""
    snapshots = []   # (val loss, W) at each epoch's validation
    for event in network.events:
        if event[0] == "eval" and event[1] == "val":
            curve = network.curves["val"]
            loss = np.interp(event[2][1] / network.n_train, np.arange(len(curve)), curve)
            snapshots.append((loss, event[2]))
    if not snapshots:
        return ["the validation loss was never computed (network.loss(x_val, t_val))"], None
    if network.params.get("W") is not weights:
        return ["params['W'] is a new array after train"], "weights_replaced_not_in_place"
    best = min(snapshots, key=lambda snapshot: snapshot[0])[1]   # the first of equal ones
    got = weights
    if np.array_equal(got, best):
        return [], None
    epochs = f"epoch {got[1] / network.n_train:g} instead of {best[1] / network.n_train:g}"
    if np.array_equal(got, snapshots[-1][1]):
        return [f"the weights after train are those of {epochs}, the last one"], \
            "restored_last_weights"
    return [f"the weights after train are those of {epochs}"], None


def _check_callable(name, student):
    if not callable(student):
        raise TypeError(f"{name} must be a function, got {type(student).__name__}")
