"""Speed and memory of softmax_lib against PyTorch, scipy and a memory-bandwidth floor.

Timings come from interleaved repeats: each repeat runs every contender
once, in a shuffled order, so that a burst of load on the machine (other
processes share its cores) hits all of them alike. A ratio (to PyTorch on
one thread, ``torch.set_num_threads(1)``, or to ``np.copyto`` of the same
array, the cost of reading the input and writing a result once) is taken
within each repeat, and reported as the median with the minimum and maximum
over the repeats; over several runs of the whole benchmark, as the median of
the runs' medians with their range (:func:`spread`).

Peak extra memory is measured with ``tracemalloc`` (numpy reports its buffers
to it; PyTorch's allocator does not, so torch has no memory column), as a
multiple of the input's size: 1.0 is the result itself.
"""

from __future__ import annotations

import random
import statistics
import time
import tracemalloc

import numpy as np

import softmax_lib as sl

SHAPES = ((1024, 32000), (65536, 128), (8, 1_000_000))
DTYPES = (np.float32, np.float64)
FUNCTIONS = ("softmax", "log_softmax", "logsumexp")

# Targets of issue 12 (softmax_lib 0.2): time / torch on one thread, judged on the median
# over runs, for these (function, shape, dtype).
SPEED_TARGETS = {
    ("softmax", (1024, 32000), "float32"): 1.0,
    ("softmax", (65536, 128), "float32"): 1.3,
    ("softmax", (8, 1_000_000), "float64"): 1.5,
}


def _contenders(name: str, x: np.ndarray, threads: int) -> dict:
    import scipy.special
    import torch

    xt = torch.from_numpy(x)
    out = np.empty_like(x) if name != "logsumexp" else None
    copy_out = np.empty_like(x)
    torch_f = {"softmax": torch.softmax, "log_softmax": torch.log_softmax, "logsumexp": torch.logsumexp}[name]
    scipy_f = getattr(scipy.special, name)
    sl_f = getattr(sl, name)

    def on_threads(n):
        def run():
            torch.set_num_threads(n)
            torch_f(xt, -1)

        return run

    runs = {
        "softmax_lib": lambda: sl_f(x),
        "torch 1 thread": on_threads(1),
        f"torch {threads} threads": on_threads(threads),
        "scipy": lambda: scipy_f(x, axis=-1),
        "copy floor": lambda: np.copyto(copy_out, x),
    }
    if out is not None:
        runs["softmax_lib out="] = lambda: sl_f(x, out=out)
    return runs


def _peak_extra(run, nbytes: int) -> float:
    """Peak memory allocated (numpy, through tracemalloc) during *run*, in multiples of *nbytes*."""
    run()  # warm-up: lazy imports and caches are not the function's
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / nbytes
    finally:
        tracemalloc.stop()


def measure(repeats: int = 5, shapes=SHAPES, dtypes=DTYPES, functions=FUNCTIONS, seed: int = 0) -> list[dict]:
    """Median times (s) and peak extra memory for every contender, shape, dtype and function."""
    import torch

    threads = torch.get_num_threads() if torch.get_num_threads() > 1 else max(1, len(__import__("os").sched_getaffinity(0)))
    rng = np.random.default_rng(seed)
    order = random.Random(seed)
    results = []
    for shape in shapes:
        for dtype in dtypes:
            x = (3.0 * rng.standard_normal(shape)).astype(dtype)
            for name in functions:
                runs = _contenders(name, x, threads)
                times: dict[str, list[float]] = {label: [] for label in runs}
                for label in runs:  # warm-up
                    runs[label]()
                for _ in range(repeats):
                    labels = list(runs)
                    order.shuffle(labels)
                    for label in labels:
                        start = time.perf_counter()
                        runs[label]()
                        times[label].append(time.perf_counter() - start)
                torch.set_num_threads(threads)
                memory = {
                    label: _peak_extra(runs[label], x.nbytes)
                    for label in ("softmax_lib", "softmax_lib out=", "scipy")
                    if label in runs
                }
                for label, ts in times.items():
                    results.append(
                        {
                            "function": name,
                            "shape": shape,
                            "dtype": np.dtype(dtype).name,
                            "contender": label,
                            "median_s": statistics.median(ts),
                            "times_s": ts,  # in repeat order: times_s[i] of two contenders share repeat i
                            "memory": memory.get(label),
                        }
                    )
            del x
    return results


def ratios(results: list[dict], contender: str, base: str = "torch 1 thread") -> dict[tuple, list[float]]:
    """Per-repeat ratios ``time(contender) / time(base)`` of one run, by (function, shape, dtype).

    Both times of a ratio come from the same interleaved repeat, so a burst
    of load that slows both cancels out of it.
    """
    by = {(r["function"], r["shape"], r["dtype"], r["contender"]): r for r in results}
    out = {}
    for (name, shape, dtype, label), r in by.items():
        if label == contender and (name, shape, dtype, base) in by:
            ref = by[(name, shape, dtype, base)]["times_s"]
            out[(name, shape, dtype)] = [t / b for t, b in zip(r["times_s"], ref, strict=True)]
    return out


def spread(runs: list[list[dict]], contender: str, base: str = "torch 1 thread") -> dict[tuple, tuple]:
    """``(median, low, high)`` of a ratio, by (function, shape, dtype).

    One run: the median, minimum and maximum over its interleaved repeats.
    Several runs: the median of the runs' medians, and the smallest and
    largest of those medians (how far a single run's figure moves).
    """
    per_run = [ratios(results, contender, base) for results in runs]
    out = {}
    for key in per_run[0]:
        if len(runs) == 1:
            values = per_run[0][key]
        else:
            values = [statistics.median(r[key]) for r in per_run if key in r]
        out[key] = (statistics.median(values), min(values), max(values))
    return out


def cell(value: tuple | None) -> str:
    """``median (low–high)`` to two decimals, or a dash."""
    if value is None:
        return "–"
    med, low, high = value
    return f"{med:.2f} ({low:.2f}–{high:.2f})"


def table(runs: list[list[dict]]) -> str:
    """A Markdown table: one row per function, shape and dtype; ratios as median (low–high)."""
    lines = [
        "| function | shape | dtype | softmax_lib (ms) | ÷ torch 1 thread | ÷ copy floor | out= ÷ torch 1 | "
        "torch all threads ÷ torch 1 | scipy ÷ torch 1 | extra memory: softmax_lib / out= / scipy (× input) | target |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    last = runs[-1]
    all_threads = next(r["contender"] for r in last if r["contender"].startswith("torch") and r["contender"] != "torch 1 thread")
    vs_torch = spread(runs, "softmax_lib")
    vs_floor = spread(runs, "softmax_lib", base="copy floor")
    out_vs_torch = spread(runs, "softmax_lib out=")
    threads_vs_torch = spread(runs, all_threads)
    scipy_vs_torch = spread(runs, "scipy")
    groups: dict[tuple, dict[str, dict]] = {}
    for r in last:
        groups.setdefault((r["function"], r["shape"], r["dtype"]), {})[r["contender"]] = r
    for key, g in groups.items():
        name, shape, dtype = key
        sl_ms = statistics.median(statistics.median(run_r["times_s"]) for results in runs for run_r in results if (run_r["function"], run_r["shape"], run_r["dtype"], run_r["contender"]) == (*key, "softmax_lib")) * 1e3

        def mem(label):
            m = g.get(label, {}).get("memory")
            return "–" if m is None else f"{m:.2f}"

        target = SPEED_TARGETS.get(key)
        verdict = ""
        if target is not None:
            verdict = f"≤ {target:g}: {'met' if vs_torch[key][0] <= target else 'missed'}"
        lines.append(
            f"| {name} | {shape[0]} × {shape[1]:,} | {dtype} | {sl_ms:.1f} | {cell(vs_torch.get(key))} | "
            f"{cell(vs_floor.get(key))} | {cell(out_vs_torch.get(key))} | "
            f"{cell(threads_vs_torch.get(key))} | {cell(scipy_vs_torch.get(key))} | "
            f"{mem('softmax_lib')} / {mem('softmax_lib out=')} / {mem('scipy')} | {verdict} |"
        )
    return "\n".join(lines)
