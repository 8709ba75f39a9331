"""Benchmark: one training step of nnlib's MLP against the same network in PyTorch (CPU).

A step is forward, loss, backward and the optimizer update (SGD, and separately Adam).
Both libraries run in float64 (nnlib's default dtype), on the same weights and data, in
the same process.  The measurements are interleaved: a block of nnlib steps, then a
block of torch steps (which goes first alternates), repeated.  Each pair of neighbouring
blocks gives one time ratio, so a change in machine load affects both sides of a ratio
alike.  Printed per network and optimizer:

* the median time per step of each library, with the interquartile range of its blocks;
* "nnlib is X times as fast as PyTorch": X = median over the pairs of torch time / nnlib
  time (X > 1: nnlib is faster), with the interquartile range of the pairs' X; the
  median X over the quiet pairs only; and X of the two libraries' fastest blocks.

A second table times the SGD steps' matrix products alone, NumPy against torch, and
what is left of each library's step without them: it tells the BLAS's share of a gap
from nnlib's own (``--no-products`` skips it).

A third table measures nnlib's one speed technique, the optimizer's update in cache-sized
pieces (``Optimizer._update``), against whole-array updates, interleaved the same way:
the share of a step it saves is what keeps it in the code (at least 10% somewhere).
(``--no-techniques`` skips it.)

The summary gives the worst case (the smallest median X) and the issue's target, time
ratio nnlib/PyTorch = 1/X <= 1.0, and the worst case by the fastest blocks.

Run:  .venv/bin/python bench/bench_nnlib_vs_torch.py [--repeats 15] [--quick] [--wait-quiet 0.1]

Before each block the benchmark sleeps ``--pause`` seconds (0.25 by default): after a
block, NumPy's OpenBLAS threads and torch's OpenMP threads keep spinning for a while,
and without the pause each library's idle threads take CPU time from the other's block
(measured here on 784-512-512-10 with SGD: torch's median step took 27-63 ms without the
pause, 9-14 ms with it; nnlib's 14-17 ms and 9-10 ms).

Thread settings are left as the environment gives them (OPENBLAS_* variables are not
touched; torch uses its default thread count); both are printed.  The machine may be
shared: each row shows the share of all CPUs that other processes used while it was
measured (from /proc/stat), and the speed over the "quiet" pairs of blocks alone;
``--wait-quiet S`` waits (up to ``--wait-max`` seconds) before each row until other
processes use at most the share S.
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


def nnlib_problem(sizes, batch, loss_name, make_optimizer, seed=0):
    """nnlib's model, loss, optimizer and one training step (forward, loss, backward,
    update) on fixed random data: (step, model, X, y)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(batch, sizes[0]))
    if loss_name == "mse":
        y, loss = rng.normal(size=(batch, sizes[-1])), losses.MSE()
    else:
        y, loss = rng.integers(0, sizes[-1], size=batch), losses.SoftmaxCrossEntropy()
    model = layers.MLP(sizes, activation="relu", init="he_normal", rng=rng)
    opt = make_optimizer(model.params)

    def step():
        loss(model.forward(X), y)
        model.backward(loss.backward())
        opt.step(model.grads)

    return step, model, X, y


def whole_arrays(optimizer):
    optimizer.PIECE = None   # one update per parameter array, no pieces
    return optimizer


def cpu_per_step(steps, repeats):
    """For each step function, the fastest CPU time of this thread for one call, the calls
    interleaved (CPU time: a loaded machine's waiting for a CPU does not count)."""
    times = [[] for _ in steps]
    for r in range(repeats):
        for i in (range(len(steps)) if r % 2 == 0 else reversed(range(len(steps)))):
            start = time.thread_time()
            steps[i]()
            times[i].append(time.thread_time() - start)
    return [min(t) for t in times]


def techniques_table(args):
    """Print, per network and optimizer, nnlib's step with updates in pieces against whole-array updates."""
    title = ("\nnnlib's speed technique: the optimizer's update in cache-sized pieces (Optimizer.PIECE entries) "
             "against whole arrays, interleaved the same way\n")
    header = (f"{'network':<16}{'batch':>6}  {'optimizer':<10}{'pieces ms':<12}{'whole ms':<12}{'saved':<8}"
              f"{'others':<8}{'CPU ms, pieces / whole'}")
    for label, sizes, batch, loss_name in table_rows(args, title, header):
        for opt_name, (make, _) in OPTIMIZERS.items():
            pieces = nnlib_problem(sizes, batch, loss_name, make)[0]
            whole = nnlib_problem(sizes, batch, loss_name, lambda p: whole_arrays(make(p)))[0]
            ours, theirs, factors, others = compare(pieces, whole, args.repeats, args.block, args.pause)
            saved = 1.0 - 1.0 / statistics.median(factors)
            cpu = [seconds * 1e3 for seconds in cpu_per_step((pieces, whole), 3 * args.repeats)]
            print(f"{label:<16}{batch:>6}  {opt_name:<10}{statistics.median(ours) * 1e3:<12.3f}"
                  f"{statistics.median(theirs) * 1e3:<12.3f}{saved:<8.0%}{statistics.median(others):<8.0%}"
                  f"{cpu[0]:.3f} / {cpu[1]:.3f}", flush=True)
    print("saved: the share of the whole-array step that updating in pieces saves (median over pairs of blocks).  "
          "CPU ms: the fastest CPU time of this thread for one step (its share of the BLAS's work included, "
          "the other BLAS threads' not), which a loaded machine disturbs least.")


def build(sizes, batch, loss_name, opt_name, seed=0):
    """nnlib and torch versions of the same network, data, loss and optimizer."""
    make_ours, make_theirs = OPTIMIZERS[opt_name]
    nnlib_step, model, X, y = nnlib_problem(sizes, batch, loss_name, make_ours, seed)
    tloss = torch.nn.MSELoss() if loss_name == "mse" else torch.nn.CrossEntropyLoss()
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
    topt = make_theirs(net.parameters())
    tX, ty = torch.from_numpy(X), torch.from_numpy(y)

    def torch_step():
        topt.zero_grad()
        tloss(net(tX), ty).backward()
        topt.step()

    return nnlib_step, torch_step


def matrix_products(sizes, batch, seed=0):
    """The matrix products of one training step alone, in NumPy and in torch, on random
    arrays of the step's shapes: per Linear layer the forward x W^T, the weight gradient
    g^T x and (all but the first layer) the input gradient g W.  Both libraries' steps do
    exactly these products (PyTorch's autograd skips the first input gradient too), so
    the difference between the two shows how much of the step's gap is the BLAS."""
    rng = np.random.default_rng(seed)
    shapes = list(zip(sizes[:-1], sizes[1:]))
    ours = [(rng.normal(size=(batch, n_in)), rng.normal(size=(n_out, n_in)), rng.normal(size=(batch, n_out)),
             np.empty((n_out, n_in))) for n_in, n_out in shapes]
    theirs = [tuple(torch.from_numpy(a) for a in arrays) for arrays in ours]

    def run(arrays, matmul):
        for i, (x, W, g, gW) in enumerate(arrays):
            matmul(x, W.T)
            matmul(g.T, x, out=gW)
            if i > 0:
                matmul(g, W)

    return (lambda: run(ours, np.matmul)), (lambda: run(theirs, torch.matmul))


# a pair of blocks counts as quiet when other processes used at most this share of all CPUs
QUIET_SHARE = 0.05


def per_step(fn, n):
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def quartiles(values):
    """(25th percentile, median, 75th percentile) of a list of numbers."""
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


def cpu_seconds():
    """(CPU seconds used by the whole machine, CPU seconds used by this process) so far,
    from /proc/stat and /proc/self/stat (Linux); (0, 0) elsewhere."""
    try:
        tick = os.sysconf("SC_CLK_TCK")
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
        machine = sum(fields) - fields[3] - fields[4]          # all but idle and iowait
        with open("/proc/self/stat") as f:
            stat = f.read().rsplit(")", 1)[1].split()
        own = int(stat[11]) + int(stat[12])                     # utime + stime, all threads
        return machine / tick, own / tick
    except (OSError, ValueError, IndexError):
        return 0.0, 0.0


def compare(nnlib_step, torch_step, repeats, block_seconds, pause):
    """Per-block times of each library, the per-pair speed factors torch / nnlib, and per
    pair the share of the machine's CPU time that other processes used meanwhile."""
    for fn in (nnlib_step, torch_step):  # warm up (allocations, caches, torch's lazy set-up)
        per_step(fn, 3)
    rough = min(per_step(nnlib_step, 3), per_step(torch_step, 3))
    n = max(1, int(block_seconds / max(rough, 1e-7)))
    ours, theirs, others = [], [], []
    for r in range(repeats):  # interleaved, alternating which goes first
        pair = ((nnlib_step, ours), (torch_step, theirs))
        other_cpu = wall = 0.0
        for fn, out in (pair if r % 2 == 0 else pair[::-1]):
            time.sleep(pause)   # let the other library's worker threads stop spinning first
            (machine0, own0), start = cpu_seconds(), time.perf_counter()
            out.append(per_step(fn, n))
            (machine1, own1), end = cpu_seconds(), time.perf_counter()
            other_cpu += max(0.0, (machine1 - machine0) - (own1 - own0))
            wall += end - start
        others.append(other_cpu / (wall * os.cpu_count()))
    factors = [t / o for o, t in zip(ours, theirs)]
    return ours, theirs, factors, others


def wait_for_quiet(limit, max_seconds):
    """Wait until other processes use at most ``limit`` (a share, e.g. 0.1) of all CPUs,
    measured over one second while this process sleeps, or until max_seconds have passed."""
    deadline = time.monotonic() + max_seconds
    while True:
        (machine0, own0), start = cpu_seconds(), time.perf_counter()
        time.sleep(1.0)
        (machine1, own1), wall = cpu_seconds(), time.perf_counter() - start
        share = max(0.0, (machine1 - machine0) - (own1 - own0)) / (wall * os.cpu_count())
        if share <= limit or time.monotonic() > deadline:
            return share


def settle(args):
    """With --wait-quiet, wait until the machine is quiet enough before the next row."""
    if args.wait_quiet is not None:
        wait_for_quiet(args.wait_quiet, args.wait_max)


def print_header(header):
    print(header)
    print("-" * len(header))


def table_rows(args, title, header):
    """Print a table's title and header, then yield the rows of CONFIGS, each once the machine has settled."""
    print(title)
    print_header(header)
    for config in CONFIGS:
        settle(args)
        yield config


def products_table(args, steps):
    """Print, per network, the SGD step's matrix products alone in each library and the
    rest of each step (median step time from the first table minus its products)."""
    title = ("\nThe SGD steps' matrix products alone (NumPy's BLAS vs torch's), interleaved the same way;"
             "\n'rest' = the library's median SGD step above minus its products\n")
    header = (f"{'network':<16}{'batch':>6}  {'NumPy products ms':<20}{'torch products ms':<20}"
              f"{'time ratio':<12}{'nnlib rest ms':<15}{'torch rest ms'}")
    for label, sizes, batch, _ in table_rows(args, title, header):
        ours, theirs, factors, _ = compare(*matrix_products(sizes, batch), args.repeats, args.block, args.pause)
        o, t, f = statistics.median(ours), statistics.median(theirs), statistics.median(factors)
        step_ours, step_theirs = steps[label]
        print(f"{label:<16}{batch:>6}  {o * 1e3:<20.3f}{t * 1e3:<20.3f}{1 / f:<12.2f}"
              f"{(step_ours - o) * 1e3:<15.3f}{(step_theirs - t) * 1e3:.3f}", flush=True)
    print("time ratio: NumPy / torch for the same products (median over pairs of blocks); above 1.0 NumPy's "
          "BLAS is slower.  When nnlib's step is slower than torch's while its rest is smaller, the gap is "
          "in the BLAS, not in nnlib.\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="interleaved blocks per library")
    parser.add_argument("--block", type=float, default=0.05, help="seconds per block (about)")
    parser.add_argument("--quick", action="store_true", help="5 repeats of 0.02 s blocks")
    parser.add_argument("--pause", type=float, default=0.25,
                        help="seconds of sleep before each block (0 measures the libraries' threads "
                             "disturbing each other)")
    parser.add_argument("--wait-quiet", type=float, default=None,
                        help="before each row, wait until other processes use at most this share of the CPUs")
    parser.add_argument("--no-products", action="store_true",
                        help="skip the second table (the steps' matrix products alone)")
    parser.add_argument("--no-techniques", action="store_true",
                        help="skip the third table (nnlib's update in pieces against whole arrays)")
    parser.add_argument("--wait-max", type=float, default=300.0, help="longest wait per row, seconds")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.block = 5, 0.02

    blas_env = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS", "OMP", "MKL"))}
    print(f"nnlib vs PyTorch {torch.__version__} (CPU), one training step, both float64")
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, {os.cpu_count()} CPUs; "
          f"torch threads {torch.get_num_threads()} (interop {torch.get_num_interop_threads()}), "
          "NumPy OpenBLAS threads {} (core {}); env {}".format(
              *openblas_info(), blas_env or "has no OPENBLAS/OMP/MKL variables"))
    print(f"{args.repeats} interleaved blocks of ~{args.block * 1000:.0f} ms per library and row, each after a "
          f"{args.pause:g} s pause; "
          "times: median [interquartile range] per step;")
    print("speed: nnlib is X times as fast as PyTorch, X = torch time / nnlib time per pair of blocks, "
          "median [interquartile range]\n")
    header = (f"{'network':<16}{'batch':>6}  {'optimizer':<10}{'others':>7}  {'nnlib ms':<26}{'torch ms':<26}"
              f"{'X, all pairs':<19}{'X, quiet pairs':<21}{'X, fastest'}")
    print_header(header)
    rows, steps = [], {}
    for label, sizes, batch, loss_name in CONFIGS:
        for opt_name in OPTIMIZERS:
            settle(args)
            nnlib_step, torch_step = build(sizes, batch, loss_name, opt_name)
            ours, theirs, factors, others = compare(nnlib_step, torch_step, args.repeats, args.block, args.pause)
            quiet = [share <= QUIET_SHARE for share in others]
            (o1, o2, o3), (t1, t2, t3), (f1, f2, f3) = quartiles(ours), quartiles(theirs), quartiles(factors)
            calm = [f for f, q in zip(factors, quiet) if q]
            calm_text = f"{statistics.median(calm):.2f} ({len(calm)} of {len(quiet)})" if len(calm) >= 3 \
                else f"- ({len(calm)} of {len(quiet)})"
            fastest = min(theirs) / min(ours)
            rows.append((f2, f1, f3, fastest, f"{label} {opt_name}"))
            if opt_name == "SGD":
                steps[label] = (o2, t2)
            print(f"{label:<16}{batch:>6}  {opt_name:<10}{statistics.median(others):>7.0%}  "
                  f"{f'{o2 * 1e3:.3f} [{o1 * 1e3:.3f}-{o3 * 1e3:.3f}]':<26}"
                  f"{f'{t2 * 1e3:.3f} [{t1 * 1e3:.3f}-{t3 * 1e3:.3f}]':<26}"
                  f"{f'{f2:.2f} [{f1:.2f}-{f3:.2f}]':<19}{calm_text:<21}{fastest:.2f}", flush=True)
    if not args.no_products:
        products_table(args, steps)
    if not args.no_techniques:
        techniques_table(args)
    worst, low, high, _, where = min(rows)
    print(f"\nworst case: {where}: nnlib is {worst:.2f} times as fast as PyTorch (median over all pairs, "
          f"interquartile range {low:.2f}-{high:.2f}); time ratio nnlib/PyTorch {1 / worst:.2f}, "
          f"target <= 1.0: {'met' if worst >= 1.0 else 'NOT met'}")
    worst_fast = min(rows, key=lambda row: row[3])
    print(f"worst case by the fastest blocks: {worst_fast[4]}: nnlib is {worst_fast[3]:.2f} times as fast "
          f"as PyTorch (time ratio {1 / worst_fast[3]:.2f})")
    print("X = torch time / nnlib time: above 1 nnlib is faster.  Quiet pairs: other processes used at most "
          f"{QUIET_SHARE:.0%} of the machine's CPU time during the pair's two blocks (from /proc/stat).  "
          "Fastest: X of the two libraries' fastest blocks.  Others: the median share of all CPUs used by "
          "other processes while the row was measured.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
