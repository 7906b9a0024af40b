"""Save and load a network's parameters as ``.npz``, never with pickle.

The file holds one array per key of ``network.params`` and, under the key
``__config__``, the architecture as a JSON string (class, sizes, activation, dtype),
so that loading into a different network is a clear error instead of garbage.
"""

import io
import json
import os
import secrets
import stat
import zipfile
from pathlib import Path

import numpy as np

from .backend import get_array_module, to_numpy

CONFIG_KEY = "__config__"
ZIP_SIGNATURE = b"PK\x03\x04"


def save_params(path, network):
    """Write ``network.params`` (and ``network.buffers``, such as batch norm's running
    averages) with ``network.config()`` to ``path`` (.npz), atomically."""
    path = Path(path)
    state = {**network.params, **network.buffers}
    arrays = {key: np.asarray(to_numpy(value)) for key, value in state.items()}
    arrays[CONFIG_KEY] = np.array(json.dumps(network.config()))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    write_atomically(path, buffer.getvalue())


def read_params(path):
    """``(config, arrays)`` from a file written by ``save_params``; ValueError if it is not one."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: file not found")
    with open(path, "rb") as stream:
        signature = stream.read(4)
    if signature != ZIP_SIGNATURE:
        raise ValueError(f"{path}: not an .npz parameter file (an .npz file is a zip archive, "
                         f"and this one starts with {signature!r}, not {ZIP_SIGNATURE!r})")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"{path}: not a readable .npz parameter file ({error})") from error
    if CONFIG_KEY not in arrays:
        raise ValueError(f"{path}: not an nnnumpy parameter file (no {CONFIG_KEY} entry); "
                         f"it holds {sorted(arrays)}")
    try:
        config = json.loads(str(arrays.pop(CONFIG_KEY)))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: the architecture entry is not valid JSON ({error})") from error
    if not isinstance(config, dict):
        raise ValueError(f"{path}: the architecture entry must be a JSON object of settings, "
                         f"got a {type(config).__name__}")
    return config, arrays


def load_params(path, network):
    """Load the parameters saved in ``path`` into ``network``, in place.

    The saved architecture must equal ``network.config()`` and every array must
    have the shape of the network's; otherwise ValueError names the difference
    and nothing is changed.
    """
    config, arrays = read_params(path)
    expected = network.config()
    different = sorted(key for key in set(config) | set(expected)
                       if config.get(key) != expected.get(key))
    if different:
        details = ", ".join(f"{key}: file {config.get(key)!r} vs network {expected.get(key)!r}"
                            for key in different)
        raise ValueError(f"{path}: saved for a different architecture ({details})")
    state = {**network.params, **network.buffers}
    if set(arrays) != set(state):
        raise ValueError(f"{path}: holds arrays {sorted(arrays)}, the network has "
                         f"{sorted(state)}")
    for key, value in arrays.items():  # every check first: a bad file changes nothing
        if value.shape != state[key].shape:
            raise ValueError(f"{path}: params[{key!r}] has shape {value.shape} in the file "
                             f"but {state[key].shape} in the network")
        if value.dtype != state[key].dtype:
            raise ValueError(f"{path}: params[{key!r}] has dtype {value.dtype} in the file "
                             f"but {state[key].dtype} in the network")
    for key, value in arrays.items():
        target = state[key]
        target[...] = get_array_module(target).asarray(value)  # in place: layers share it
    return network


def write_atomically(path, content):
    """Write bytes to ``path`` through a temporary file in the same folder, then rename.

    Either the whole file appears or, on any failure, nothing changes. The file gets the
    permissions of any new file (0666 less the umask), not ``tempfile.mkstemp``'s 0600.
    An existing ``path`` must be a regular file (or a link to one): the rename replaces
    what is there, and would turn a device such as /dev/null or a named pipe into a
    plain file; anything else is a ValueError and is left as it is.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {path}: the folder {path.parent} does not exist")
    kind = special_file_kind(path)
    if kind is not None:
        raise ValueError(f"path {path}: is {kind}, not a regular file; writing would "
                         "replace it, so give the name of a new or a regular file")
    temporary = temporary_beside(path)
    try:
        with open(temporary, "xb") as stream:
            stream.write(content)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise type(error)(error.errno, f"cannot write {path}: {error.strerror}") from error
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def special_file_kind(path):
    """What ``path`` is when it exists but is no regular file ("a named pipe (FIFO)", ...);
    None for a regular file or a missing one. A symbolic link is judged by its target."""
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    kinds = [(stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISSOCK, "a socket")]
    for is_kind, kind in kinds:
        if is_kind(mode):
            return kind
    return None if stat.S_ISREG(mode) else "a special file"


def temporary_beside(path):
    """A fresh name for a temporary file next to ``path``: ``.NAME.RANDOM.part``."""
    path = Path(path)
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
