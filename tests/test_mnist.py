import functools
import hashlib
import http.server
import os
import stat
import threading

import numpy as np
import pytest

from nnnumpy.datasets import mnist
from nnnumpy.datasets.idx import write_idx
from nnnumpy.datasets.mnist import download_file, load_mnist

from .conftest import mnist_dir, requires_mnist


@pytest.fixture
def http_server(tmp_path):
    """A real HTTP server on 127.0.0.1 serving tmp_path/www; yields its base URL."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def make_file(folder, name, array):
    """Write array as IDX (gz) at folder/name; return the MD5 of its uncompressed content."""
    folder.mkdir(parents=True, exist_ok=True)
    write_idx(folder / name, array)
    raw = folder / "raw.idx"
    write_idx(raw, array)
    digest = hashlib.md5(raw.read_bytes()).hexdigest()
    raw.unlink()
    return digest


def test_download_falls_back_to_the_second_mirror(http_server, tmp_path):
    base, root = http_server
    md5 = make_file(root / "good", "labels-idx1-ubyte.gz", np.arange(10, dtype=np.uint8))
    target = tmp_path / "data"
    path = download_file("labels-idx1-ubyte.gz", target, md5,
                         [base + "/missing/", base + "/good/"])
    assert path == target / "labels-idx1-ubyte.gz"
    assert sorted(p.name for p in target.iterdir()) == ["labels-idx1-ubyte.gz"]
    np.testing.assert_array_equal(mnist.load_verified(path, md5), np.arange(10))


def test_wrong_file_fails_the_checksum_and_leaves_nothing(http_server, tmp_path):
    base, root = http_server
    md5 = make_file(root / "good", "labels-idx1-ubyte.gz", np.arange(10, dtype=np.uint8))
    make_file(root / "evil", "labels-idx1-ubyte.gz", np.arange(1, 11, dtype=np.uint8))
    target = tmp_path / "data"
    with pytest.raises(OSError) as info:
        download_file("labels-idx1-ubyte.gz", target, md5, [base + "/nope/", base + "/evil/"])
    message = str(info.value)
    assert base + "/nope/labels-idx1-ubyte.gz: HTTP Error 404" in message
    assert base + "/evil/labels-idx1-ubyte.gz: checksum mismatch" in message
    assert list(target.iterdir()) == []


def test_load_mnist_downloads_missing_files_into_the_dataset_folder(http_server, tmp_path,
                                                                    monkeypatch):
    base, root = http_server
    rng = np.random.default_rng(0)
    checksums = {}
    for key, n in [("train_images", 12), ("train_labels", 12), ("test_images", 5),
                   ("test_labels", 5)]:
        array = (rng.integers(0, 256, (n, 28, 28)) if "images" in key
                 else rng.integers(0, 10, n)).astype(np.uint8)
        checksums[key] = make_file(root, mnist.FILE_NAMES[key] + ".gz", array)
    monkeypatch.setitem(mnist.DATASETS["mnist"], "md5", checksums)
    (x, t), (x_test, t_test) = load_mnist(data_dir=tmp_path / "data", mirrors=[base])
    assert x.shape == (12, 784) and x.dtype == np.float32 and 0 <= x.min() <= x.max() <= 1
    assert t.shape == (12,) and t.dtype == np.int64
    assert x_test.shape == (5, 784) and t_test.shape == (5,)
    assert sorted(p.name for p in (tmp_path / "data" / "mnist").iterdir()) == sorted(
        name + ".gz" for name in mnist.FILE_NAMES.values())


def test_offline_without_files_says_where_and_how(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_mnist(data_dir=tmp_path, download=False)
    message = str(info.value)
    for needed in ("train-images-idx3-ubyte", "t10k-labels-idx1-ubyte", str(tmp_path),
                   str(tmp_path / "mnist"), "data_dir=", "NNNUMPY_DATA"):
        assert needed in message


def test_corrupt_file_is_a_checksum_error_naming_it(tmp_path):
    folder = tmp_path / "mnist"
    for key, name in mnist.FILE_NAMES.items():
        make_file(folder, name + ".gz", np.zeros((2, 28, 28) if "images" in key else 2,
                                                 np.uint8))
    with pytest.raises(ValueError, match="checksum mismatch") as info:
        load_mnist(data_dir=tmp_path, download=False)
    assert "train-images-idx3-ubyte.gz" in str(info.value)


@pytest.mark.parametrize("kwargs, message", [({"dataset": "cifar"}, "dataset must be one of"),
                                             ({"dtype": np.int8}, "dtype must be float32")])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_mnist(**kwargs)


@pytest.mark.mnist
@requires_mnist
def test_real_mnist_shapes_dtypes_and_counts():
    (x, t), (x_test, t_test) = load_mnist(data_dir=mnist_dir())
    assert x.shape == (60000, 784) and x.dtype == np.float32
    assert x_test.shape == (10000, 784)
    assert t.dtype == np.int64 and t_test.shape == (10000,)
    assert np.bincount(t)[0] == 5923 and np.bincount(t_test)[9] == 1009
    assert np.bincount(t).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert float(x.mean(dtype=np.float64)) == pytest.approx(0.1307, abs=5e-5)
    assert x.min() == 0.0 and x.max() == 1.0


@pytest.mark.mnist
@requires_mnist
def test_real_mnist_images_and_one_hot():
    (x, t), (_, t_test) = load_mnist(data_dir=mnist_dir(), normalize=False, flatten=False,
                                     one_hot_label=True, dtype=np.float64)
    assert x.shape == (60000, 1, 28, 28) and x.dtype == np.uint8 and x.max() == 255
    assert t.shape == (60000, 10) and t.dtype == np.float64
    np.testing.assert_array_equal(t.sum(axis=1), 1.0)
    np.testing.assert_array_equal(t_test.sum(axis=1), 1.0)


def test_nnnumpy_data_naming_a_file_is_a_clear_error(tmp_path, monkeypatch):
    path = tmp_path / "mnist.zip"
    path.write_bytes(b"zip")
    monkeypatch.setenv("NNNUMPY_DATA", str(path))
    with pytest.raises(NotADirectoryError, match="NNNUMPY_DATA=.*mnist.zip is a file"):
        load_mnist()


def test_a_misspelt_nnnumpy_data_folder_is_not_created(tmp_path, monkeypatch):
    monkeypatch.setenv("NNNUMPY_DATA", str(tmp_path / "dtaa" / "sets"))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_mnist(mirrors=["http://127.0.0.1:9/"])
    assert list(tmp_path.iterdir()) == []


def test_downloaded_files_honour_the_umask(http_server, tmp_path):
    base, root = http_server
    md5 = make_file(root, "labels-idx1-ubyte.gz", np.arange(10, dtype=np.uint8))
    previous = os.umask(0o022)
    try:
        path = download_file("labels-idx1-ubyte.gz", tmp_path / "data", md5, [base])
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_labels_outside_0_to_9_are_refused_naming_the_file(tmp_path, monkeypatch):
    folder = tmp_path / "mnist"
    checksums = {}
    for key, name in mnist.FILE_NAMES.items():
        array = np.zeros((2, 28, 28) if "images" in key else 2, np.uint8)
        if key == "test_labels":
            array[1] = 10
        checksums[key] = make_file(folder, name + ".gz", array)
    monkeypatch.setitem(mnist.DATASETS["mnist"], "md5", checksums)
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte.gz\[1\] = 10 is not a class"):
        load_mnist(data_dir=tmp_path, download=False)


def test_an_installed_copy_downloads_into_the_cache_not_beside_the_package(
        http_server, tmp_path, monkeypatch):
    base, root = http_server
    checksums = {}
    for key in mnist.FILE_KEYS:
        array = np.zeros((3, 28, 28) if "images" in key else 3, np.uint8)
        checksums[key] = make_file(root, mnist.FILE_NAMES[key] + ".gz", array)
    monkeypatch.setitem(mnist.DATASETS["mnist"], "md5", checksums)
    site_packages = tmp_path / "env" / "lib" / "python3.11" / "site-packages"
    (site_packages / "nnnumpy").mkdir(parents=True)
    monkeypatch.setattr(mnist, "PACKAGE_FOLDER", site_packages / "nnnumpy")
    monkeypatch.delenv("NNNUMPY_DATA", raising=False)
    monkeypatch.setattr(mnist.sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (x, _), _ = load_mnist(mirrors=[base])
    assert x.shape == (3, 784)
    assert sorted(p.name for p in (tmp_path / "cache" / "nnnumpy" / "mnist").iterdir()) == sorted(
        name + ".gz" for name in mnist.FILE_NAMES.values())
    assert [p.name for p in site_packages.iterdir()] == ["nnnumpy"]
    assert list((site_packages / "nnnumpy").iterdir()) == []
