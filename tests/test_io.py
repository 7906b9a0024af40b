import numpy as np
import pytest

from nnnumpy import TwoLayerNet
from nnnumpy.io import load_params, save_params


def test_round_trip_gives_identical_predictions(tmp_path, rng):
    net = TwoLayerNet(6, 5, 3, seed=1)
    path = tmp_path / "net.npz"
    save_params(path, net)
    other = TwoLayerNet(6, 5, 3, seed=2)
    layer_W1 = other.layers["Affine1"].W
    load_params(path, other)
    x = rng.standard_normal((4, 6)).astype(np.float32)
    np.testing.assert_array_equal(other.predict(x), net.predict(x))
    assert other.layers["Affine1"].W is layer_W1 is other.params["W1"], "loaded in place"


def test_file_is_loadable_without_pickle(tmp_path):
    path = tmp_path / "net.npz"
    save_params(path, TwoLayerNet(4, 3, 2))
    with np.load(path, allow_pickle=False) as archive:
        assert set(archive.files) == {"W1", "b1", "W2", "b2", "__config__"}


def test_mismatched_architecture_names_the_difference(tmp_path):
    path = tmp_path / "net.npz"
    save_params(path, TwoLayerNet(6, 5, 3))
    with pytest.raises(ValueError, match="hidden_size: file 5 vs network 7"):
        load_params(path, TwoLayerNet(6, 7, 3))
    with pytest.raises(ValueError, match="activation: file 'relu' vs network 'sigmoid'"):
        load_params(path, TwoLayerNet(6, 5, 3, activation="sigmoid"))


def test_corrupt_and_foreign_files_are_clear_errors(tmp_path):
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(ValueError, match="not a readable .npz parameter file"):
        load_params(corrupt, TwoLayerNet(6, 5, 3))
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, weights=np.zeros(3))
    with pytest.raises(ValueError, match="not an nnnumpy parameter file"):
        load_params(foreign, TwoLayerNet(6, 5, 3))


def test_a_failed_load_changes_nothing(tmp_path):
    path = tmp_path / "net.npz"
    saved = TwoLayerNet(6, 5, 3, seed=1)
    arrays = {k: v for k, v in saved.params.items()}
    arrays["W2"] = np.zeros((5, 4), np.float32)
    np.savez(path, __config__=np.array(
        '{"class": "TwoLayerNet", "input_size": 6, "hidden_size": 5, "output_size": 3, '
        '"activation": "relu", "dtype": "float32"}'), **arrays)
    net = TwoLayerNet(6, 5, 3, seed=2)
    before = {k: v.copy() for k, v in net.params.items()}
    with pytest.raises(ValueError, match=r"params\['W2'\] has shape \(5, 4\) in the file"):
        load_params(path, net)
    for key in before:
        np.testing.assert_array_equal(net.params[key], before[key])
