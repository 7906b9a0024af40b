"""The training loop: epochs of shuffled mini-batches, evaluation, history.

An epoch is one pass over a fresh permutation of the training set: every sample
once, the last batch possibly smaller. After each epoch the network is evaluated,
in batches and counting every sample, on the test set, on a fixed sample of the
training set and, when asked, on a validation split. The history is a plain dict
of lists of Python floats, ready to plot or to save as JSON.
"""

import math
import time

import numpy as np
from tqdm import tqdm  # text bars: in a notebook without ipywidgets, tqdm.auto warns

from .backend import get_array_module, to_numpy
from .checks import check_finite, check_labels, check_real_data, is_finite_number
from .functions import softmax_cross_entropy
from .interrupt import StopOnInterrupt
from .optimizers import make_optimizer

GRADIENT_METHODS = ("backprop", "numerical")


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite: the learning rate is usually too large."""

    @classmethod
    def at(cls, value, iteration, epoch, lr, network):
        """The error for a loss ``value`` (NaN or inf) at ``iteration``, saying why.

        At iteration 1 no update has happened yet, so the cause is the initial network
        (its weights or its penalty) or the data, never the learning rate. Later, a plain
        gradient step also multiplies the weights by 1 - lr * lambda: with lr * lambda
        above 1 the weight decay alone makes them grow in sign-flipping steps.
        """
        where = f"the loss became {value} at iteration {iteration} (epoch {epoch})"
        decay = getattr(network, "weight_decay_lambda", 0.0)
        if iteration == 1:
            penalty = f", the weight decay ({decay:g})" if decay else ""
            return cls(f"{where}, on the first batch, before any update: the learning rate "
                       f"is not the cause. The untrained network's loss is already not "
                       f"finite: the initial weights (weight_init_std: 'he', 'xavier' or "
                       f"about 0.01 are usual){penalty} or the inputs (best scaled to about "
                       f"[0, 1]) are too large; try smaller ones")
        if lr is not None and decay and lr * decay > 1:
            return cls(f"{where}; the learning rate {lr} times the weight decay {decay:g} is "
                       f"{lr * decay:g}, and each step multiplies the weights by "
                       f"1 - lr * lambda: make the weight decay or the learning rate smaller, "
                       f"so that their product is well below 1")
        return cls(f"{where}; the learning rate {lr} is probably too large: try a smaller "
                   "one (for example ten times smaller)")


class Trainer:
    """Train ``network`` by mini-batch gradient descent and record what happens.

    Parameters
    ----------
    network : a network with ``params``, ``predict(x)`` (test mode), ``loss(x, t)`` and
        ``gradient(x, t)`` (TwoLayerNet, MultiLayerNet, or one written the textbook's
        way; ``numerical_gradient(x, t)`` too for ``gradient="numerical"``).
    x_train : (N, D) or (N, 1, 28, 28); t_train : (N,) class indices or (N, C) one-hot.
    x_test, t_test : the same for the test set, evaluated after every epoch.
    optimizer : an optimizer object, or its name ("sgd", "adam", ...).
    optimizer_params : dict of hyper-parameters when ``optimizer`` is a name.
    epochs, batch_size : int.
    seed : int or None; the same seed, backend and dtype give the same history.
    gradient : "backprop" or "numerical" (central differences: very slow).
    lr_schedule : None, or a callable ``(lr0, epoch) -> lr`` such as ``StepDecay``.
    validation_split : fraction of the training set held out for validation.
    patience : with a validation split, stop after this many epochs without a better
        validation loss and restore the best parameters (early stopping).
    augment : None, or a callable ``x_batch -> x_batch`` applied to every training batch
        (not to evaluation), such as ``nnnumpy.augment.RandomShift(2)``.
    on_epoch : None, or a callable ``history -> None`` called after every epoch's
        evaluation (to update a progress bar or a plot).
    train_eval_size : size of the fixed training sample evaluated each epoch (None: all).
    eval_batch_size : batch size of evaluation (larger is faster, uses more memory).
    sync_every : iterations between looks at the loss (the bar, the NaN check).
    verbose : show a progress bar per epoch and print a line per epoch.
    """

    def __init__(self, network, x_train, t_train, x_test, t_test, optimizer="sgd",
                 optimizer_params=None, epochs=10, batch_size=100, seed=None,
                 gradient="backprop", lr_schedule=None, validation_split=0.0, patience=None,
                 augment=None, on_epoch=None, train_eval_size=10000, eval_batch_size=2000,
                 sync_every=20, verbose=True):
        self.network = network
        check_data("x_train", "t_train", x_train, t_train, network)
        check_data("x_test", "t_test", x_test, t_test, network)
        self.num_classes = getattr(network, "output_size", None) \
            or count_classes(network, x_test[:1])
        check_labels("t_train", t_train, self.num_classes)
        check_labels("t_test", t_test, self.num_classes)
        self.epochs = check_count("epochs", epochs)
        self.batch_size = check_count("batch_size", batch_size)
        self.eval_batch_size = check_count("eval_batch_size", eval_batch_size)
        self.sync_every = check_count("sync_every", sync_every)
        if gradient not in GRADIENT_METHODS:
            raise ValueError(f"gradient must be one of {GRADIENT_METHODS}, got {gradient!r}")
        self.gradient = gradient
        if not (is_finite_number(validation_split) and 0 <= validation_split < 1):
            raise ValueError(f"validation_split must be in [0, 1), got {validation_split!r}")
        if patience is not None:
            patience = check_count("patience", patience)
            if validation_split == 0:
                raise ValueError("patience (early stopping) needs a validation_split > 0")
        self.patience = patience
        if train_eval_size is not None:
            train_eval_size = check_count("train_eval_size", train_eval_size,
                                          "None (all) or a positive integer")
        if lr_schedule is not None and not callable(lr_schedule):
            raise TypeError("lr_schedule must be None or a callable (lr0, epoch) -> lr, "
                            f"got {type(lr_schedule).__name__}")
        self.lr_schedule = lr_schedule
        if augment is not None and not callable(augment):
            raise TypeError("augment must be None or a callable x_batch -> x_batch, "
                            f"got {type(augment).__name__}")
        self.augment = augment
        if on_epoch is not None and not callable(on_epoch):
            raise TypeError("on_epoch must be None or a callable history -> None, "
                            f"got {type(on_epoch).__name__}")
        self.on_epoch = on_epoch
        if not isinstance(optimizer, str) and not callable(getattr(optimizer, "update", None)):
            raise TypeError("optimizer must be a name ('sgd', 'adam', ...) or an object with "
                            f"update(params, grads), got {type(optimizer).__name__}")
        self.optimizer = (make_optimizer(optimizer, **(optimizer_params or {}))
                          if isinstance(optimizer, str) else optimizer)
        self.verbose = verbose
        self.rng = np.random.default_rng(seed)

        dtype = network.params["W1"].dtype
        xp = get_array_module(network.params["W1"])
        self.x_train, self.t_train = as_network_data(xp, x_train, t_train, dtype)
        self.x_test, self.t_test = as_network_data(xp, x_test, t_test, dtype)

        order = self.rng.permutation(x_train.shape[0])
        n_val = int(round(validation_split * x_train.shape[0]))
        if validation_split and not 0 < n_val < x_train.shape[0]:
            raise ValueError(f"validation_split={validation_split} leaves no samples to "
                             f"train or to validate on out of {x_train.shape[0]}")
        # Index arrays are drawn on the host (the same seed gives the same batches on
        # every backend) and live where the data lives.
        self.train_indices = np.sort(order[n_val:])
        self.val_indices = xp.asarray(np.sort(order[:n_val])) if n_val else None
        if train_eval_size is None or train_eval_size >= self.train_indices.size:
            train_eval = None if n_val == 0 else self.train_indices
        else:
            sample = self.rng.choice(self.train_indices.size, train_eval_size, replace=False)
            train_eval = np.sort(self.train_indices[sample])
        self.train_eval_indices = None if train_eval is None else xp.asarray(train_eval)

        self.history = {"loss": [], "train_loss": [], "train_acc": [], "test_loss": [],
                        "test_acc": [], "epoch_time": [], "lr": []}
        if n_val:
            self.history.update({"val_loss": [], "val_acc": []})
        self.best_epoch = None
        self.interrupted = False
        self.stop_requested = False     # set by the first Ctrl-C (see nnnumpy.interrupt)
        self.interrupt_at_once = False  # True while a Ctrl-C may cut a step short
        self.not_learning = None        # why test accuracy stays at chance, once it does

    # ---------------------------------------------------------------- training
    def fit(self):
        """Train for ``epochs`` epochs (fewer on early stopping or Ctrl-C); return the history.

        Ctrl-C stops after the current batch (with numerical gradients, at once;
        a second Ctrl-C always stops at once).
        Raises TrainingDiverged when the loss becomes NaN or infinite.
        """
        base_lr = getattr(self.optimizer, "lr", None)
        best_val_loss, best_state, waited = math.inf, None, 0
        with StopOnInterrupt(self), np.errstate(over="ignore", invalid="ignore"):
            for epoch in range(self.epochs):
                if self.lr_schedule is not None:
                    self.optimizer.lr = self.lr_schedule(base_lr, epoch)
                start = time.perf_counter()
                self.train_epoch(epoch)
                seconds = time.perf_counter() - start
                self.record_epoch(epoch, seconds)
                self.check_learning(epoch)
                if self.on_epoch is not None:
                    self.on_epoch(self.history)
                if self.stop_requested:
                    self.interrupted = True
                    self.say(f"interrupted: stopped after {len(self.history['loss'])} "
                             "iterations; returning the history so far")
                    break
                if self.patience is not None:
                    val_loss = self.history["val_loss"][-1]
                    if val_loss < best_val_loss:
                        best_val_loss, waited, self.best_epoch = val_loss, 0, epoch + 1
                        best_state = {k: v.copy() for k, v in self.network_state().items()}
                    else:
                        waited += 1
                        if waited >= self.patience:
                            self.say(f"early stopping: no better validation loss for "
                                     f"{waited} epochs; keeping epoch {self.best_epoch}")
                            break
        if best_state is not None:
            state = self.network_state()
            for key, value in best_state.items():
                state[key][...] = value  # in place: the layers share these arrays
        return self.history

    def network_state(self):
        """What makes the network what it is: its params and any buffers (running averages)."""
        return {**self.network.params, **getattr(self.network, "buffers", {})}

    def train_epoch(self, epoch):
        """One pass over a fresh permutation of the training samples."""
        xp = get_array_module(self.x_train)
        order = xp.asarray(self.train_indices[self.rng.permutation(self.train_indices.size)])
        n_batches = math.ceil(order.size / self.batch_size)
        sync_every = 1 if self.gradient == "numerical" else self.sync_every
        losses = []
        with tqdm(total=n_batches, desc=f"epoch {epoch + 1}/{self.epochs}", unit="batch",
                  leave=False, disable=not self.verbose) as bar:
            for i in range(n_batches):
                batch = order[i * self.batch_size:(i + 1) * self.batch_size]
                x_batch = self.x_train[batch]
                if self.augment is not None:
                    x_batch = self.augment(x_batch)
                loss = self.step(x_batch, self.t_train[batch])
                if loss is not None:
                    losses.append(loss)
                    bar.update(1)
                last = i + 1 == n_batches or self.stop_requested
                if losses and ((i + 1) % sync_every == 0 or last):
                    self.sync_losses(losses, epoch, bar)
                    losses = []
                if self.stop_requested:
                    break

    def step(self, x, t):
        """One update of the parameters from the batch (x, t); returns the batch loss.

        Returns None, updating nothing, when Ctrl-C cuts a numerical gradient short.
        """
        if self.gradient == "backprop":
            loss, grads = self.loss_and_gradient(x, t)
        else:
            grads = self.interruptible_numerical_gradient(x, t)
            if grads is None:
                return None
            loss = self.network.loss(x, t)
        self.optimizer.update(self.network.params, grads)
        return loss

    def loss_and_gradient(self, x, t):
        """The batch's loss and gradients: nnnumpy's networks compute both from one forward
        pass; a network written the textbook's way has ``gradient(x, t)`` and ``loss(x, t)``."""
        if hasattr(self.network, "loss_and_gradient"):
            return self.network.loss_and_gradient(x, t)
        grads = self.network.gradient(x, t)
        return self.network.loss(x, t), grads

    def interruptible_numerical_gradient(self, x, t):
        """``network.numerical_gradient(x, t)``, or None if Ctrl-C comes meanwhile.

        It takes minutes per batch on a real network, too long to wait for after a
        Ctrl-C; the network is untouched when it is cut short (the differences are taken
        on a copy of it).
        """
        self.interrupt_at_once = True
        try:
            return self.network.numerical_gradient(x, t)
        except KeyboardInterrupt:
            if self.stop_requested:
                return None
            raise
        finally:
            self.interrupt_at_once = False

    def sync_losses(self, losses, epoch, bar):
        """Bring the latest batch losses to the host, check them, show the last one."""
        xp = get_array_module(losses[0])
        values = np.atleast_1d(to_numpy(xp.stack([xp.asarray(loss) for loss in losses])))
        first_iteration = len(self.history["loss"]) + 1
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            lr = getattr(self.optimizer, "lr", None)
            raise TrainingDiverged.at(values[bad[0]], first_iteration + bad[0], epoch + 1, lr,
                                      self.network)
        self.history["loss"].extend(float(v) for v in values)
        bar.set_postfix(loss=f"{values[-1]:.4f}", refresh=False)

    # -------------------------------------------------------------- evaluation
    def evaluate(self, x, t, indices=None):
        """Mean loss and accuracy over every sample of (x, t) (or of x[indices]), in batches.

        The loss is the data loss (softmax cross-entropy), without regularisation terms.
        """
        xp = get_array_module(x)
        n = x.shape[0] if indices is None else indices.size
        loss_sum, correct = 0.0, 0
        for start in range(0, n, self.eval_batch_size):
            part = slice(start, start + self.eval_batch_size)
            rows = part if indices is None else indices[part]
            x_batch, t_batch = x[rows], t[rows]
            scores = self.network.predict(x_batch)   # every network predicts in test mode
            labels = t_batch.argmax(axis=1) if t_batch.ndim == 2 else t_batch
            loss_sum += to_numpy(softmax_cross_entropy(scores, t_batch)) * x_batch.shape[0]
            correct += int(to_numpy(xp.count_nonzero(scores.argmax(axis=1) == labels)))
        return loss_sum / n, correct / n

    def record_epoch(self, epoch, seconds):
        """Evaluate after an epoch, append to the history and print the epoch's line."""
        history = self.history
        history["epoch_time"].append(seconds)
        history["lr"].append(float(getattr(self.optimizer, "lr", math.nan)))
        train = self.evaluate(self.x_train, self.t_train, self.train_eval_indices)
        test = self.evaluate(self.x_test, self.t_test)
        history["train_loss"].append(train[0])
        history["train_acc"].append(train[1])
        history["test_loss"].append(test[0])
        history["test_acc"].append(test[1])
        line = (f"epoch {epoch + 1:>3}/{self.epochs}  train loss {train[0]:.4f}  "
                f"train acc {train[1]:.4f}  test acc {test[1]:.4f}")
        if self.val_indices is not None:
            val = self.evaluate(self.x_train, self.t_train, self.val_indices)
            history["val_loss"].append(val[0])
            history["val_acc"].append(val[1])
            line += f"  val acc {val[1]:.4f}"
        self.say(f"{line}  {seconds:.1f} s")

    def check_learning(self, epoch):
        """After two epochs (or one, if that is all) at chance accuracy, say why, once.

        Chance is 1/C for C classes; "at chance" is test accuracy below 1.5/C.
        The message stays in ``self.not_learning`` for the caller.
        """
        accuracy = self.history["test_acc"][-1]
        enough = epoch >= 1 or self.epochs == 1
        if self.not_learning or self.stop_requested or not enough \
                or accuracy >= 1.5 / self.num_classes:
            return
        losses = self.history["loss"]
        first, start, end = losses[0], float(np.mean(losses[:10])), float(np.mean(losses[-10:]))
        guessing = math.log(self.num_classes)   # the loss of equal scores for every class
        lr = self.history["lr"][0]   # where it started, before any schedule
        few_iterations = 20   # below this, the first ten losses and the last ten overlap
        stuck = (f"the training loss is {end:.3g}, no better than guessing (ln "
                 f"{self.num_classes} = {guessing:.3g})")
        if end <= 0.8 * guessing:
            cause = (f"the training loss fell to {end:.3g} but the test accuracy did not: "
                     "check that the test labels belong to the test images")
        elif max(losses) > 1.5 * first:   # it rose well above where it started: overshoot
            cause = (f"{stuck}, after rising from {first:.3g} to {max(losses):.3g}: the "
                     f"learning rate ({lr:.4g} at the start) is far too large: the weights "
                     "overshoot and the ReLU units die. Try one ten times smaller")
        elif len(losses) < few_iterations:
            cause = (f"{stuck}, after only {len(losses)} iteration(s): too few steps to "
                     "learn anything, or to tell why not; train on more samples or for more "
                     "epochs")
        elif abs(end - start) < 0.05 * start:   # it hardly moved: the steps are tiny
            cause = (f"{stuck}, and it hardly moved in {len(losses)} iterations (from "
                     f"{start:.4g} to {end:.4g}): the steps are too small. The learning rate "
                     f"({lr:.4g} at the start) is probably far too small (or the initial "
                     "weights are so small that the gradients vanish); try one ten or a "
                     "hundred times larger")
        else:
            cause = (f"{stuck}. The learning rate ({lr:.4g} at the start) may be far too "
                     "large (the weights overshoot and the ReLU units die: try one ten "
                     "times smaller) or, if the loss then falls too slowly, the learning "
                     "rate or the initial weights are too small")
        self.not_learning = (f"test accuracy {accuracy:.4f} after {epoch + 1} epoch(s) is "
                             f"chance level (1/{self.num_classes}): the network is not "
                             f"learning; {cause}")
        self.say(f"warning: {self.not_learning}")

    def say(self, message):
        if self.verbose:
            tqdm.write(message)


def check_count(name, value, expected="a positive integer"):
    """A count: an integer >= 1, Python's or NumPy's (not a bool); returns it as an int."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    return int(value)


def check_data(x_name, t_name, x, t, network):
    """x: (N, D) or (N, ...) of finite real numbers, as the network takes them; t: (N,) or
    (N, C). Looks at shapes and dtypes, and at x's min and max: nothing is copied."""
    if not hasattr(x, "shape") or x.ndim < 2 or x.shape[0] == 0:
        raise ValueError(f"{x_name} must be an array (N, D) with N > 0, "
                         f"got {getattr(x, 'shape', type(x).__name__)}")
    if not hasattr(t, "shape") or t.ndim not in (1, 2) or t.shape[0] != x.shape[0]:
        raise ValueError(f"{t_name} must have {x.shape[0]} labels to match {x_name}, "
                         f"got shape {getattr(t, 'shape', type(t).__name__)}")
    check_real_data(x_name, x)
    if hasattr(network, "check_shapes"):
        try:
            network.check_shapes(x, t)
        except ValueError as error:
            raise ValueError(f"{x_name}/{t_name}: {error}") from None
    check_finite(x_name, x)


def count_classes(network, x):
    """The number of classes a network without ``output_size`` scores: one prediction,
    made where the network's parameters live (the caller's x may be on the host)."""
    W1 = network.params["W1"]
    x = get_array_module(W1).asarray(x).astype(W1.dtype, copy=False)
    return int(np.shape(network.predict(x))[-1])


def as_network_data(xp, x, t, dtype):
    """Move (x, t) to the network's device: x as its dtype, t as int64 indices or one-hot dtype."""
    x = xp.asarray(x)
    x = x if x.dtype == dtype else x.astype(dtype)
    t = xp.asarray(t)
    t = t.astype(np.int64, copy=False) if t.ndim == 1 else t.astype(dtype, copy=False)
    return x, t
