"""Speed and memory of softmax_lib against PyTorch, scipy and a memory-bandwidth floor.

Timings are medians of interleaved repeats: each repeat runs every contender
once, in a shuffled order, so that a burst of load on the machine (other
processes share its cores) hits all of them alike. Ratios are to PyTorch on
one thread (``torch.set_num_threads(1)``) and to ``np.copyto`` of the same
array, the cost of reading the input and writing a result once.

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

# Targets of issue 5: time / torch on one thread, for these (function, shape, dtype).
SPEED_TARGETS = {
    ("softmax", (1024, 32000), "float32"): 1.0,
    ("softmax", (65536, 128), "float32"): 1.5,
    ("softmax", (8, 1_000_000), "float64"): 0.7,
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
                            "memory": memory.get(label),
                        }
                    )
            del x
    return results


def table(results: list[dict]) -> str:
    """A Markdown table: one row per function, shape and dtype."""
    lines = [
        "| function | shape | dtype | softmax_lib (ms) | ÷ torch 1 thread | ÷ copy floor | out= ÷ torch 1 | "
        "torch all threads ÷ torch 1 | scipy ÷ torch 1 | extra memory: softmax_lib / out= / scipy (× input) | target |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    groups: dict[tuple, dict[str, dict]] = {}
    for r in results:
        groups.setdefault((r["function"], r["shape"], r["dtype"]), {})[r["contender"]] = r
    for (name, shape, dtype), g in groups.items():
        t1 = g["torch 1 thread"]["median_s"]
        tall = next(v["median_s"] for k, v in g.items() if k.startswith("torch") and k != "torch 1 thread")
        sl_t = g["softmax_lib"]["median_s"]
        out_t = g.get("softmax_lib out=", {}).get("median_s")

        def mem(label):
            m = g.get(label, {}).get("memory")
            return "–" if m is None else f"{m:.2f}"

        target = SPEED_TARGETS.get((name, shape, dtype))
        verdict = ""
        if target is not None:
            verdict = f"≤ {target:g}: {'met' if sl_t / t1 <= target else 'missed'}"
        lines.append(
            f"| {name} | {shape[0]} × {shape[1]:,} | {dtype} | {sl_t * 1e3:.1f} | {sl_t / t1:.2f} | "
            f"{sl_t / g['copy floor']['median_s']:.1f} | {'–' if out_t is None else f'{out_t / t1:.2f}'} | "
            f"{tall / t1:.2f} | {g['scipy']['median_s'] / t1:.2f} | "
            f"{mem('softmax_lib')} / {mem('softmax_lib out=')} / {mem('scipy')} | {verdict} |"
        )
    return "\n".join(lines)
