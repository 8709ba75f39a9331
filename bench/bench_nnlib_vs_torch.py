"""Benchmark: one training step of nnlib's MLP against the same network in PyTorch (CPU).

A step is forward, loss, backward and the optimizer update (SGD, and separately Adam).
Both libraries run in float64 (nnlib's default dtype), on the same weights and data, in
the same process.  The measurements are interleaved (a block of nnlib steps, then a
block of torch steps, repeated) so that both see the same machine state, and the median
time per step of each is compared.  A ratio below 1 means nnlib is faster.

Run:  .venv/bin/python bench/bench_nnlib_vs_torch.py [--repeats 15] [--quick]

Thread settings are left as the environment gives them (OPENBLAS_* variables are not
touched; torch uses its default thread count); both are printed.
"""
import argparse
import ctypes
import glob
import os
import platform
import statistics
import sys
import time

import numpy as np

try:
    import torch
except ImportError:  # torch is a benchmark/cross-check dependency only
    sys.exit("This benchmark needs PyTorch (see requirements-crosscheck.txt).")

from nnlib import layers, losses, optim

# (label, layer sizes, batch size, loss)
CONFIGS = [
    ("784-256-10", [784, 256, 10], 128, "softmax_ce"),
    ("784-512-512-10", [784, 512, 512, 10], 256, "softmax_ce"),
    ("2-16-16-1", [2, 16, 16, 1], 200, "mse"),
]
OPTIMIZERS = {
    "SGD": (lambda p: optim.SGD(p, lr=0.01), lambda p: torch.optim.SGD(p, lr=0.01)),
    "Adam": (lambda p: optim.Adam(p, lr=1e-3), lambda p: torch.optim.Adam(p, lr=1e-3)),
}


def openblas_info():
    """(thread count, core type) of NumPy's bundled OpenBLAS, or (None, None) if not found."""
    folder = os.path.dirname(np.__file__) + ".libs"
    for path in glob.glob(os.path.join(folder, "libscipy_openblas*.so")):
        lib = ctypes.CDLL(path)
        threads = core = None
        for prefix in ("scipy_openblas_", "openblas_"):
            for suffix in ("64_", ""):
                if threads is None and hasattr(lib, f"{prefix}get_num_threads{suffix}"):
                    threads = getattr(lib, f"{prefix}get_num_threads{suffix}")()
                if core is None and hasattr(lib, f"{prefix}get_corename{suffix}"):
                    fn = getattr(lib, f"{prefix}get_corename{suffix}")
                    fn.restype = ctypes.c_char_p
                    core = fn().decode()
        return threads, core
    return None, None


def build(sizes, batch, loss_name, opt_name, seed=0):
    """nnlib and torch versions of the same network, data, loss and optimizer."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(batch, sizes[0]))
    if loss_name == "mse":
        y = rng.normal(size=(batch, sizes[-1]))
        loss, tloss = losses.MSE(), torch.nn.MSELoss()
        ty = torch.from_numpy(y)
    else:
        y = rng.integers(0, sizes[-1], size=batch)
        loss, tloss = losses.SoftmaxCrossEntropy(), torch.nn.CrossEntropyLoss()
        ty = torch.from_numpy(y)
    model = layers.MLP(sizes, activation="relu", init="he_normal", rng=rng)
    modules = []
    for layer in model.layers:
        if isinstance(layer, layers.Linear):
            lin = torch.nn.Linear(layer.n_in, layer.n_out, dtype=torch.float64)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(layer.W))
                lin.bias.copy_(torch.from_numpy(layer.b))
            modules.append(lin)
        else:
            modules.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*modules)
    make_ours, make_theirs = OPTIMIZERS[opt_name]
    opt, topt = make_ours(model.params), make_theirs(net.parameters())
    tX = torch.from_numpy(X)

    def nnlib_step():
        loss(model.forward(X), y)
        model.backward(loss.backward())
        opt.step(model.grads)

    def torch_step():
        topt.zero_grad()
        tloss(net(tX), ty).backward()
        topt.step()

    return nnlib_step, torch_step


def per_step(fn, n):
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def compare(nnlib_step, torch_step, repeats, block_seconds):
    for fn in (nnlib_step, torch_step):  # warm up (allocations, caches, torch's lazy set-up)
        per_step(fn, 3)
    rough = min(per_step(nnlib_step, 3), per_step(torch_step, 3))
    n = max(1, int(block_seconds / max(rough, 1e-7)))
    ours, theirs = [], []
    for r in range(repeats):  # interleaved, alternating which goes first
        pair = ((nnlib_step, ours), (torch_step, theirs))
        for fn, out in (pair if r % 2 == 0 else pair[::-1]):
            out.append(per_step(fn, n))
    return (statistics.median(ours), statistics.median(theirs)), (min(ours), min(theirs)), n


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="interleaved blocks per library")
    parser.add_argument("--block", type=float, default=0.05, help="seconds per block (about)")
    parser.add_argument("--quick", action="store_true", help="5 repeats of 0.02 s blocks")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.block = 5, 0.02

    blas_env = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS", "OMP", "MKL"))}
    print(f"nnlib vs PyTorch {torch.__version__} (CPU), one training step, both float64")
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, {os.cpu_count()} CPUs; "
          f"torch threads {torch.get_num_threads()} (interop {torch.get_num_interop_threads()}), "
          "NumPy OpenBLAS threads {} (core {}); env {}".format(
              *openblas_info(), blas_env or "has no OPENBLAS/OMP/MKL variables"))
    print(f"median of {args.repeats} interleaved blocks of ~{args.block * 1000:.0f} ms each "
          f"(the ratio of the fastest blocks in brackets)")
    load_before = os.getloadavg()[0]
    print(f"load average before: {load_before:.2f}\n")
    header = (f"{'network':<16}{'batch':>6}  {'loss':<11}{'optimizer':<10}{'nnlib ms':>10}{'torch ms':>10}"
              f"{'ratio':>8}{'(best)':>9}")
    print(header)
    print("-" * len(header))
    ratios = []
    for label, sizes, batch, loss_name in CONFIGS:
        for opt_name in OPTIMIZERS:
            nnlib_step, torch_step = build(sizes, batch, loss_name, opt_name)
            (ours, theirs), (ours_best, theirs_best), _ = compare(nnlib_step, torch_step, args.repeats, args.block)
            ratio = ours / theirs
            ratios.append((ratio, f"{label} {opt_name}"))
            print(f"{label:<16}{batch:>6}  {loss_name:<11}{opt_name:<10}{ours * 1e3:>10.3f}"
                  f"{theirs * 1e3:>10.3f}{ratio:>8.2f}{f'({ours_best / theirs_best:.2f})':>9}", flush=True)
    worst, where = max(ratios)
    print(f"\nworst ratio nnlib/torch: {worst:.2f} ({where}); target <= 1.0: {'met' if worst <= 1.0 else 'NOT met'}")
    load = max(load_before, os.getloadavg()[0])
    if load > 0.5:
        print(f"warning: load average {load:.2f}: other processes compete for the CPUs; torch's "
              "multi-threaded kernels suffer more from that than NumPy, so re-run on an idle machine")
    return 0


if __name__ == "__main__":
    sys.exit(main())
