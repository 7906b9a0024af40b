import os
import stat

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


def saved_file(tmp_path, **replace):
    """A file saved from TwoLayerNet(6, 5, 3, seed=1), with some arrays replaced."""
    net = TwoLayerNet(6, 5, 3, seed=1)
    path = tmp_path / "net.npz"
    save_params(path, net)
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    arrays.update(replace)
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize("key, value, message", [
    ("b2", np.zeros(3, np.float64), r"params\['b2'\] has dtype float64 in the file but float32"),
    ("W1", np.zeros((6, 5), np.complex64), r"params\['W1'\] has dtype complex64"),
    ("__config__", np.array("[1, 2]"), "must be a JSON object of settings, got a list"),
])
def test_a_bad_array_anywhere_in_the_file_changes_nothing(tmp_path, key, value, message):
    path = saved_file(tmp_path, **{key: value})
    net = TwoLayerNet(6, 5, 3, seed=2)
    before = {k: v.copy() for k, v in net.params.items()}
    with pytest.raises(ValueError, match=message) as info:
        load_params(path, net)
    assert str(path) in str(info.value)
    for k in before:
        np.testing.assert_array_equal(net.params[k], before[k])


@pytest.mark.parametrize("content", [b"W1 = 0.5\n", b"\x89PNG\r\n\x1a\n" + bytes(100), b""])
def test_files_that_are_not_npz_are_one_value_error_naming_them(tmp_path, content):
    path = tmp_path / "weights.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="not an .npz parameter file") as info:
        load_params(path, TwoLayerNet(6, 5, 3))
    assert str(path) in str(info.value) and "allow_pickle" not in str(info.value)


def test_an_npy_file_is_a_value_error(tmp_path):
    path = tmp_path / "W1.npy"
    np.save(path, np.zeros((6, 5), np.float32))
    with pytest.raises(ValueError, match="not an .npz parameter file"):
        load_params(path, TwoLayerNet(6, 5, 3))


def test_missing_file_says_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        load_params(tmp_path / "nope.npz", TwoLayerNet(6, 5, 3))


def test_saving_into_a_missing_folder_names_the_file_and_leaves_nothing(tmp_path):
    target = tmp_path / "missing" / "net.npz"
    with pytest.raises(FileNotFoundError) as info:
        save_params(target, TwoLayerNet(6, 5, 3))
    assert str(target) in str(info.value) and ".part" not in str(info.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_saved_files_honour_the_umask(tmp_path, umask, mode):
    previous = os.umask(umask)
    try:
        save_params(tmp_path / "net.npz", TwoLayerNet(6, 5, 3))
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "net.npz").stat().st_mode) == mode
    assert [p.name for p in tmp_path.iterdir()] == ["net.npz"]
