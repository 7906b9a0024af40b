import gzip
import tracemalloc

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
def test_random_bytes_raise_value_error_or_decode_exactly(content):
    """Any bytes either decode to an array whose header and payload fill them exactly,
    or raise ValueError (any other exception fails the test)."""
    try:
        array = parse_idx(content)
    except ValueError:
        return
    assert 4 + 4 * array.ndim + array.size * array.itemsize == len(content)
    assert content[:2] == b"\x00\x00"


def test_random_bytes_with_a_valid_header_decode(tmp_path):
    content = valid_bytes()[:-4] + bytes([7, 0, 255, 9])
    np.testing.assert_array_equal(parse_idx(content), [[7, 0], [255, 9]])


def test_huge_declared_dimensions_are_an_error_naming_the_file(tmp_path):
    path = tmp_path / "huge.idx.gz"
    header = b"\x00\x00\x0e\x04" + b"\xff\xff\xff\xff" * 4   # (2^32 - 1)^4 doubles
    path.write_bytes(gzip.compress(header + bytes(16)))
    with pytest.raises(ValueError, match="truncated IDX payload") as info:
        read_idx(path)
    assert str(path) in str(info.value) and "-" not in str(info.value).split("needs")[1][:5]
    raw = tmp_path / "huge.idx"
    raw.write_bytes(header + bytes(16))
    with pytest.raises(ValueError, match=r"needs 2722258932832206508135981771861358805000 "
                                         r"bytes after the header, the file has 16"):
        read_idx(raw)


def test_gunzip_stops_at_the_declared_size(tmp_path):
    """A small gzip that inflates to 64 MB behind a 4-byte payload is refused without
    ever holding the 64 MB in memory."""
    path = tmp_path / "bomb.idx.gz"
    path.write_bytes(gzip.compress(valid_bytes() + bytes(64 << 20)))
    assert path.stat().st_size < 100_000
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="more than 1048576 extra bytes after the IDX"):
            read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20, f"peak memory {peak} bytes"


def test_missing_file_is_not_found_not_a_gzip_error(tmp_path):
    for name in ("missing.idx.gz", "missing.idx"):
        with pytest.raises(FileNotFoundError, match="not found") as info:
            read_idx(tmp_path / name)
        assert str(tmp_path / name) in str(info.value)


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


def test_a_zero_dimension_beside_huge_ones_is_an_error_naming_the_file(tmp_path):
    """(0, 2^32 - 1, 2^32 - 1) holds no element, so no payload, but no array has that shape."""
    path = tmp_path / "empty-but-huge.idx"
    path.write_bytes(b"\x00\x00\x08\x03" + b"\x00\x00\x00\x00" + b"\xff\xff\xff\xff" * 2)
    with pytest.raises(ValueError, match=r"declares shape \(0, 4294967295, 4294967295\), too "
                                         r"large for an array of uint8") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_an_empty_array_still_round_trips(tmp_path):
    write_idx(tmp_path / "empty.idx", np.zeros((0, 28, 28), np.uint8))
    assert read_idx(tmp_path / "empty.idx").shape == (0, 28, 28)


def test_a_directory_is_named_as_a_directory(tmp_path):
    folder = tmp_path / "train-images-idx3-ubyte.gz"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match="is a folder, not an IDX file") as info:
        read_idx(folder)
    assert str(folder) in str(info.value) and "not found" not in str(info.value)


@pytest.mark.parametrize("suffix", [".GZ", ".Gz", ".gZ"])
def test_the_gzip_suffix_is_recognised_in_any_case(tmp_path, suffix):
    array = np.arange(6, dtype=np.uint8).reshape(2, 3)
    path = tmp_path / f"a.idx{suffix}"
    write_idx(path, array)
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    np.testing.assert_array_equal(read_idx(path), array)


def test_a_gzip_file_without_the_suffix_gets_a_hint(tmp_path):
    path = tmp_path / "labels.idx"
    path.write_bytes(gzip.compress(valid_bytes()))
    with pytest.raises(ValueError, match=r"starts like a gzip file \(0x1f 0x8b\): name it "
                                         r"\.gz") as info:
        read_idx(path)
    assert str(path) in str(info.value)
