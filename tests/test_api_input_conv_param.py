"""SimpleConvNet's conv_param: every key checked, by name, before any array is made."""

import numpy as np
import pytest

from nnnumpy import SimpleConvNet


@pytest.mark.parametrize("conv_param, message", [
    ({"filter_size": 0}, r"conv_param\['filter_size'\] must be an integer >= 1, got 0"),
    ({"filter_size": 2.5}, r"conv_param\['filter_size'\] must be an integer >= 1, got 2.5"),
    ({"filter_num": 0}, r"conv_param\['filter_num'\] must be an integer >= 1, got 0"),
    ({"stride": 0}, r"conv_param\['stride'\] must be an integer >= 1, got 0"),
    ({"stride": 1.0}, r"conv_param\['stride'\] must be an integer >= 1, got 1.0"),
    ({"stride": True}, r"conv_param\['stride'\] must be an integer >= 1, got True"),
    ({"pad": -1}, r"conv_param\['pad'\] must be an integer >= 0, got -1"),
    ({"pad": "same"}, r"conv_param\['pad'\] must be an integer >= 0, got 'same'"),
    ({"filters": 3, "size": 2}, r"conv_param has unknown keys \['filters', 'size'\]"),
    ({"filter_size": 29}, r"conv_param\['filter_size'\] = 29 is larger than the 28 x 28 "
                          r"image padded by conv_param\['pad'\] = 0"),
    ({"filter_size": 5, "pad": 1, "stride": 30},
     r"leaves 1 x 1 pixels of a 28 x 28 image: too few to pool 2 x 2 .*filter_size.*stride"),
])
def test_bad_conv_param_is_a_value_error_naming_the_key(conv_param, message):
    with pytest.raises(ValueError, match=message):
        SimpleConvNet(conv_param=conv_param)


def test_conv_param_must_be_a_dict():
    with pytest.raises(TypeError, match=r"conv_param must be a dict .* got list"):
        SimpleConvNet(conv_param=[("filter_size", 3)])


def test_numpy_integers_are_accepted_and_kept_as_python_ints():
    net = SimpleConvNet((1, 8, 8), {"filter_num": np.int64(2), "filter_size": np.int32(3),
                                    "pad": np.int64(1), "stride": np.int64(1)},
                        hidden_size=4, output_size=3)
    assert all(type(value) is int for value in net.conv_param.values())
    assert net.params["W1"].shape == (2, 1, 3, 3)


def test_a_filter_larger_than_the_image_is_fine_when_the_padding_makes_room():
    """A 10 x 10 filter on 8 x 8 images padded by 2 (12 x 12) leaves 3 x 3, pooled to 1 x 1."""
    net = SimpleConvNet((1, 8, 8), {"filter_num": 2, "filter_size": 10, "pad": 2},
                        hidden_size=4, output_size=3)
    assert net.predict(np.zeros((1, 1, 8, 8), np.float32)).shape == (1, 3)
