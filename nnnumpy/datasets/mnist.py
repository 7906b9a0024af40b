"""MNIST and Fashion-MNIST: find, download, verify and load.

``load_mnist`` returns ``(x_train, t_train), (x_test, t_test)`` as the textbook's
loader does. Every file is checked against the published MD5 of its *uncompressed*
content on every load (cheap next to decompressing it), so a corrupt, truncated or
foreign file is an error that names it, never a silent mis-read.

Where the files are (``data_location``): the ``data_dir`` argument, else the folder named by
the environment variable ``NNNUMPY_DATA``, else the repository's ``data/`` when the package
runs from a clone, else the user's cache folder. Never the folder the package is installed
in: inside site-packages, "the folder beside the package" belongs to the environment.
"""

import configparser
import hashlib
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
from tqdm import tqdm  # text bars: in a notebook without ipywidgets, tqdm.auto warns

from ..checks import check_labels
from ..io import temporary_beside
from .idx import parse_idx, read_bytes

FILE_KEYS = ("train_images", "train_labels", "test_images", "test_labels")
FILE_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

# MD5 of the uncompressed content of each file, as published with each dataset.
DATASETS = {
    "mnist": {
        "md5": {
            "train_images": "6bbc9ace898e44ae57da46a324031adb",
            "train_labels": "a25bea736e30d166cdddb491f175f624",
            "test_images": "2646ac647ad5339dbf082846283269ea",
            "test_labels": "27ae3e4e09519cfbb04c329615203637",
        },
        "mirrors": [
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
            "http://yann.lecun.com/exdb/mnist/",
        ],
    },
    "fashion-mnist": {
        "md5": {
            "train_images": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
            "train_labels": "9018921c3c673c538a1fc5bad174d6f9",
            "test_images": "8181f5470baa50b63fa0f6fddb340f0a",
            "test_labels": "15d484375f8d13e6eb1aabb0c3f46965",
        },
        "mirrors": [
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        ],
    },
}

PACKAGE_FOLDER = Path(__file__).resolve().parents[1]  # the nnnumpy/ folder in use
# Where installers put packages; a package found there is never a clone, whatever lies beside it.
INSTALL_FOLDER_NAMES = ("site-packages", "dist-packages")
DOWNLOAD_TIMEOUT_S = 30

# Why a folder was chosen, as data_location reports it and the error messages say it.
LOCATION_REASONS = {
    "data_dir": "the data_dir argument",
    "NNNUMPY_DATA": "the environment variable NNNUMPY_DATA",
    "clone": "the repository's data/ folder, since nnnumpy runs from a clone",
    "cache": "the user's cache folder, since nnnumpy runs from an installed copy",
}


def load_mnist(normalize=True, flatten=True, one_hot_label=False, data_dir=None,
               download=True, dtype=np.float32, dataset="mnist", mirrors=None):
    """Load MNIST (or Fashion-MNIST) as NumPy arrays.

    Parameters
    ----------
    normalize : bool
        Scale pixels to [0, 1] as ``dtype``; otherwise keep the uint8 values 0..255.
    flatten : bool
        Images as (N, 784); otherwise (N, 1, 28, 28).
    one_hot_label : bool
        Labels as one-hot (N, 10) of ``dtype``; otherwise int64 class indices (N,).
    data_dir : str or Path, optional
        Where the files are: this folder, else ``$NNNUMPY_DATA``, else the repository's
        ``data/`` in a clone, else the user's cache folder (see ``data_location``). The
        folder may hold the four files or a ``mnist/`` (``fashion-mnist/``) subfolder
        that does; ``.gz`` and uncompressed files are both accepted.
    download : bool
        Download missing files (into ``<folder>/<dataset>/``) from the known mirrors.
    dtype : float32 or float64
    dataset : {"mnist", "fashion-mnist"}
    mirrors : list of str, optional
        Base URLs to download from instead of the known mirrors.

    Returns
    -------
    (x_train, t_train), (x_test, t_test)
        x_train: (60000, 784), t_train: (60000,); x_test: (10000, 784), t_test: (10000,).
    """
    if dataset not in DATASETS:
        raise ValueError(f"dataset must be one of {sorted(DATASETS)}, got {dataset!r}")
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    paths = find_files(dataset, data_dir, download, mirrors)
    checksums = DATASETS[dataset]["md5"]

    # One file at a time, so that only one file's raw bytes are in memory at once.
    def images(key):
        x = load_verified(paths[key], checksums[key])
        if x.ndim != 3:
            raise ValueError(f"{paths[key]}: expected images (N, rows, columns), got {x.shape}")
        x = x.reshape(x.shape[0], -1) if flatten else x.reshape(x.shape[0], 1, *x.shape[1:])
        if not normalize:
            return x.copy()  # a writable array, not a view of the file's bytes
        x = x.astype(dtype)
        x /= 255
        return x

    def labels(key, count):
        t = load_verified(paths[key], checksums[key])
        if t.shape != (count,):
            raise ValueError(f"{paths[key]}: expected {count} labels (one per image), "
                             f"got shape {t.shape}")
        t = t.astype(np.int64)
        check_labels(str(paths[key]), t, 10)
        return np.eye(10, dtype=dtype)[t] if one_hot_label else t

    x_train = images("train_images")
    t_train = labels("train_labels", x_train.shape[0])
    x_test = images("test_images")
    t_test = labels("test_labels", x_test.shape[0])
    return (x_train, t_train), (x_test, t_test)


def search_root(data_dir):
    """The folder to search: the first of ``data_location(data_dir)``."""
    return data_location(data_dir)[0]


def data_location(data_dir=None, package_folder=None):
    """Where ``load_mnist`` looks for its files, and why: ``(folder, reason)``.

    ``reason`` is ``"data_dir"`` (the argument), ``"NNNUMPY_DATA"`` (the environment
    variable, when set and not empty), ``"clone"`` (the repository's ``data/``, when
    ``package_folder``, by default the nnnumpy package in use, lies in a clone) or
    ``"cache"`` (``user_cache_folder()``). Nothing is created here.

    A typo must not grow a folder tree: ``$NNNUMPY_DATA`` must name an existing folder,
    and ``data_dir`` an existing folder or a new one inside an existing folder.
    """
    if data_dir is not None:
        root, reason = Path(data_dir).expanduser(), "data_dir"
    elif os.environ.get("NNNUMPY_DATA"):
        root, reason = Path(os.environ["NNNUMPY_DATA"]).expanduser(), "NNNUMPY_DATA"
    else:
        clone_data = clone_data_folder(PACKAGE_FOLDER if package_folder is None
                                       else package_folder)
        if clone_data is not None:
            return clone_data, "clone"
        return user_cache_folder(), "cache"
    if root.exists() and not root.is_dir():
        raise NotADirectoryError(f"{reason}={root} is a file; it must be the folder that "
                                 "holds the MNIST files (or an 'mnist/' folder with them)")
    missing = root if reason == "NNNUMPY_DATA" else root.parent
    if not missing.is_dir():
        raise FileNotFoundError(f"{reason}={root}: the folder {missing} does not exist "
                                "(check the spelling; nothing is created there)")
    return root, reason


def clone_data_folder(package_folder):
    """The repository's ``data/`` if ``package_folder`` is the package of a clone, else None.

    A clone is recognised by all of: the package's parent folder holds a ``setup.cfg``
    that names the project ``nnnumpy`` and a ``data/`` folder with its ``README.md``,
    and the package does not lie under a site-packages or dist-packages folder.
    """
    package_folder = Path(package_folder).resolve()
    if any(part in INSTALL_FOLDER_NAMES for part in package_folder.parts):
        return None
    repository = package_folder.parent
    data = repository / "data"
    if not (data / "README.md").is_file() or not names_this_project(repository / "setup.cfg"):
        return None
    return data


def names_this_project(setup_cfg):
    """Whether the file ``setup_cfg`` exists and says ``name = nnnumpy`` under [metadata]."""
    if not setup_cfg.is_file():
        return False
    config = configparser.ConfigParser(interpolation=None)
    try:
        config.read(setup_cfg, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return False
    return config.get("metadata", "name", fallback=None) == "nnnumpy"


def user_cache_folder(platform=None, environ=None, home=None):
    """The user's cache folder for nnnumpy, by the convention of each platform.

    Linux and other Unix: ``$XDG_CACHE_HOME/nnnumpy`` when the variable is an absolute
    path (the XDG rule), else ``~/.cache/nnnumpy``; macOS: ``~/Library/Caches/nnnumpy``;
    Windows: ``%LOCALAPPDATA%\\nnnumpy\\Cache``, else ``~\\AppData\\Local\\nnnumpy\\Cache``.
    ``platform``, ``environ`` and ``home`` default to this process's ``sys.platform``,
    ``os.environ`` and home folder.
    """
    platform = sys.platform if platform is None else platform
    environ = os.environ if environ is None else environ
    home = Path.home() if home is None else Path(home)
    if platform == "win32":
        local = environ.get("LOCALAPPDATA")
        base = Path(local) if local else home / "AppData" / "Local"
        return base / "nnnumpy" / "Cache"
    if platform == "darwin":
        return home / "Library" / "Caches" / "nnnumpy"
    xdg = environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".cache"
    return base / "nnnumpy"


def find_files(dataset, data_dir=None, download=True, mirrors=None):
    """Paths of the four files of ``dataset``, downloading the missing ones if allowed.

    Looks in the root folder itself and in its ``<dataset>/`` subfolder, and takes the
    first that holds all four files (compressed or not).
    """
    root, reason = data_location(data_dir)
    candidates = [root, root / dataset]
    for folder in candidates:
        found = {key: existing_file(folder, FILE_NAMES[key]) for key in FILE_KEYS}
        if all(found.values()):
            return found
    if not download:
        raise FileNotFoundError(missing_message(dataset, candidates, reason, "download=False"))
    target = root / dataset
    found = {key: existing_file(target, FILE_NAMES[key]) for key in FILE_KEYS}
    for key in FILE_KEYS:
        if found[key] is None:
            file_name = FILE_NAMES[key] + ".gz"
            found[key] = download_file(file_name, target, DATASETS[dataset]["md5"][key],
                                       mirrors or DATASETS[dataset]["mirrors"],
                                       help_text=missing_message(dataset, candidates, reason,
                                                                 "every mirror failed"))
    return found


def existing_file(folder, name):
    """``folder/name.gz`` or ``folder/name``, whichever exists first, else None."""
    for path in (folder / (name + ".gz"), folder / name):
        if path.is_file():
            return path
    return None


def missing_message(dataset, folders, location_reason, failure):
    """Why the files of ``dataset`` are missing, where they were looked for and why there,
    and how to point ``load_mnist`` at another folder."""
    looked = " and ".join(str(folder) for folder in folders)
    needed = ", ".join(FILE_NAMES[key] + "[.gz]" for key in FILE_KEYS)
    return (f"{dataset} files not found ({failure}). Looked in {looked} "
            f"({LOCATION_REASONS[location_reason]}). Needed: {needed}. "
            "To use another folder, put them there and pass load_mnist(data_dir=FOLDER), or "
            "set the environment variable NNNUMPY_DATA=FOLDER (the folder may also hold them "
            f"in a '{dataset}/' subfolder).")


def load_verified(path, md5):
    """Read one IDX file, check the MD5 of its uncompressed content, and decode it."""
    return parse_idx(read_verified(path, md5), name=str(path))


def read_verified(path, md5):
    """The uncompressed content of one file, after checking that its MD5 is ``md5``."""
    content = read_bytes(path)
    actual = hashlib.md5(content).hexdigest()
    if actual != md5:
        raise ValueError(f"{path}: checksum mismatch: the MD5 of the uncompressed content is "
                         f"{actual}, expected {md5}. The file is corrupt, truncated or not the "
                         "right file; delete it and load again to download a fresh copy.")
    return content


def download_file(file_name, folder, md5, mirrors, help_text=""):
    """Download ``file_name`` into ``folder`` from the first mirror that serves it intact.

    Each attempt streams into a temporary file in ``folder``, which is renamed to
    ``folder/file_name`` only after the MD5 of its uncompressed content equals ``md5``.
    A failed attempt leaves nothing behind. Returns the final path; raises OSError
    listing every mirror and why it failed.
    """
    folder = Path(folder)
    # data_location checked a folder the user named; the cache folder is made on first use.
    folder.mkdir(parents=True, exist_ok=True)
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + file_name
        temporary = temporary_beside(folder / file_name)
        try:
            fetch(url, temporary, file_name)
            content = read_bytes(temporary, gzipped=file_name.endswith(".gz"))
            actual = hashlib.md5(content).hexdigest()
            if actual != md5:
                raise ValueError(f"checksum mismatch (MD5 {actual}, expected {md5})")
            final = folder / file_name
            os.replace(temporary, final)
            return final
        except (OSError, ValueError) as error:
            failures.append(f"{url}: {error}")
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    tried = "\n  ".join(failures)
    raise OSError(f"could not download {file_name}; tried:\n  {tried}\n{help_text}")


def fetch(url, path, label):
    """Stream ``url`` into ``path`` with a progress bar."""
    request = urllib.request.Request(url, headers={"User-Agent": "nnnumpy"})
    with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_S) as response, \
            open(path, "wb") as stream:
        total = int(response.headers.get("Content-Length") or 0) or None
        with tqdm(total=total, unit="B", unit_scale=True, desc=label, leave=False) as bar:
            while True:
                chunk = response.read(1 << 16)
                if not chunk:
                    break
                stream.write(chunk)
                bar.update(len(chunk))
