"""Assignment 07 (training loop, validation split, early stopping): the checks pass right
answers, name the typical mistakes of wrong ones, and the notebook's solutions earn every
point."""

from pathlib import Path

import numpy as np
import pytest

from nnnumpy.homework import hw07_training_loop as hw

from .conftest import mnist_dir, run_notebook

NOTEBOOK = Path(__file__).resolve().parents[1] / "homework" / "07_training_loop.ipynb"


# ----------------------------------------------------------------- the split
def split_validation(x, t, fraction, rng):
    n_val = int(round(fraction * x.shape[0]))
    order = rng.permutation(x.shape[0])
    val, train = order[:n_val], order[n_val:]
    return (x[train], t[train]), (x[val], t[val])


def split_overlapping(x, t, fraction, rng):
    n_val = int(round(fraction * x.shape[0]))
    val = rng.choice(x.shape[0], n_val, replace=False)
    return (x, t), (x[val], t[val])


def split_last_rows(x, t, fraction, rng):
    n_val = int(round(fraction * x.shape[0]))
    cut = x.shape[0] - n_val
    return (x[:cut], t[:cut]), (x[cut:], t[cut:])


def split_misaligned(x, t, fraction, rng):
    n_val = int(round(fraction * x.shape[0]))
    order, labels = rng.permutation(x.shape[0]), rng.permutation(x.shape[0])
    return (x[order[n_val:]], t[labels[n_val:]]), (x[order[:n_val]], t[labels[:n_val]])


def split_swapped(x, t, fraction, rng):
    (x_train, t_train), (x_val, t_val) = split_validation(x, t, fraction, rng)
    return (x_val, t_val), (x_train, t_train)


# ----------------------------------------------------------------- mini-batches
def minibatches(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]


def minibatches_with_replacement(n, batch_size, rng):
    return [rng.integers(0, n, size=min(batch_size, n - start))
            for start in range(0, n, batch_size)]


def minibatches_drop_last(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[i * batch_size:(i + 1) * batch_size] for i in range(max(1, n // batch_size))]


def minibatches_fixed_seed(n, batch_size, rng):
    order = np.random.default_rng(0).permutation(n)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]


def minibatches_in_order(n, batch_size, rng):
    order = np.arange(n)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]


def minibatches_stub(n, batch_size, rng):
    raise NotImplementedError()


# ----------------------------------------------------------------- training
def make_train(batches=minibatches, stop_on="val", stop_when=lambda waited, patience:
               waited >= patience, copy=True, in_place=True, restore=True, train_on_val=False):
    """A training loop; the keywords each make one deliberate mistake."""

    def train(network, optimizer, train_data, val_data, test_data, *, epochs, batch_size,
              patience, rng):
        x_train, t_train = train_data
        if train_on_val:
            x_train = np.concatenate([x_train, val_data[0]])
            t_train = np.concatenate([t_train, val_data[1]])
        watched = val_data if stop_on == "val" else test_data
        history = {"val_loss": [], "val_acc": [], "test_acc": [], "best_epoch": None}
        best_loss, best, waited = np.inf, None, 0
        for epoch in range(1, epochs + 1):
            for batch in batches(x_train.shape[0], batch_size, rng):
                grads = network.gradient(x_train[batch], t_train[batch])
                optimizer.update(network.params, grads)
            loss = network.loss(*watched)
            history["val_loss"].append(loss)
            history["val_acc"].append(network.accuracy(*val_data))
            history["test_acc"].append(network.accuracy(*test_data))
            if loss < best_loss:
                best_loss, waited, history["best_epoch"] = loss, 0, epoch
                best = {key: (value.copy() if copy else value)
                        for key, value in network.params.items()}
            else:
                waited += 1
                if stop_when(waited, patience):
                    break
        for key, value in (best if restore else {}).items():
            if in_place:
                network.params[key][...] = value
            else:
                network.params[key] = value.copy()
        return history

    return train


def train_stub(network, optimizer, train_data, val_data, test_data, *, epochs, batch_size,
               patience, rng):
    raise NotImplementedError()


WRONG = [
    (hw.check_split_validation, split_overlapping, "validation_overlaps_training"),
    (hw.check_split_validation, split_last_rows, "validation_not_shuffled"),
    (hw.check_split_validation, split_misaligned, "labels_misaligned"),
    (hw.check_split_validation, split_swapped, "fraction_swapped"),
    (hw.check_minibatches, minibatches_with_replacement, "batches_with_replacement"),
    (hw.check_minibatches, minibatches_drop_last, "last_batch_dropped"),
    (hw.check_minibatches, minibatches_fixed_seed, "same_order_every_epoch"),
    (hw.check_minibatches, minibatches_in_order, "not_shuffled"),
    (hw.check_train, make_train(batches=minibatches_with_replacement),
     "batches_with_replacement"),
    (hw.check_train, make_train(batches=minibatches_drop_last), "last_batch_dropped"),
    (hw.check_train, make_train(batches=minibatches_fixed_seed), "same_order_every_epoch"),
    (hw.check_train, make_train(train_on_val=True), "validation_used_for_training"),
    (hw.check_train, make_train(stop_on="test"), "validation_from_test_set"),
    (hw.check_train, make_train(stop_when=lambda waited, patience: waited > patience),
     "patience_off_by_one"),
    (hw.check_train, make_train(stop_when=lambda waited, patience: waited >= patience - 1),
     "patience_off_by_one"),
    (hw.check_train, make_train(stop_when=lambda waited, patience: False), "never_stops"),
    (hw.check_train, make_train(copy=False), "restored_last_weights"),
    (hw.check_train, make_train(restore=False), "restored_last_weights"),
    (hw.check_train, make_train(in_place=False), "weights_replaced_not_in_place"),
]
NAMES = ["split_overlapping", "split_last_rows", "split_misaligned", "split_swapped",
         "minibatches_with_replacement", "minibatches_drop_last", "minibatches_fixed_seed",
         "minibatches_in_order", "train_with_replacement", "train_drop_last",
         "train_fixed_seed", "train_on_validation", "train_stops_on_test", "train_patience_plus",
         "train_patience_minus", "train_never_stops", "train_keeps_references",
         "train_never_restores", "train_replaces_arrays"]


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("check, right", [(hw.check_split_validation, split_validation),
                                          (hw.check_minibatches, minibatches),
                                          (hw.check_train, make_train())],
                         ids=["split_validation", "minibatches", "train"])
def test_a_right_answer_scores_full_marks(check, right, hidden):
    result = check(right, hidden=hidden)
    assert result.passed and result.points == result.max_points > 0


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("check, wrong, mistake", WRONG, ids=NAMES)
def test_a_typical_mistake_loses_points_and_is_named(check, wrong, mistake, hidden):
    result = check(wrong, hidden=hidden)
    assert result.points < result.max_points
    assert result.mistake == mistake
    assert result.hint == hw.HINTS[mistake]


def test_train_keeps_the_points_of_the_parts_it_gets_right():
    assert hw.check_train(make_train(copy=False)).points == 2
    # Stopping on the test curve also restores another epoch than the validation's best.
    assert hw.check_train(make_train(stop_on="test")).points == 1


def test_a_loop_that_records_batch_losses_is_still_right():
    def train(network, optimizer, train_data, val_data, test_data, **settings):
        inner = make_train()
        original = network.gradient

        def gradient(x, t):
            network.loss(x, t)          # the batch's own loss, evaluated on the way
            return original(x, t)

        network.gradient = gradient
        return inner(network, optimizer, train_data, val_data, test_data, **settings)

    assert hw.check_train(train).passed


def test_a_best_epoch_counted_from_zero_is_named():
    def train(network, optimizer, train_data, val_data, test_data, **settings):
        history = make_train()(network, optimizer, train_data, val_data, test_data,
                               **settings)
        history["best_epoch"] -= 1
        return history

    result = hw.check_train(train)
    assert result.points == 2 and result.mistake == "best_epoch_from_zero"


def test_an_unknown_mistake_gets_where_it_differs():
    def train(network, optimizer, train_data, val_data, test_data, **settings):
        history = make_train()(network, optimizer, train_data, val_data, test_data,
                               **settings)
        history["val_loss"] = [2 * loss for loss in history["val_loss"]]
        return history

    result = hw.check_train(train)
    assert result.points == 2 and result.mistake is None and result.hint == ""
    assert "history['val_loss'] is not the validation loss" in " ".join(result.details)


@pytest.mark.parametrize("check, stub", [(hw.check_split_validation, split_validation),
                                         (hw.check_minibatches, minibatches_stub),
                                         (hw.check_train, train_stub)])
def test_a_stub_gets_zero_and_not_implemented_yet(check, stub):
    if stub is split_validation:
        def stub(x, t, fraction, rng):
            raise NotImplementedError()
    result = check(stub)
    assert result.points == 0 and "not implemented yet" in " ".join(result.details)


def test_the_reference_rule_stops_where_the_trainer_does():
    # patience 2 on the public curve: best at epoch 5, two worse epochs, stop after 7.
    _, _, patience, epochs, val, _ = hw._train_case(False)
    assert hw.reference_stopping(val, patience, epochs) == (7, 5)
    assert hw.reference_stopping([1.0, 0.5, 0.5, 0.5], 2, 3) == (3, 1)   # a tie is no gain


def test_the_checker_refuses_what_is_not_callable():
    with pytest.raises(TypeError, match="train must be a function"):
        hw.check_train(None)


def test_the_checks_are_deterministic_and_hidden_uses_other_inputs():
    for check, wrong, _ in WRONG[::4]:
        assert check(wrong).to_dict() == check(wrong).to_dict()
    assert hw._train_case(False) != hw._train_case(True)
    assert hw.check_minibatches(minibatches_drop_last).details != \
        hw.check_minibatches(minibatches_drop_last, hidden=True).details



@pytest.mark.slow
@pytest.mark.mnist
@pytest.mark.skipif(mnist_dir() is None, reason="MNIST files not found (set NNNUMPY_DATA)")
def test_the_notebook_solutions_score_every_point(tmp_path, monkeypatch):
    notebook, results = run_notebook(NOTEBOOK, tmp_path, monkeypatch)
    check_cells = [cell for cell in notebook.cells
                   if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code"]
    assert len(check_cells) == 3
    assert len(results) == 2 * len(check_cells)     # a public and a hidden check per cell
    assert all(row["passed"] for row in results), [row for row in results if not row["passed"]]
    assert sum(row["max_points"] for row in results) == \
        sum(cell.metadata["nbgrader"]["points"] for cell in check_cells)
    outputs = " ".join(output.get("text", "") for cell in notebook.cells
                       if cell.cell_type == "code" for output in cell.outputs)
    assert "early stopping kept epoch" in outputs

