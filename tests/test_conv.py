"""Convolution and pooling: against loops over output pixels, and against numerical gradients."""

import numpy as np
import pytest

from nnnumpy.conv import AveragePooling, Convolution, Flatten, Pooling, col2im, im2col
from nnnumpy.gradcheck import check_layer
from nnnumpy.layers import ReLU

LAYER_BOUND = 1e-7


# ------------------------------------------------------ references: one output pixel at a time
def padded(x, pad):
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def conv_reference(x, W, b, stride, pad, dout):
    """out, dx, dW, db of a convolution, by loops over samples, filters and output pixels."""
    n, _, height, width = x.shape
    filters, _, fh, fw = W.shape
    out_h, out_w = (height + 2 * pad - fh) // stride + 1, (width + 2 * pad - fw) // stride + 1
    xp = padded(x, pad)
    out = np.zeros((n, filters, out_h, out_w))
    dxp, dW, db = np.zeros_like(xp), np.zeros_like(W), np.zeros_like(b)
    for s in range(n):
        for f in range(filters):
            for i in range(out_h):
                for j in range(out_w):
                    rows = slice(i * stride, i * stride + fh)
                    cols = slice(j * stride, j * stride + fw)
                    out[s, f, i, j] = np.sum(xp[s, :, rows, cols] * W[f]) + b[f]
                    dW[f] += dout[s, f, i, j] * xp[s, :, rows, cols]
                    dxp[s, :, rows, cols] += dout[s, f, i, j] * W[f]
                    db[f] += dout[s, f, i, j]
    return out, dxp[:, :, pad:pad + height, pad:pad + width], dW, db


def pool_reference(x, size, stride, pad, dout, kind):
    """out and dx of max or average pooling, by loops; max ties go to the first pixel."""
    n, c, height, width = x.shape
    out_h, out_w = (height + 2 * pad - size) // stride + 1, (width + 2 * pad - size) // stride + 1
    x = padded(x, pad)
    out, dx = np.zeros((n, c, out_h, out_w)), np.zeros_like(x)
    for s in range(n):
        for ch in range(c):
            for i in range(out_h):
                for j in range(out_w):
                    rows = slice(i * stride, i * stride + size)
                    cols = slice(j * stride, j * stride + size)
                    window = x[s, ch, rows, cols]
                    if kind == "max":
                        out[s, ch, i, j] = window.max()
                        r, q = np.unravel_index(np.argmax(window), window.shape)
                        dx[s, ch, i * stride + r, j * stride + q] += dout[s, ch, i, j]
                    else:
                        out[s, ch, i, j] = window.mean()
                        dx[s, ch, rows, cols] += dout[s, ch, i, j] / size ** 2
    return out, dx[:, :, pad:pad + height, pad:pad + width]


GEOMETRIES = [(1, 0), (1, 1), (2, 0), (2, 1), (3, 2)]


@pytest.mark.parametrize("stride, pad", GEOMETRIES)
def test_convolution_equals_the_loop_reference(stride, pad, rng):
    x = rng.standard_normal((2, 3, 7, 8))
    W, b = rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    layer = Convolution(W, b, stride=stride, pad=pad)
    out = layer.forward(x)
    dout = rng.standard_normal(out.shape)
    expected_out, expected_dx, expected_dW, expected_db = conv_reference(x, W, b, stride, pad,
                                                                         dout)
    np.testing.assert_allclose(out, expected_out, rtol=1e-12, atol=1e-12)
    dx = layer.backward(dout)
    np.testing.assert_allclose(dx, expected_dx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.dW, expected_dW, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.db, expected_db, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("stride, pad", GEOMETRIES)
def test_convolution_gradients_match_numerical(stride, pad, rng):
    layer = Convolution(rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3),
                        stride=stride, pad=pad)
    report = check_layer(layer, rng.standard_normal((2, 2, 6, 7)))
    assert set(report.errors) == {"x", "W", "b"}
    assert report.worst < LAYER_BOUND, str(report)


def distinct_values(rng, shape):
    """Values 0.01 apart in random order, half of them negative, none within 0.005 of the
    padding's zeros: no window has a tie, and no nudge of h = 1e-5 changes which pixel
    holds a window's maximum."""
    count = int(np.prod(shape))
    return (rng.permutation(count).reshape(shape) - count // 2) * 0.01 + 0.005


@pytest.mark.parametrize("size, stride, pad", [(2, 2, 0), (3, 1, 0), (2, 1, 0), (3, 2, 0),
                                               (2, 2, 1), (3, 2, 1)])
@pytest.mark.parametrize("kind, make", [("max", Pooling), ("average", AveragePooling)])
def test_pooling_equals_the_loop_reference_and_numerical_gradients(size, stride, pad, kind,
                                                                   make, rng):
    x = distinct_values(rng, (2, 3, 7, 6))
    layer = make(size, size, stride=stride, pad=pad)
    out = layer.forward(x)
    dout = rng.standard_normal(out.shape)
    expected_out, expected_dx = pool_reference(x, size, stride, pad, dout, kind)
    np.testing.assert_allclose(out, expected_out, rtol=1e-12)
    np.testing.assert_allclose(layer.backward(dout), expected_dx, rtol=1e-12, atol=1e-12)
    # Pooling is linear between kinks, and every kink is at least 0.005 away (values 0.01
    # apart): central differences are exact there for any step below that, and a step of
    # 1e-3 makes their rounding error (about 1e-16 |f| / h) 100 times smaller than 1e-5.
    report = check_layer(make(size, size, stride=stride, pad=pad), x, h=1e-3)
    assert report.worst < LAYER_BOUND, str(report)


def test_max_pooling_over_windows_of_more_than_127_pixels(rng):
    """144 offsets: more than an int8 can name."""
    x = distinct_values(rng, (2, 1, 12, 12))
    layer = Pooling(12, 12)
    np.testing.assert_array_equal(layer.forward(x)[:, 0, 0, 0], x.max(axis=(1, 2, 3)))
    dx = layer.backward(np.ones((2, 1, 1, 1)))
    np.testing.assert_array_equal(dx, x == x.max(axis=(1, 2, 3), keepdims=True))


def test_max_pooling_ties_go_to_the_first_pixel():
    x = np.zeros((1, 1, 2, 4))
    x[0, 0, :, 2:] = [[1.0, 5.0], [5.0, 5.0]]
    layer = Pooling(2, 2)
    np.testing.assert_array_equal(layer.forward(x), [[[[0.0, 5.0]]]])
    dx = layer.backward(np.array([[[[7.0, 3.0]]]]))
    np.testing.assert_array_equal(dx, [[[[7.0, 0.0, 0.0, 3.0], [0.0, 0.0, 0.0, 0.0]]]])


def test_im2col_keeps_the_dtype_and_col2im_is_its_adjoint(rng):
    x = rng.standard_normal((2, 3, 6, 5)).astype(np.float32)
    col = im2col(x, 3, 2, stride=2, pad=1)
    assert col.dtype == np.float32 and col.shape == (2, 3 * 3 * 2, 3 * 3)
    # <im2col(x), c> = <x, col2im(c)> for any c: col2im is the transpose of im2col.
    c = rng.standard_normal(col.shape).astype(np.float32)
    back = col2im(c, x.shape, 3, 2, stride=2, pad=1)
    assert back.dtype == np.float32
    assert float(np.sum(col * c)) == pytest.approx(float(np.sum(x * back)), rel=1e-5)


def test_first_layer_skips_dx(rng):
    layer = Convolution(rng.standard_normal((2, 1, 3, 3)), np.zeros(2), compute_dx=False)
    out = layer.forward(rng.standard_normal((2, 1, 5, 5)))
    assert layer.backward(np.ones_like(out)) is None and layer.dW.shape == (2, 1, 3, 3)


def test_backward_never_modifies_dout(rng):
    x = rng.standard_normal((2, 2, 6, 6))
    for layer in (Convolution(rng.standard_normal((3, 2, 3, 3)), np.zeros(3)), Pooling(2, 2),
                  AveragePooling(2, 2), Flatten()):
        out = layer.forward(x)
        dout = rng.standard_normal(out.shape)
        kept = dout.copy()
        layer.backward(dout)
        np.testing.assert_array_equal(dout, kept)


def test_forward_keeps_x_and_its_dtype(rng):
    x = rng.standard_normal((2, 2, 6, 6)).astype(np.float32)
    kept = x.copy()
    for layer in (Convolution(rng.standard_normal((3, 2, 3, 3)).astype(np.float32),
                              np.zeros(3, np.float32)),
                  Pooling(2, 2), AveragePooling(2, 2), ReLU()):
        assert layer.forward(x).dtype == np.float32, type(layer).__name__
        np.testing.assert_array_equal(x, kept, err_msg=type(layer).__name__)


@pytest.mark.parametrize("make, x_shape, message", [
    (lambda: Convolution(np.zeros((2, 3, 3, 3)), np.zeros(2)), (4, 3, 28),
     r"x must be images \(N, C, H, W\), got shape \(4, 3, 28\)"),
    (lambda: Convolution(np.zeros((2, 3, 3, 3)), np.zeros(2)), (4, 1, 28, 28),
     r"must have 3 channels \(N, 3, H, W\) to match the filters, got shape \(4, 1, 28, 28\)"),
    (lambda: Convolution(np.zeros((2, 1, 9, 9)), np.zeros(2), pad=1), (1, 1, 6, 6),
     r"a 9 x 9 window does not fit in images of shape \(1, 1, 6, 6\) padded by 1 \(8 x 8\)"),
    (lambda: Pooling(3, 3), (1, 1, 2, 5), r"a 3 x 3 window does not fit"),
])
def test_bad_shapes_are_value_errors_naming_them(make, x_shape, message):
    with pytest.raises(ValueError, match=message):
        make().forward(np.zeros(x_shape))


@pytest.mark.parametrize("make, message", [
    (lambda: Convolution(np.zeros((2, 3, 3)), np.zeros(2)), r"W must be filters \(FN, C, FH"),
    (lambda: Convolution(np.zeros((2, 1, 3, 3)), np.zeros(3)), r"b must have shape \(2,\)"),
    (lambda: Convolution(np.zeros((2, 1, 3, 3)), np.zeros(2), stride=0), "stride must be"),
    (lambda: Pooling(2, 2, pad=-1), "pad must be an integer >= 0"),
    (lambda: Pooling(0, 2), "pool_h must be an integer >= 1, got 0"),
    (lambda: AveragePooling(2, 2.5), "pool_w must be an integer >= 1, got 2.5"),
])
def test_bad_settings_are_value_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_a_stride_that_does_not_tile_leaves_the_last_pixels_out(rng):
    """8 pixels, windows of 3 in steps of 2: windows at 0, 2, 4; pixel 7 is in none."""
    x = rng.standard_normal((1, 1, 8, 8))
    layer = Convolution(np.ones((1, 1, 3, 3)), np.zeros(1), stride=2)
    assert layer.forward(x).shape == (1, 1, 3, 3)
    dx = layer.backward(np.ones((1, 1, 3, 3)))
    assert np.all(dx[0, 0, 7, :] == 0) and np.all(dx[0, 0, :, 7] == 0)
    assert np.all(dx[0, 0, :7, :7] > 0)
