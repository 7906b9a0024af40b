"""Save and load a network's parameters as ``.npz``, never with pickle.

The file holds one array per key of ``network.params`` and, under the key
``__config__``, the architecture as a JSON string (class, sizes, activation, dtype),
so that loading into a different network is a clear error instead of garbage.
"""

import io
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from .backend import get_array_module, to_numpy

CONFIG_KEY = "__config__"


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
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except FileNotFoundError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"{path}: not a readable .npz parameter file ({error})") from error
    if CONFIG_KEY not in arrays:
        raise ValueError(f"{path}: not an nnnumpy parameter file (no {CONFIG_KEY} entry); "
                         f"it holds {sorted(arrays)}")
    try:
        config = json.loads(str(arrays.pop(CONFIG_KEY)))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: the architecture entry is not valid JSON ({error})") from error
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
    for key, value in arrays.items():
        if value.shape != state[key].shape:
            raise ValueError(f"{path}: params[{key!r}] has shape {value.shape} in the file "
                             f"but {state[key].shape} in the network")
    for key, value in arrays.items():
        target = state[key]
        target[...] = get_array_module(target).asarray(value)  # in place: layers share it
    return network


def write_atomically(path, content):
    """Write bytes to ``path`` through a temporary file in the same folder, then rename."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
