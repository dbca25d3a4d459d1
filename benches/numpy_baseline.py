#!/usr/bin/env python3
"""A vectorised NumPy version of mfucal's sampling, for a throughput comparison.

Same propagation as `src/sampler/mod.rs` on the shipped data and `configs/default.toml`: per
observation and sample, draw the MFU (uniform over its range), the power fraction, the peak
factor, the software efficiency and the node scale; compute the bound
`e = (P k / F) u / (m c)` in pJ/MAC, the efficiency value `e * eta`, and both divided by the
node scale; bin all four by their IEEE-754 bits (exponent + top 10 mantissa bits, as mfucal
does) with `np.bincount`, and read quantiles off the histograms by linear interpolation.

It does not compute posteriors (mfucal's end-to-end figure includes them), so the comparison
favours NumPy. Run from the repository root:

    python3 benches/numpy_baseline.py [--samples N] [--mfucal target/release/mfucal]

It runs NumPy, then `mfucal run` with the same samples per observation, on 1 and 2 threads,
and prints the three rates and the ratios (samples/s as mfucal's manifest reports them).
"""

import argparse
import csv
import json
import os
import subprocess
import tempfile
import time
import tomllib

import numpy as np

MANTISSA_BITS = 10
MIN_EXP, MAX_EXP = -20, 20
SHIFT = 52 - MANTISSA_BITS
FIRST_KEY = (MIN_EXP + 1023) << MANTISSA_BITS
SLOTS = ((MAX_EXP - MIN_EXP) << MANTISSA_BITS) + 2
BLOCK = 1 << 20


def sampler(spec, rng):
    """A function n -> n draws of a config distribution (those the default config uses)."""
    d = spec["dist"]
    if d == "fixed":
        return lambda n: np.full(n, spec["value"])
    if d == "uniform":
        return lambda n: rng.uniform(spec["low"], spec["high"], n)
    if d == "log_uniform":
        lo, hi = np.log(spec["low"]), np.log(spec["high"])
        return lambda n: np.exp(rng.uniform(lo, hi, n))
    if d == "lognormal":
        return lambda n: rng.lognormal(spec["mu"], spec["sigma"], n)
    raise SystemExit(f"numpy_baseline: distribution {d} is not implemented here")


def slots(values):
    keys = values.view(np.uint64) >> np.uint64(SHIFT)
    return np.minimum(np.maximum(keys.astype(np.int64) - (FIRST_KEY - 1), 0), SLOTS - 1)


def quantiles(counts, levels):
    """Quantiles interpolated linearly inside bit-bins, as mfucal's histograms do."""
    cum = np.cumsum(counts)
    total = cum[-1]
    out = []
    for p in levels:
        s = int(np.searchsorted(cum, p * total, side="right"))
        below = cum[s - 1] if s > 0 else 0
        lo = np.array([(FIRST_KEY + s - 1) << SHIFT], dtype=np.uint64).view(np.float64)[0]
        hi = np.array([(FIRST_KEY + s) << SHIFT], dtype=np.uint64).view(np.float64)[0]
        out.append(lo + (p * total - below) / max(counts[s], 1) * (hi - lo))
    return out


def numpy_run(samples_per_obs, seed):
    with open("configs/default.toml", "rb") as f:
        cfg = tomllib.load(f)
    model = cfg["model"]
    k = cfg["units"]["flops_per_mac"]
    acc = {}
    with open("datasets/accelerators.csv", newline="") as f:
        for r in csv.DictReader(f):
            acc[(r["accelerator"], r["precision"])] = r
    with open("datasets/mfu_observations.csv", newline="") as f:
        obs = [r for r in csv.DictReader(f) if not r.get("exclude")]
    rng = np.random.default_rng(seed)
    power = sampler(model["power_fraction"], rng)
    peak = sampler(model["peak_factor"], rng)
    eff = sampler(model["software_efficiency"], rng)
    levels = cfg["sampling"]["quantiles"]
    start = time.perf_counter()
    table = []
    for o in obs:
        a = acc[(o["accelerator"], o["precision"])]
        full = float(a["tdp_w"]) * k / (float(a["dense_peak_tflops"]) * 1e12) * 1e12
        measured = a.get("power_basis") == "chip_measured_mean"
        scale = sampler(cfg["nodes"][a["node"]], rng)
        lo, hi = float(o["mfu_low"]), float(o["mfu_high"])
        hists = [np.zeros(SLOTS, dtype=np.int64) for _ in range(4)]
        left = samples_per_obs
        while left > 0:
            n = min(BLOCK, left)
            left -= n
            m = rng.uniform(lo, hi, n) if hi > lo else np.full(n, lo)
            u = np.ones(n) if measured else power(n)
            bound = full * u / (m * peak(n))
            efficiency = bound * eff(n)
            inv_s = 1.0 / scale(n)
            for h, v in zip(hists, (bound, efficiency, bound * inv_s, efficiency * inv_s)):
                h += np.bincount(slots(v), minlength=SLOTS)
        table.append((o["id"], quantiles(hists[0], levels)))
    elapsed = time.perf_counter() - start
    return len(obs) * samples_per_obs / elapsed, table


def mfucal_rate(binary, samples_per_obs, threads):
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            [binary, "run", "--samples", str(samples_per_obs), "--threads", str(threads), "--out", out],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        with open(os.path.join(out, "manifest.json")) as f:
            return json.load(f)["samples_per_second"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=3_000_000, help="samples per observation")
    ap.add_argument("--seed", type=int, default=20251205)
    ap.add_argument("--mfucal", default="target/release/mfucal")
    args = ap.parse_args()
    np_rate, table = numpy_run(args.samples, args.seed)
    print(f"numpy {np.__version__}: {np_rate:.3e} samples/s (sampling + binning only)")
    print(f"  e.g. {table[0][0]} bound quantiles: " + ", ".join(f"{q:.4f}" for q in table[0][1]))
    for threads in (1, 2):
        rate = mfucal_rate(args.mfucal, args.samples, threads)
        print(f"mfucal {threads} thread(s): {rate:.3e} samples/s end to end, {rate / np_rate:.1f}x numpy")


if __name__ == "__main__":
    main()
