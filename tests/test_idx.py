import gzip

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from nnnumpy.datasets.idx import parse_idx, read_idx, write_idx

IDX_DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


@given(dtype=st.sampled_from(IDX_DTYPES), data=st.data(), gz=st.booleans())
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_round_trip_for_every_type_and_shape(tmp_path, dtype, data, gz):
    shape = data.draw(array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5))
    array = data.draw(arrays(dtype, shape))
    path = tmp_path / ("a.idx.gz" if gz else "a.idx")
    write_idx(path, array)
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.shape == array.shape
    np.testing.assert_array_equal(back, array)
    assert back.flags.writeable


def test_header_layout_is_the_mnist_one(tmp_path):
    write_idx(tmp_path / "x.idx", np.arange(6, dtype=np.uint8).reshape(2, 3))
    raw = (tmp_path / "x.idx").read_bytes()
    assert raw[:4] == b"\x00\x00\x08\x02"
    assert raw[4:12] == b"\x00\x00\x00\x02\x00\x00\x00\x03"
    assert raw[12:] == bytes(range(6))


def test_write_rejects_unsupported_types(tmp_path):
    with pytest.raises(TypeError, match="int64"):
        write_idx(tmp_path / "x.idx", np.arange(3, dtype=np.int64))
    assert list(tmp_path.iterdir()) == []


def valid_bytes():
    return b"\x00\x00\x08\x02" + b"\x00\x00\x00\x02\x00\x00\x00\x02" + b"\x01\x02\x03\x04"


@pytest.mark.parametrize("content, message", [
    (b"\x01\x00\x08\x01\x00\x00\x00\x01\x05", "magic number must start with two zero bytes"),
    (b"\x00\x00\x07\x01\x00\x00\x00\x01\x05", "unknown IDX type code 0x07"),
    (b"\x00\x00\x08\x00", "dimension count must be 1 to 16, got 0"),
    (b"\x00\x00", "header must be at least 4 bytes, the file has 2"),
    (b"\x00\x00\x08\x02\x00\x00\x00\x02", "truncated IDX header: 2 dimensions need 12"),
    (valid_bytes()[:-1], "truncated IDX payload: .* needs 4 bytes after the header, "
                         "the file has 3"),
    (valid_bytes() + b"\x00\x00", "2 extra bytes after the IDX payload"),
])
def test_each_corruption_has_its_own_message_naming_the_file(tmp_path, content, message):
    path = tmp_path / "broken.idx"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_gzip_that_is_not_gzip(tmp_path):
    path = tmp_path / "fake.idx.gz"
    path.write_bytes(valid_bytes())
    with pytest.raises(ValueError, match="not a valid gzip file") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_truncated_gzip(tmp_path):
    path = tmp_path / "cut.idx.gz"
    path.write_bytes(gzip.compress(valid_bytes() * 100)[:-10])
    with pytest.raises(ValueError, match="not a valid gzip file"):
        read_idx(path)


@given(st.binary(max_size=64))
@settings(max_examples=300)
def test_random_bytes_raise_only_value_error(content):
    try:
        parse_idx(content)
    except ValueError:
        pass


@given(position=st.integers(0, 15), value=st.integers(0, 255),
       cut=st.integers(0, 16), extra=st.binary(max_size=3))
@settings(max_examples=300)
def test_mutated_files_raise_only_value_error(position, value, cut, extra):
    content = bytearray(valid_bytes())
    content[position] = value
    content = bytes(content[:len(content) - cut]) + extra
    try:
        array = parse_idx(content)
    except ValueError:
        return
    assert array.size * array.itemsize + 4 + 4 * array.ndim == len(content)
