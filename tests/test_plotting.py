import numpy as np

from nnnumpy.plotting import moving_average, plot_learning_curves

from .conftest import assert_png


def test_moving_average():
    np.testing.assert_allclose(moving_average([1, 2, 3, 4], 2), [1, 1.5, 2.5, 3.5])
    assert moving_average([], 3).size == 0


def test_learning_curves_png(tmp_path):
    history = {"loss": list(np.linspace(2, 0.1, 120)), "train_acc": [0.8, 0.9, 0.95],
               "test_acc": [0.79, 0.88, 0.93], "val_acc": [0.78, 0.87, 0.92]}
    path = plot_learning_curves(history, tmp_path / "sub" / "curves.png", title="demo")
    assert_png(path)
