"""Time load_mnist on the real files: median of several loads in fresh processes.

Usage: python benchmarks/bench_load_mnist.py [--data-dir DIR] [--repeats 5]
Each load runs in a new Python process, as a user's script would, so the time
includes decompressing, verifying and converting, but not importing nnnumpy.
"""

import argparse
import statistics
import subprocess
import sys

PROGRAM = """
import time
from nnnumpy import load_mnist
start = time.perf_counter()
load_mnist(data_dir={data_dir!r})
print(time.perf_counter() - start)
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="folder with MNIST (default: "
                        "NNNUMPY_DATA, else data/)")
    parser.add_argument("--repeats", type=int, default=5, help="number of loads (default: 5)")
    args = parser.parse_args(argv)
    times = []
    for _ in range(args.repeats):
        result = subprocess.run([sys.executable, "-c", PROGRAM.format(data_dir=args.data_dir)],
                                check=True, capture_output=True, text=True)
        times.append(float(result.stdout.strip().splitlines()[-1]))
    print("load_mnist, full train + test set, verified: "
          + ", ".join(f"{t:.3f}" for t in times) + " s")
    print(f"median {statistics.median(times):.3f} s, best {min(times):.3f} s")


if __name__ == "__main__":
    main()
