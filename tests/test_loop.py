import numpy as np

from nnnumpy import TwoLayerNet
from nnnumpy.loop import train
from nnnumpy.optimizers import SGD


class RecordingNet(TwoLayerNet):
    """Records the sample ids (x[:, 0]) of every batch it computes a gradient on."""

    def __init__(self):
        super().__init__(2, 8, 2, weight_init_std="he", dtype=np.float64, seed=0)
        self.batches = []

    def gradient(self, x, t):
        self.batches.append(x[:, 0].astype(int))
        return super().gradient(x, t)


def test_every_sample_once_per_epoch_in_a_fresh_order():
    n = 53
    x = np.stack([np.arange(n), np.zeros(n)], axis=1).astype(np.float64)
    t = np.arange(n) % 2
    net = RecordingNet()
    train(net, x, t, x, t, SGD(lr=1e-3), epochs=2, batch_size=10, seed=0)
    assert [len(b) for b in net.batches] == [10] * 5 + [3] + [10] * 5 + [3]
    first, second = np.concatenate(net.batches[:6]), np.concatenate(net.batches[6:])
    assert sorted(first) == sorted(second) == list(range(n))
    assert not np.array_equal(first, second)


def test_the_plain_loop_learns():
    rng = np.random.default_rng(1)
    centers = rng.standard_normal((3, 6)) * 3
    t = rng.integers(0, 3, 300)
    x = centers[t] + rng.standard_normal((300, 6))
    net = TwoLayerNet(6, 16, 3, weight_init_std="he", dtype=np.float64, seed=0)
    accuracies = train(net, x[:250], t[:250], x[250:], t[250:], SGD(lr=0.1), epochs=5,
                       batch_size=25, seed=0)
    assert len(accuracies) == 5 and accuracies[-1] > 0.9
