import numpy as np
import pytest

from nnnumpy.plotting import mosaic, moving_average, plot_filters, plot_learning_curves

from .conftest import assert_png


def test_moving_average():
    np.testing.assert_allclose(moving_average([1, 2, 3, 4], 2), [1, 1.5, 2.5, 3.5])
    assert moving_average([], 3).size == 0


def test_learning_curves_png(tmp_path):
    history = {"loss": list(np.linspace(2, 0.1, 120)), "train_acc": [0.8, 0.9, 0.95],
               "test_acc": [0.79, 0.88, 0.93], "val_acc": [0.78, 0.87, 0.92]}
    path = plot_learning_curves(history, tmp_path / "sub" / "curves.png", title="demo")
    assert_png(path)


HISTORY = {"loss": [2.0, 1.0, 0.5], "train_acc": [0.9], "test_acc": [0.88]}


def test_the_suffix_chooses_the_format(tmp_path):
    assert (plot_learning_curves(HISTORY, tmp_path / "c.pdf")).read_bytes()[:5] == b"%PDF-"
    assert b"<svg" in (plot_learning_curves(HISTORY, tmp_path / "c.svg")).read_bytes()[:500]
    assert_png(plot_learning_curves(HISTORY, tmp_path / "c.PNG"))


def test_a_suffix_that_is_no_image_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"c\.txt: the suffix must name an image format"):
        plot_learning_curves(HISTORY, tmp_path / "c.txt")
    assert list(tmp_path.iterdir()) == []


def test_mosaic_tiles_each_image_in_its_own_range():
    images = np.stack([np.arange(4.0).reshape(2, 2), 10 + np.zeros((2, 2))])
    picture = mosaic(images, columns=2)
    assert picture.shape == (2, 5)
    np.testing.assert_allclose(picture[:, :2], [[0, 1 / 3], [2 / 3, 1]])
    assert np.isnan(picture[:, 2]).all() and (picture[:, 3:] == 0).all()


def test_filters_figure(tmp_path):
    rng = np.random.default_rng(0)
    path = plot_filters(tmp_path / "f.png", rng.standard_normal((6, 1, 5, 5)),
                        rng.standard_normal((6, 1, 5, 5)), rng.random((28, 28)),
                        rng.random((6, 24, 24)), title="demo")
    assert_png(path)
