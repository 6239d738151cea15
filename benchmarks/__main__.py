"""``python -m benchmarks`` (``make bench``): speed, memory and accuracy tables.

Prints the tables and writes them, with the date, machine and versions, to
``benchmarks/results.md`` (included by the book's page on the speed of
softmax). ``--runs N`` runs the speed benchmark N times and reports the
median of the runs with their range; ``--quick`` runs fewer repeats on the
smaller shapes only, to check the code, not to quote.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from . import accuracy, speed


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} logical cores, {platform.system()} {platform.release()}"


def _versions() -> str:
    import scipy
    import torch

    import softmax_lib

    return (
        f"Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"torch {torch.__version__}, softmax_lib {softmax_lib.__version__}"
    )


def _block_sizes(repeats: int) -> str:
    """softmax time for a few block sizes (``softmax_lib.core.BLOCK_ELEMENTS``), relative to the default."""
    import statistics

    from softmax_lib import core

    default = core.BLOCK_ELEMENTS
    sizes = [1 << 13, 1 << 14, 1 << 15, 1 << 16, 1 << 17]
    lines = ["| shape | dtype | " + " | ".join(f"{s:,}" for s in sizes) + " |", "|---|---|" + "---|" * len(sizes)]
    rng = np.random.default_rng(0)
    try:
        for shape, dtype in (((1024, 32000), np.float32), ((65536, 128), np.float32), ((8, 1_000_000), np.float64)):
            x = rng.standard_normal(shape).astype(dtype)
            out = np.empty_like(x)
            times = {s: [] for s in sizes}
            for _ in range(repeats):
                for s in sizes:
                    core.BLOCK_ELEMENTS = s
                    start = time.perf_counter()
                    core.softmax(x, out=out)
                    times[s].append(time.perf_counter() - start)
            base = statistics.median(times[default])
            cells = " | ".join(f"{statistics.median(times[s]) / base:.2f}" for s in sizes)
            lines.append(f"| {shape[0]} × {shape[1]:,} | {np.dtype(dtype).name} | {cells} |")
    finally:
        core.BLOCK_ELEMENTS = default
    return "\n".join(lines)


def _trade_off(repeats: int) -> str:
    """float64 softmax with and without the compensated shift: time / torch 1 thread, and worst ulps."""
    import statistics

    import torch

    from softmax_lib import core, ulp_error
    from softmax_lib.accuracy import extended_reference

    threads = torch.get_num_threads()
    lines = [
        "| shape (float64) | compensated: time ÷ torch 1 thread | plain shift: time ÷ torch 1 thread | "
        "compensated: worst ulps (spread 100) | plain shift: worst ulps (spread 100) |",
        "|---|---|---|---|---|",
    ]
    rng = np.random.default_rng(0)
    hard = -100.0 * rng.random((16, 1000))
    reference = extended_reference(hard, "softmax")
    torch.set_num_threads(1)
    try:
        for shape in ((1024, 32000), (8, 1_000_000)):
            x = rng.standard_normal(shape) * 3
            xt, out = torch.from_numpy(x), np.empty_like(x)
            times = {"torch": [], True: [], False: []}
            for _ in range(repeats):
                start = time.perf_counter()
                torch.softmax(xt, dim=-1)
                times["torch"].append(time.perf_counter() - start)
                for flag in (True, False):
                    core.COMPENSATE = flag
                    start = time.perf_counter()
                    core.softmax(x, out=out)
                    times[flag].append(time.perf_counter() - start)
            t1 = statistics.median(times["torch"])
            errors = {}
            for flag in (True, False):
                core.COMPENSATE = flag
                errors[flag] = float(np.max(ulp_error(core.softmax(hard), reference)))
            lines.append(
                f"| {shape[0]} × {shape[1]:,} | {statistics.median(times[True]) / t1:.2f} | "
                f"{statistics.median(times[False]) / t1:.2f} | {errors[True]:.2f} | {errors[False]:.1f} |"
            )
    finally:
        core.COMPENSATE = True
        torch.set_num_threads(threads)
    return "\n".join(lines)


def _targets(speed_runs: list[list[dict]] | None, accuracy_results: list[dict] | None) -> str:
    """One line per target of issue 12: what was measured, and met or missed (judged on the median)."""
    lines = ["| target | measured: median (range) | verdict |", "|---|---|---|"]
    if speed_runs:
        speed_results = [r for results in speed_runs for r in results]
        vs_torch = speed.spread(speed_runs, "softmax_lib")
        out_vs_torch = speed.spread(speed_runs, "softmax_lib out=")
        for key, limit in speed.SPEED_TARGETS.items():
            if key not in vs_torch:
                continue
            name, shape, dtype = key
            lines.append(
                f"| {name} {dtype} {shape[0]} × {shape[1]:,}: time ≤ {limit:g} × torch 1 thread | "
                f"{speed.cell(vs_torch[key])} (with out=: {speed.cell(out_vs_torch.get(key))}) | "
                f"{'met' if vs_torch[key][0] <= limit else 'missed'} |"
            )
        for label, limit in (("softmax_lib", 1.0), ("softmax_lib out=", 0.0)):
            worst = max(r["memory"] for r in speed_results if r["contender"] == label and r["memory"] is not None)
            lines.append(
                f"| peak extra memory of {label} ≤ {limit:g} × input | {worst:.2f} × input | "
                f"{'met' if worst <= limit else 'met up to the fixed block buffers (~1 MiB)' if worst <= limit + 0.05 else 'missed'} |"
            )
    if accuracy_results:
        worst = accuracy.worst(accuracy_results)
        for (function, dtype), value in worst.items():
            limit = accuracy.TARGETS[function]
            unit = "eps" if function == "sum_to_one" else "ulps"
            label = "\\|Σp − 1\\|" if function == "sum_to_one" else function
            lines.append(
                f"| {label} {dtype} ≤ {limit:g} {unit} (well-conditioned cases) | {value:.2f} {unit} | "
                f"{'met' if value <= limit else 'missed'} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats, no rows of 10**6, no block sizes (~1-2 min)")
    parser.add_argument("--repeats", type=int, default=None, help="interleaved repeats per timing (default 5; 3 with --quick)")
    parser.add_argument(
        "--runs", type=int, default=1, help="run the speed benchmark N times; report the median of the runs and their range"
    )
    parser.add_argument("--only", choices=("speed", "accuracy"), help="run one part only")
    parser.add_argument("--output", type=Path, default=Path(__file__).with_name("results.md"), help="Markdown file to write")
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 5)
    if args.runs < 1:
        parser.error(f"--runs must be at least 1; got {args.runs}")
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = os.getloadavg()

    parts = [
        f"Measured {started:%Y-%m-%d %H:%M} UTC on {_machine()}.",
        "",
        f"{_versions()}.",
        "",
    ]
    speed_results: list[list[dict]] | None = None
    accuracy_results = None
    if args.only in (None, "speed"):
        # --quick checks the code on small inputs; its numbers are not for quoting.
        shapes = speed.SHAPES if not args.quick else ((256, 4000), (4096, 128))
        t0 = time.perf_counter()
        speed_runs = []
        for run in range(args.runs):
            speed_runs.append(speed.measure(repeats=repeats, shapes=shapes, seed=run))
            print(f"speed run {run + 1} of {args.runs} done ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
        speed_results = speed_runs
        load_after = os.getloadavg()
        how = (
            f"each ratio is the median of {args.runs} runs of the whole benchmark, each run's figure being the "
            f"median over its {repeats} interleaved repeats; in brackets, the smallest and largest of the "
            f"{args.runs} run medians"
            if args.runs > 1
            else f"each ratio is the median over {repeats} interleaved repeats, in brackets the smallest and "
            "largest repeat (a single run: refresh with `--runs 3` before quoting)"
        )
        parts += [
            "### Speed and memory",
            "",
            f"Ratios are taken within each interleaved repeat (each repeat runs every contender once, in a "
            f"shuffled order); {how}. Last axis; inputs `3 * standard_normal`. The machine's load average was "
            f"{load_before[0]:.1f} before and {load_after[0]:.1f} after ({time.perf_counter() - t0:.0f} s): other "
            "processes shared its cores, and the ranges show how far the figures move. Times include allocating "
            "the result, and a fresh large allocation costs page faults unless malloc reuses freed memory, which "
            "glibc decides from call to call (the same PyTorch call was seen to take severalfold longer or shorter "
            "from one call to the next); the out= column is softmax_lib without that cost. Times ÷ torch 1 thread "
            "and ÷ `np.copyto` of the same array (one read and one write of it, the memory-bandwidth floor). "
            "Extra memory is the peak that `tracemalloc` saw, as a multiple of the input (1.00 is the result "
            "itself; torch's allocator is not traced).",
            "",
            speed.table(speed_runs),
            "",
        ]
        if not args.quick:
            parts += [
                "The accuracy/speed trade-off of the compensated shift and the extended-precision sum of the tail "
                f"(float64; float32 is computed in float64 either way): medians of {repeats} interleaved repeats, and the worst error on 16 rows spread over "
                "[−100, 0]. The compensated path is the default.",
                "",
                _trade_off(repeats),
                "",
            ]
            parts += [
                "Block size (`softmax_lib.core.BLOCK_ELEMENTS`): softmax time with `out=` relative to the default "
                f"({__import__('softmax_lib').core.BLOCK_ELEMENTS:,} elements), medians of {repeats} interleaved repeats.",
                "",
                _block_sizes(repeats),
                "",
            ]
    if args.only in (None, "accuracy"):
        long_n = 10**6 if not args.quick else 10**4
        cases = accuracy.hard_cases(rows=16, n=1000, long_n=long_n)
        results = accuracy_results = accuracy.measure(cases)
        parts += [
            "### Accuracy",
            "",
            "Largest error in ulps of the result's format over 16 rows of 1,000 (one row for the long case), "
            "against an 80-bit long-double reference checked against mpmath; the |Σp − 1| rows are in units of "
            "eps. Targets for softmax_lib: softmax ≤ 4, log_softmax ≤ 2, logsumexp ≤ 2, |Σp − 1| ≤ 2 eps; "
            "a missed target is in **bold**. The log-probabilities case is ill-conditioned (its logsumexp is ~0 "
            "by cancellation, condition number ~1/eps), so no algorithm working in the input's precision gets "
            "its ulps right; it is shown, not targeted.",
            "",
            accuracy.table(results),
            "",
        ]
    parts[4:4] = ["### Targets", "", _targets(speed_results, accuracy_results), ""]
    text = "\n".join(parts)
    print(text)
    args.output.write_text(text)
    print(f"Written to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
