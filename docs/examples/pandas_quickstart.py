#!/usr/bin/env python3
# %% [markdown]
# # mfucal results with pandas
#
# A notebook-style script (open it in Jupyter or VS Code, where each `# %%` is a cell, or run
# it with `python3 docs/examples/pandas_quickstart.py [RESULTS_DIR [PNG]]`). It loads a results
# folder's three main tables, prints the figures to quote, and draws the node trend of the
# headline method with matplotlib when it is installed.
#
# Columns are described in the README ("Outputs"): energies are pJ per MAC at the run's
# `flops_per_mac` (manifest.json), and every human-facing interval is q0.05-q0.95 (90 %).

# %%
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
RESULTS = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "results" / "default"

quantiles = pd.read_csv(RESULTS / "quantiles.csv")
observations = pd.read_csv(RESULTS / "observations.csv")
accelerators = pd.read_csv(RESULTS / "accelerators.csv")
print(f"{RESULTS}: {len(quantiles)} posterior rows, {len(observations)} observations, "
      f"{len(accelerators)} accelerator rows")

# %% [markdown]
# ## The figures to quote
# The headline method is `frontier` when it ran. Observed rows rest on observations at the
# node; scaled rows are extrapolated from the pooled posterior.

# %%
method = "frontier" if (quantiles["method"] == "frontier").any() else quantiles["method"].iloc[0]
ok = quantiles[(quantiles["method"] == method) & (quantiles["status"] == "ok")]
answer = ok[ok["basis"] != "pooled"][
    ["node", "precision", "basis", "n_observations", "q0.05", "q0.5", "q0.95"]
]
print(answer.to_string(index=False, float_format=lambda x: f"{x:.4g}"))

# %% [markdown]
# ## The tightest observation per node and precision
# An observation's implied bound `e_i` (its median, column `q0.5`): the lowest one on a node
# is the run that constrains the node most.

# %%
tightest = observations.loc[observations.groupby(["node", "precision"])["q0.5"].idxmin()]
print(tightest[["node", "precision", "id", "accelerator", "q0.5"]].to_string(index=False))

# %% [markdown]
# ## Per accelerator
# Each accelerator's energy per MAC under the headline method.

# %%
acc = accelerators[
    (accelerators["method"] == method) & (accelerators["quantity"] == "pj_per_mac")
]
print(acc[["accelerator", "node", "precision", "q0.05", "q0.5", "q0.95"]].to_string(index=False))

# %% [markdown]
# ## One plot: the node trend
# Median and 90 % interval per node, one line per precision, on a log axis (the same
# picture as `nodes.svg`, for your own styling).

# %%
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: no plot (pip install matplotlib)")
else:
    def nm(node: str) -> float:
        return float(node.removesuffix("nm"))

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for precision, rows in answer.groupby("precision"):
        rows = rows.assign(nm=rows["node"].map(nm)).sort_values("nm")
        ax.errorbar(
            rows["nm"],
            rows["q0.5"],
            yerr=[rows["q0.5"] - rows["q0.05"], rows["q0.95"] - rows["q0.5"]],
            marker="o",
            capsize=3,
            label=precision,
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ticks = sorted({nm(n) for n in answer["node"]})
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.invert_xaxis()
    ax.set_xlabel("process node (nm)")
    ax.set_ylabel("energy per MAC, pJ/MAC")
    ax.set_title(f"{method}: median and 90 % interval")
    ax.legend(title="precision")
    # Outside the repository by default, so a run leaves the work tree clean.
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.gettempdir()) / "pandas_quickstart.png"
    fig.savefig(out, dpi=120, bbox_inches="tight")
    print(f"wrote {out}")
