"""Datasets: the IDX file format and the MNIST loader."""

from .idx import read_idx, write_idx
from .mnist import data_location, load_mnist

__all__ = ["data_location", "load_mnist", "read_idx", "write_idx"]
