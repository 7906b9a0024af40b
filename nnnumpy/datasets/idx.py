"""Read and write the IDX format of the MNIST files.

An IDX file is a header and a payload, all numbers big-endian::

    bytes 0-1   0x00 0x00                      (magic: two zero bytes)
    byte  2     type code of the elements      (0x08 ubyte, 0x09 byte, 0x0B short,
                                                0x0C int, 0x0D float, 0x0E double)
    byte  3     number of dimensions d
    4 * d bytes the size of each dimension     (unsigned 32-bit)
    payload     prod(sizes) elements, row-major

``read_idx`` checks every one of these and raises ``ValueError`` naming the file
and what was expected for anything else, so a corrupt file is never mis-read.
"""

import gzip
import math
import zlib
from pathlib import Path

import numpy as np

from ..io import write_atomically

TYPE_CODES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
CODE_OF_KIND = {(dtype.kind, dtype.itemsize): code for code, dtype in TYPE_CODES.items()}
MAX_DIMENSIONS = 16
# Deflate turns one compressed byte into at most about 1032 bytes, so a gzip file of
# S bytes cannot hold more than 1032 S: a header that declares more is a broken file.
GZIP_MAX_RATIO = 1032
# After the declared payload, extra bytes are counted up to this many, no further.
MAX_EXTRA_COUNTED = 1 << 20
GZIP_MAGIC = b"\x1f\x8b"


def is_gzip_name(path):
    """A name ending in .gz, in any case (``.GZ`` too), means a gzip file."""
    return Path(path).suffix.lower() == ".gz"


def read_bytes(path, gzipped=None):
    """The bytes of an IDX file (header and payload), decompressed when gzipped.

    By default a name ending in ``.gz`` (in any case) means gzip. Reads no more than the header
    declares (plus a bounded count of any extra bytes, which are an error), so a
    small file that inflates to gigabytes is rejected without filling the memory.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path}: is a folder, not an IDX file")
    if not path.is_file():
        raise FileNotFoundError(f"{path}: file not found")
    if gzipped is None:
        gzipped = is_gzip_name(path)
    if not gzipped:
        return path.read_bytes()  # as large as the file, no larger: parse_idx checks the rest
    try:
        with gzip.open(path, "rb") as stream:
            return read_gzip_stream(stream, str(path), path.stat().st_size * GZIP_MAX_RATIO)
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(f"{path}: not a valid gzip file ({error}); "
                         "delete it and download it again") from error


def read_gzip_stream(stream, name, max_size):
    """Read one IDX file from a decompressing stream: the header, then its declared payload.

    ``max_size``: the most bytes the stream can inflate to, so that a header declaring
    more is refused before any payload is read.
    """
    data = stream.read(4)
    if len(data) == 4 and data[3] <= MAX_DIMENSIONS:
        data += stream.read(4 * data[3])
    dtype, shape, header_size = parse_header(data, name)
    expected = math.prod(shape) * dtype.itemsize
    if header_size + expected > max_size:
        raise ValueError(f"{name}: truncated IDX payload: shape {shape} of {dtype.name} needs "
                         f"{expected} bytes after the header, more than this gzip file can hold")
    data += stream.read(expected)
    extra = 0
    while extra <= MAX_EXTRA_COUNTED:
        chunk = stream.read(1 << 16)
        if not chunk:
            break
        extra += len(chunk)
    check_payload_size(name, dtype, shape, expected, len(data) - header_size + extra)
    return data


def parse_header(data, name):
    """Check an IDX header; returns ``(dtype, shape, header_size)``."""
    if len(data) < 4:
        raise ValueError(f"{name}: IDX header must be at least 4 bytes, the file has {len(data)}")
    if data[:2] == GZIP_MAGIC:
        raise ValueError(f"{name}: not an IDX file: it starts like a gzip file (0x1f 0x8b): "
                         "name it .gz (or pass gzipped=True) to have it decompressed")
    if data[0] != 0 or data[1] != 0:
        raise ValueError(f"{name}: not an IDX file: the magic number must start with two zero "
                         f"bytes, found 0x{data[0]:02x} 0x{data[1]:02x}")
    code, ndim = data[2], data[3]
    if code not in TYPE_CODES:
        known = ", ".join(f"0x{c:02X}" for c in TYPE_CODES)
        raise ValueError(f"{name}: unknown IDX type code 0x{code:02X}, expected one of {known}")
    if not 1 <= ndim <= MAX_DIMENSIONS:
        raise ValueError(f"{name}: IDX dimension count must be 1 to {MAX_DIMENSIONS}, got {ndim}")
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise ValueError(f"{name}: truncated IDX header: {ndim} dimensions need {header_size} "
                         f"header bytes, the file has {len(data)}")
    shape = tuple(int(size) for size in np.frombuffer(data, ">u4", count=ndim, offset=4))
    return TYPE_CODES[code], shape, header_size


def check_payload_size(name, dtype, shape, expected, actual):
    """The payload must be exactly prod(shape) elements: a clear error for more or fewer."""
    if actual < expected:
        raise ValueError(f"{name}: truncated IDX payload: shape {shape} of {dtype.name} needs "
                         f"{expected} bytes after the header, the file has {actual}")
    if actual > expected + MAX_EXTRA_COUNTED:
        raise ValueError(f"{name}: more than {MAX_EXTRA_COUNTED} extra bytes after the IDX "
                         f"payload: shape {shape} of {dtype.name} needs {expected} bytes")
    if actual > expected:
        raise ValueError(f"{name}: {actual - expected} extra bytes after the IDX payload: "
                         f"shape {shape} of {dtype.name} needs {expected} bytes, found {actual}")


def parse_idx(data, name="<bytes>"):
    """Decode the bytes of an IDX file into a native-endian array of its shape.

    For one-byte types the result is a read-only view of ``data`` (no copy);
    ``read_idx`` returns a writable copy.
    """
    dtype, shape, header_size = parse_header(data, name)
    expected = math.prod(shape) * dtype.itemsize   # Python integers: no overflow
    check_payload_size(name, dtype, shape, expected, len(data) - header_size)
    # A 0 beside huge sizes needs no payload, but NumPy sizes an array by its nonzero
    # dimensions and has no array of that shape.
    if math.prod(size for size in shape if size) * dtype.itemsize > np.iinfo(np.intp).max:
        raise ValueError(f"{name}: IDX header declares shape {shape}, too large for an array "
                         f"of {dtype.name}: a corrupt header")
    array = np.frombuffer(data, dtype, offset=header_size).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=False)


def read_idx(path):
    """Read an IDX file (raw, or gzip when the name ends in ``.gz``, any case) into an array.

    Returns an array of the file's shape and element type, in native byte order.
    Raises ValueError naming the file for anything that is not a valid IDX file.
    """
    array = parse_idx(read_bytes(path), name=str(path))
    return array if array.flags.writeable else array.copy()


def write_idx(path, array):
    """Write ``array`` as an IDX file, gzip-compressed when the name ends in ``.gz`` (any case).

    array: uint8, int8, int16, int32, float32 or float64, 1 to 16 dimensions.
    The file appears only when complete (written to a temporary file, then renamed).
    """
    path = Path(path)
    array = np.asarray(array)
    code = CODE_OF_KIND.get((array.dtype.kind, array.dtype.itemsize))
    if code is None:
        raise TypeError("array dtype must be one of uint8, int8, int16, int32, float32, "
                        f"float64 for IDX, got {array.dtype}")
    if not 1 <= array.ndim <= MAX_DIMENSIONS:
        raise ValueError(f"array must have 1 to {MAX_DIMENSIONS} dimensions, got {array.ndim}")
    header = bytes([0, 0, code, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    content = header + np.ascontiguousarray(array, TYPE_CODES[code]).tobytes()
    if is_gzip_name(path):
        content = gzip.compress(content, mtime=0)
    write_atomically(path, content)
