"""The accuracy harness: errors in ulps on hard cases, softmax_lib beside scipy and PyTorch.

Every case is a small family of rows built to break a softmax: a wide spread
of logits (exp amplifies the rounding of ``x - max``), long rows (summation
error), a large offset, very negative logits, one dominant logit (the tail
is far below epsilon, so ``log(1 + tail)`` rounds to 0), ties, masked (-inf)
entries. The reference is :func:`softmax_lib.accuracy.extended_reference`
(80-bit long double, checked against mpmath in the tests).
"""

from __future__ import annotations

import numpy as np

import softmax_lib as sl
from softmax_lib.accuracy import extended_reference

FUNCTIONS = ("softmax", "log_softmax", "logsumexp")
DTYPES = (np.float32, np.float64)

# What the issue asks of softmax_lib, in ulps of the result's format (|sum p - 1| in eps).
TARGETS = {"softmax": 4.0, "log_softmax": 2.0, "logsumexp": 2.0, "sum_to_one": 2.0}


def hard_cases(rows: int = 16, n: int = 1000, long_n: int = 10**6, seed: int = 0) -> dict[str, np.ndarray]:
    """Hard inputs as float64 arrays (rows x n); each dtype rounds them once.

    ``long_n`` is the length of the single long row (10**6 in the full benchmark).
    """
    rng = np.random.default_rng(seed)
    cases = {}
    for spread in (1.0, 10.0, 100.0, 1e4):
        cases[f"spread {spread:g}"] = -spread * rng.random((rows, n))
    cases[f"one row of {long_n:,}"] = 3.0 * rng.standard_normal((1, long_n))
    cases["offset +1000"] = 1000.0 + 10.0 * rng.standard_normal((rows, n))
    cases["very negative"] = -1e4 - 20.0 * rng.random((rows, n))
    dominant = -40.0 - 30.0 * rng.random((rows, n))
    dominant[:, 0] = 0.0
    cases["one dominant, lse ~ 0"] = dominant
    ties = np.round(3.0 * rng.standard_normal((rows, n)))
    ties[:, : n // 10] = ties.max(axis=1, keepdims=True)
    cases["ties"] = ties
    # lse of log-probabilities is ~0 by cancellation (m < 0, log1p(tail) ~ -m): ill-conditioned,
    # kappa = sum |x_i| p_i / |lse| ~ 1e16, so no working-precision algorithm gets its ulps right.
    logp = 3.0 * rng.standard_normal((rows, n))
    cases["log-probabilities, lse ~ 0 (ill-conditioned)"] = logp - extended_reference(logp, "logsumexp")[:, None].astype(np.float64)
    masked = 5.0 * rng.standard_normal((rows, n))
    masked[rng.random((rows, n)) < 0.5] = -np.inf
    cases["half masked (-inf)"] = masked
    # Short rows of normal logits: the tail is ~10 terms of ~1, where numpy's float64 sum
    # was measured 3 ulps off (chapter 2's families).
    cases["normal, rows of 100"] = rng.standard_normal((8 * rows, 100))
    return cases


def _libraries(threads: int = 1):
    import scipy.special
    import torch

    torch.set_num_threads(threads)

    def via_torch(name):
        f = {"softmax": torch.softmax, "log_softmax": torch.log_softmax, "logsumexp": torch.logsumexp}[name]
        return lambda x: f(torch.from_numpy(x), -1).numpy()

    return {
        "softmax_lib": {name: getattr(sl, name) for name in FUNCTIONS},
        "scipy": {name: (lambda f: lambda x: f(x, axis=-1))(getattr(scipy.special, name)) for name in FUNCTIONS},
        "torch": {name: via_torch(name) for name in FUNCTIONS},
    }


def measure(cases: dict[str, np.ndarray]) -> list[dict]:
    """Max ulp error of each library, function and dtype on each case (and |sum p - 1| / eps)."""
    libraries = _libraries()
    results = []
    for case, x64 in cases.items():
        for dtype in DTYPES:
            x = x64.astype(dtype)
            eps = float(np.finfo(dtype).eps)
            for name in FUNCTIONS:
                reference = extended_reference(x, name)
                for lib, funcs in libraries.items():
                    with np.errstate(all="ignore"):
                        got = np.asarray(funcs[name](x))
                    row = {"case": case, "dtype": np.dtype(dtype).name, "function": name, "library": lib}
                    row["max_ulp"] = float(np.max(sl.ulp_error(got, reference)))
                    results.append(row)
                    if name == "softmax":
                        total = got.astype(np.longdouble).sum(axis=-1)
                        results.append({**row, "function": "sum_to_one", "max_ulp": float(np.max(np.abs(total - 1)) / eps)})
    return results


def table(results: list[dict]) -> str:
    """A Markdown table: one row per case and function, one column per dtype and library."""
    libs = ("softmax_lib", "scipy", "torch")
    header = "| case | function | " + " | ".join(f"{lib} {d}" for d in ("float32", "float64") for lib in libs) + " |"
    lines = [header, "|" + "---|" * (2 + 2 * len(libs))]
    index = {(r["case"], r["function"], r["dtype"], r["library"]): r["max_ulp"] for r in results}
    seen = []
    for r in results:
        key = (r["case"], r["function"])
        if key not in seen:
            seen.append(key)
    for case, function in seen:
        cells = []
        for d in ("float32", "float64"):
            for lib in libs:
                v = index[(case, function, d, lib)]
                text = "inf" if v == np.inf else f"{v:.3g}"
                if lib == "softmax_lib" and v > TARGETS[function] and "ill-conditioned" not in case:
                    text = f"**{text}**"
                cells.append(text)
        label = "\\|Σp − 1\\| / eps" if function == "sum_to_one" else function
        lines.append(f"| {case} | {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def worst(results: list[dict], library: str = "softmax_lib") -> dict[tuple[str, str], float]:
    """The largest error of *library* per (function, dtype) over the well-conditioned cases."""
    out: dict[tuple[str, str], float] = {}
    for r in results:
        if r["library"] == library and "ill-conditioned" not in r["case"]:
            key = (r["function"], r["dtype"])
            out[key] = max(out.get(key, 0.0), r["max_ulp"])
    return out
