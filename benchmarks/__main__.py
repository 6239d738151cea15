"""``python -m benchmarks`` (``make bench``): speed, memory and accuracy tables.

Prints the tables and writes them, with the date, machine and versions, to
``benchmarks/results.md`` (included by the book's page on the speed of
softmax). ``--quick`` runs fewer repeats and skips the long rows.
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


def _targets(speed_results: list[dict] | None, accuracy_results: list[dict] | None) -> str:
    """One line per target of issue 5: what was measured, and met or missed."""
    lines = ["| target | measured | verdict |", "|---|---|---|"]
    if speed_results:
        by = {(r["function"], r["shape"], r["dtype"], r["contender"]): r for r in speed_results}
        for (name, shape, dtype), limit in speed.SPEED_TARGETS.items():
            if (name, shape, dtype, "softmax_lib") not in by:
                continue
            t1 = by[(name, shape, dtype, "torch 1 thread")]["median_s"]
            ratio = by[(name, shape, dtype, "softmax_lib")]["median_s"] / t1
            ratio_out = by[(name, shape, dtype, "softmax_lib out=")]["median_s"] / t1
            lines.append(
                f"| {name} {dtype} {shape[0]} × {shape[1]:,}: time ≤ {limit:g} × torch 1 thread | "
                f"{ratio:.2f} (with out=: {ratio_out:.2f}) | {'met' if ratio <= limit else 'missed'} |"
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
    parser.add_argument("--only", choices=("speed", "accuracy"), help="run one part only")
    parser.add_argument("--output", type=Path, default=Path(__file__).with_name("results.md"), help="Markdown file to write")
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 5)
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = os.getloadavg()

    parts = [
        f"Measured {started:%Y-%m-%d %H:%M} UTC on {_machine()}.",
        "",
        f"{_versions()}.",
        "",
    ]
    speed_results = accuracy_results = None
    if args.only in (None, "speed"):
        shapes = speed.SHAPES if not args.quick else speed.SHAPES[:2]
        t0 = time.perf_counter()
        results = speed_results = speed.measure(repeats=repeats, shapes=shapes)
        load_after = os.getloadavg()
        parts += [
            "### Speed and memory",
            "",
            f"Medians of {repeats} interleaved repeats (each repeat runs every contender once, in a shuffled order); "
            f"last axis; inputs `3 * standard_normal`. The machine's load average was {load_before[0]:.1f} before "
            f"and {load_after[0]:.1f} after ({time.perf_counter() - t0:.0f} s): other processes shared its cores, "
            "so single ratios are noisy; compare orders of magnitude, not second digits. Times include allocating "
            "the result, and a fresh large allocation costs page faults unless malloc reuses freed memory, which "
            "glibc decides from call to call (the same PyTorch call was seen to take severalfold longer or shorter "
            "from one call to the next); the out= column is softmax_lib without that cost. Times ÷ torch 1 thread "
            "and ÷ `np.copyto` of the same array (one read and one write of it, the memory-bandwidth floor). "
            "Extra memory is the peak that `tracemalloc` saw, as a multiple of the input (1.00 is the result "
            "itself; torch's allocator is not traced).",
            "",
            speed.table(results),
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
