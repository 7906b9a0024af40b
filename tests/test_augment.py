import numpy as np
import pytest

from nnnumpy.augment import RandomShift
from nnnumpy.backend import to_backend, to_numpy


def shift_one(image, dy, dx):
    """The plain definition: out[r, c] = image[r - dy, c - dx], zero outside."""
    height, width = image.shape
    out = np.zeros_like(image)
    for r in range(height):
        for c in range(width):
            if 0 <= r - dy < height and 0 <= c - dx < width:
                out[r, c] = image[r - dy, c - dx]
    return out


def matching_offset(image, shifted, max_shift):
    """The offsets (dy, dx) that turn image into shifted."""
    return [(dy, dx) for dy in range(-max_shift, max_shift + 1)
            for dx in range(-max_shift, max_shift + 1)
            if np.array_equal(shift_one(image, dy, dx), shifted)]


def test_each_image_is_its_own_shift_of_the_original(backend_name):
    rng = np.random.default_rng(0)
    x = rng.random((40, 6 * 5)).astype(np.float32)   # no zeros: every shift is distinct
    out = to_numpy(RandomShift(2, image_shape=(6, 5), seed=0)(to_backend(x)))
    assert out.shape == x.shape and out.dtype == np.float32
    offsets = []
    for image, shifted in zip(x.reshape(-1, 6, 5), out.reshape(-1, 6, 5)):
        found = matching_offset(image, shifted, 2)
        assert len(found) == 1, "each output must be exactly one shift of its own input"
        offsets.append(found[0])
    assert len(set(offsets)) > 10, "offsets are drawn per image, not once per batch"
    assert max(abs(dy) for dy, _ in offsets) == 2 and max(abs(dx) for _, dx in offsets) == 2


def test_every_offset_comes_up_uniformly():
    image = np.arange(1, 10, dtype=np.float64).reshape(1, 9)
    shift = RandomShift(1, image_shape=(3, 3), seed=1)
    counts = {}
    for _ in range(900):
        (offset,) = matching_offset(image.reshape(3, 3), shift(image).reshape(3, 3), 1)
        counts[offset] = counts.get(offset, 0) + 1
    assert len(counts) == 9
    assert min(counts.values()) > 60 and max(counts.values()) < 140   # 100 expected each


def test_keeps_image_shaped_batches_and_the_seed_repeats():
    x = np.random.default_rng(2).random((5, 1, 7, 7))
    a = RandomShift(1, image_shape=(7, 7), seed=3)(x)
    b = RandomShift(1, image_shape=(7, 7), seed=3)(x)
    assert a.shape == (5, 1, 7, 7)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, x)


@pytest.mark.parametrize("kwargs, message", [
    ({"max_shift": 0}, "max_shift must be a positive integer, got 0"),
    ({"max_shift": 1.5}, "max_shift must be a positive integer"),
    ({"image_shape": (28,)}, r"image_shape must be \(height, width\)"),
    ({"max_shift": 100}, r"max_shift must be less than half the image side \(28 pixels\), "
                         "got 100"),
    ({"max_shift": 14}, "got 14"),
])
def test_bad_settings_are_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RandomShift(**kwargs)


def test_wrong_image_size_is_a_clear_error():
    with pytest.raises(ValueError, match=r"28 x 28 = 784 pixels each, got shape \(3, 100\)"):
        RandomShift(1)(np.zeros((3, 100)))
