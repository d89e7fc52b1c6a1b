"""Benchmark: scoring tier schemes on a holdout, on CDNOW and at a million customers, next to plain
pandas / lifelines implementations of the same scores.

Stages, in one process:

  cdnow        the shipped schemes of params/default.yaml fitted on the CDNOW calibration summary
               (fit), then scored (value, churn with the landmark outcomes, shape, cost, the
               agreement matrix): aim under 10 s for the scoring of at least 5 schemes
  million      a synthetic log of N customers (the churn benchmark's), its split summary and
               churn outcomes, 6 schemes fitted and scored the same way: aim under 2 minutes for
               fit + score; one bootstrap round per scheme is timed on its own
  peers        the per-tier value table and the normalised Gini in plain pandas (groupby, and a
               per-customer sort with random tie-breaks), and lifelines' concordance_index for
               the churn concordance, on the million-customer frame; the values must agree

    python benchmarks/bench_compare.py                  # CDNOW + 1M customers (~3 min)
    python benchmarks/bench_compare.py --customers 100000
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def score_all(labels: dict, summary: pd.DataFrame, outcomes: pd.DataFrame | None, costs: dict) -> pd.DataFrame:
    """Every score of the comparison but the refits (bootstrap, time shift) for each scheme."""
    from workbench.compare import agreement_matrix, churn_scores, cost_scores, shape_scores, value_scores

    values = summary["revenue_holdout"].astype(float)
    rows = {}
    for name, tiers in labels.items():
        rows[name] = {**shape_scores(tiers), **value_scores(tiers, values), **churn_scores(tiers, summary, outcomes),
                      **cost_scores(tiers, costs[name], values)}
    agreement_matrix(labels)
    return pd.DataFrame(rows).T


def tier_costs(labels: dict) -> dict:
    from workbench.playbook import playbook_table

    out = {}
    for name, tiers in labels.items():
        costs = playbook_table(tiers)["cost"]
        out[name] = costs.set_axis(costs.index.astype(str))
    return out


def cdnow() -> None:
    from workbench.config import load_params
    from workbench.report.compare import _churn_outcomes, compared_schemes
    from workbench.report.tiers import fit_schemes
    from workbench.scenario import Scenario

    sc = Scenario(load_params("default.yaml"), tempfile.mkdtemp(prefix="bench_compare_"))
    split = sc.with_clv(sc.summary(split=True), quiet=True)
    outcomes = _churn_outcomes(sc, [])
    start = time.perf_counter()
    labels = dict(fit_schemes(compared_schemes(sc, split), split))
    fit = time.perf_counter() - start
    costs = tier_costs(labels)
    start = time.perf_counter()
    scores = score_all(labels, split, outcomes, costs)
    scoring = time.perf_counter() - start
    print(f"cdnow: {len(split):,} customers, {len(labels)} schemes; fit {fit:.2f} s, score {scoring:.2f} s (aim < 10 s)")
    print("  normalised Gini: " + ", ".join(f"{k} {v:.3f}" for k, v in scores["normalized_gini"].items()))


def million(n: int) -> None:
    from workbench.churn import churn_durations
    from workbench.churn.evaluation import landmark_outcomes
    from workbench.compare.stability import bootstrap_scores
    from workbench.compare.value import gain_gini, normalized_gini, tier_value
    from workbench.segment.lifecycle import LifecycleStages
    from workbench.segment.rfm import RFMScoreTiers, RFMSegmenter
    from workbench.segment.rules import ParetoTiers
    from workbench.segment.score import ScoreTiers
    from workbench.summary import rfm_summary

    spec = importlib.util.spec_from_file_location("bench_churn", Path(__file__).with_name("bench_churn.py"))
    bench_churn = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_churn)
    folder = Path(tempfile.mkdtemp(prefix="bench_compare_"))
    log = folder / "transactions.parquet"
    rows = bench_churn.synthetic_log(n, 11, log)
    start = time.perf_counter()
    split = rfm_summary(str(log), observation_end="2025-12-31", calibration_end="2025-06-30", time_unit="D")
    cal = churn_durations(str(log), observation_end="2025-06-30", inactivity_days=90)
    full = churn_durations(str(log), observation_end="2025-12-31", inactivity_days=90)
    outcomes = landmark_outcomes(cal, full)
    prepare = time.perf_counter() - start
    schemes = [RFMSegmenter(name="rfm"), RFMScoreTiers(thresholds=[13, 10, 7], name="rfm_abcd"),
               ParetoTiers("revenue", name="pareto"), ScoreTiers("revenue", shares=[0.2, 0.3, 0.5], name="value_share"),
               ScoreTiers("frequency", thresholds=[10, 3, 1], name="frequency_bands"), LifecycleStages(name="lifecycle")]
    start = time.perf_counter()
    labels = {s.name: s.fit_assign(split) for s in schemes}
    fit = time.perf_counter() - start
    costs = tier_costs(labels)
    start = time.perf_counter()
    scores = score_all(labels, split, outcomes, costs)
    scoring = time.perf_counter() - start
    start = time.perf_counter()
    for seg in schemes:
        bootstrap_scores(seg, split, labels[seg.name], rounds=1, random_state=0)
    boot = time.perf_counter() - start
    print(f"million: {len(split):,} customers ({rows:,} transactions), {len(schemes)} schemes, {len(outcomes):,} landmark "
          f"customers; summary + churn outcomes {prepare:.2f} s, fit {fit:.2f} s, score {scoring:.2f} s, "
          f"fit + score {fit + scoring:.2f} s (aim < 120 s); one bootstrap round of every scheme {boot:.2f} s; "
          f"peak RSS {peak_rss_mib():,.0f} MiB")

    # peers on the largest scheme
    tiers, values = labels["rfm"], split["revenue_holdout"].astype(float)
    start = time.perf_counter()
    ours = tier_value(tiers, values)
    ours_gini = normalized_gini(tiers, values)
    ours_time = time.perf_counter() - start
    start = time.perf_counter()
    frame = pd.DataFrame({"tier": tiers, "value": values.reindex(tiers.index)})
    grouped = frame.groupby("tier", observed=False)["value"].agg(["size", "sum"])
    rng = np.random.default_rng(0)
    order = np.lexsort((rng.random(len(frame)), tiers.cat.codes.to_numpy()))  # one random tie-break
    v = frame["value"].to_numpy()[order]
    y = np.r_[0.0, np.cumsum(v)] / v.sum()
    gini = 2 * np.trapezoid(y, np.linspace(0, 1, len(v) + 1)) - 1
    best = np.sort(frame["value"].to_numpy())[::-1]
    gini_best = 2 * np.trapezoid(np.r_[0.0, np.cumsum(best)] / best.sum(), np.linspace(0, 1, len(best) + 1)) - 1
    peer_time = time.perf_counter() - start
    assert np.allclose(ours["customers"], grouped["size"]) and np.allclose(ours["value_share"], grouped["sum"] / grouped["sum"].sum())
    print(f"peers: tier table + normalised Gini {ours_time:.3f} s vs pandas groupby + per-customer sort {peer_time:.3f} s "
          f"(ratio {peer_time / ours_time:.1f}x); Gini {ours_gini:.4f} vs one random tie-break {gini / gini_best:.4f} "
          f"(exact expectation: {gain_gini(tiers.cat.codes.to_numpy().astype(np.int64), values.reindex(tiers.index).to_numpy()) / gini_best:.4f})")
    from lifelines.utils import concordance_index

    rows_ = outcomes.index.intersection(tiers.index)
    t = outcomes.loc[rows_, "residual"].to_numpy()
    e = outcomes.loc[rows_, "churned"].to_numpy()
    codes = tiers.reindex(rows_).cat.codes.to_numpy().astype(float)
    start = time.perf_counter()
    peer_c = concordance_index(t, -codes, e)
    peer_c_time = time.perf_counter() - start
    from workbench.churn.metrics import harrell_c

    start = time.perf_counter()
    ours_c = harrell_c(t, e, codes)
    ours_c_time = time.perf_counter() - start
    print(f"peers: Harrell's C {ours_c_time:.3f} s vs lifelines concordance_index {peer_c_time:.3f} s "
          f"(ratio {peer_c_time / ours_c_time:.1f}x); C {ours_c:.6f} vs {peer_c:.6f}")
    print("  scores: " + "; ".join(f"{k}: Gini {r['normalized_gini']:.3f}, C {r['churn_c']:.3f}" for k, r in scores.iterrows()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--skip-cdnow", action="store_true")
    args = parser.parse_args()
    from threadpoolctl import threadpool_limits

    print(f"load average {os.getloadavg()[0]:.2f}")
    with threadpool_limits(2):
        if not args.skip_cdnow:
            cdnow()
        million(args.customers)


if __name__ == "__main__":
    main()
