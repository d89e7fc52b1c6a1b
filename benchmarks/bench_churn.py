"""Benchmark: the churn pipeline at a million customers, next to lifelines' own Cox fit.

A synthetic log (one Parquet file) of N customers: first purchases spread over a year, purchases
at a Gamma-distributed Poisson rate while alive, exponential lifetimes whose rate depends on a
segment attribute (three levels). Timed stages, in one process:

  durations    churn_durations on the log (DuckDB), full period and calibration period
  km           Kaplan-Meier per segment with log-rank tests (tier_survival)
  cox          workbench CoxPH on until_known with log(1 + purchases) and the segment
  evaluation   the landmark holdout evaluation of that model: Cox fitted on the calibration
               durations, P(churn within 90 days) for every customer active at the calibration
               end, Harrell's and Uno's C, AUC, integrated Brier and ICI
  lifelines    lifelines.CoxPHFitter on the same coded frame as `cox` (the peer), both unpenalised
               so that the coefficients must agree

    python benchmarks/bench_churn.py                  # 1M customers (~3 min with lifelines)
    python benchmarks/bench_churn.py --customers 100000
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def synthetic_log(n: int, seed: int, path: Path) -> int:
    rng = np.random.default_rng(seed)
    start = rng.uniform(0, 365, n)
    segment = rng.choice(["retail", "enterprise", "government"], n, p=[0.6, 0.3, 0.1])
    mean_life = pd.Series(segment).map({"retail": 150.0, "enterprise": 400.0, "government": 700.0}).to_numpy()
    life = rng.exponential(mean_life)
    rate = rng.gamma(2.0, 1 / 60.0, n)  # purchases per day while alive: mean one a month
    end_day = 730.0
    span = np.minimum(life, end_day - start)
    repeats = rng.poisson(rate * span)
    owner = np.repeat(np.arange(n), repeats)
    offsets = rng.uniform(0, 1, len(owner)) * span[owner]
    days = np.concatenate([start, start[owner] + offsets])
    ids = np.concatenate([np.arange(n), owner])
    frame = pd.DataFrame({
        "customer_id": np.char.add("C", np.char.zfill(ids.astype(str), 7)),
        "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.floor(days), unit="D"),
        "amount": np.round(rng.gamma(2.0, 25.0, len(ids)), 2),
    })
    frame.to_parquet(path, index=False)
    pd.DataFrame({"customer_id": np.char.add("C", np.char.zfill(np.arange(n).astype(str), 7)), "segment": segment}).to_parquet(
        path.with_name("customers.parquet"), index=False)
    return len(frame)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--threshold", type=float, default=90.0)
    parser.add_argument("--skip-lifelines", action="store_true")
    args = parser.parse_args()
    from threadpoolctl import threadpool_limits

    from workbench.churn import churn_durations
    from workbench.churn.evaluation import evaluation_times, landmark_outcomes, model_predictions, score
    from workbench.churn.kaplan_meier import tier_survival
    from workbench.churn.models import CoxPH

    folder = Path(tempfile.mkdtemp(prefix="bench_churn_"))
    log = folder / "transactions.parquet"
    t0 = time.perf_counter()
    rows = synthetic_log(args.customers, 7, log)
    print(f"load average {os.getloadavg()[0]:.2f}; {args.customers:,} customers, {rows:,} transactions "
          f"(made in {time.perf_counter() - t0:.1f} s); threshold {args.threshold:g} days")
    segments = pd.read_parquet(folder / "customers.parquet").set_index("customer_id")["segment"]
    timings: dict[str, float] = {}
    with threadpool_limits(2):
        start = time.perf_counter()
        full = churn_durations(str(log), observation_end="2025-12-31", inactivity_days=args.threshold)
        calibration = churn_durations(str(log), observation_end="2025-06-30", inactivity_days=args.threshold)
        timings["durations"] = time.perf_counter() - start

        start = time.perf_counter()
        km = tier_survival(full, segments)
        timings["km"] = time.perf_counter() - start

        covariates = pd.DataFrame({"log_frequency": np.log1p(full["purchase_days"] - 1), "segment": segments.reindex(full.index)},
                                  index=full.index)
        start = time.perf_counter()
        cox = CoxPH(ph_sample=20_000).fit(full.join(covariates), duration="until_known", covariates=["log_frequency", "segment"])
        timings["cox"] = time.perf_counter() - start

        start = time.perf_counter()
        cal_covariates = pd.DataFrame({"log_frequency": np.log1p(calibration["purchase_days"] - 1),
                                       "segment": segments.reindex(calibration.index)}, index=calibration.index)
        model = CoxPH(ph_sample=20_000).fit(calibration.join(cal_covariates), duration="until_known",
                                            covariates=["log_frequency", "segment"])
        outcomes = landmark_outcomes(calibration, full)
        times = evaluation_times(outcomes, 90.0)
        probability = model_predictions(model, outcomes.join(cal_covariates), times)
        scores, _ = score(outcomes, probability, times, 90.0)
        timings["evaluation"] = time.perf_counter() - start

    total = sum(timings.values())
    for stage, seconds in timings.items():
        print(f"{stage:<11} {seconds:8.2f} s")
    print(f"{'total':<11} {total:8.2f} s  (aim < 60 s)  peak RSS {peak_rss_mib():,.0f} MiB")
    print(f"km: log-rank chi-square {km.logrank['statistic']:,.1f} on {km.logrank['df']} df; medians "
          + ", ".join(f"{t} {m:g}" for t, m in km.medians['median'].items()))
    print("cox: " + ", ".join(f"{k} HR {v:.3f}" for k, v in cox.hazard_ratios_.items()))
    print(f"evaluation on {len(outcomes):,} landmark customers: " + ", ".join(f"{k} {v:.4f}" for k, v in scores.items()))

    if not args.skip_lifelines:
        from lifelines import CoxPHFitter

        coded = cox.design_.transform(full.join(covariates), "bench").assign(T=full["until_known"], E=full["churned"])
        start = time.perf_counter()
        peer = CoxPHFitter().fit(coded, "T", "E")
        peer_time = time.perf_counter() - start
        ours = CoxPH(penalizer=0, ph_sample=20_000)
        start = time.perf_counter()
        ours.fit(full.join(covariates), duration="until_known", covariates=["log_frequency", "segment"])
        our_time = time.perf_counter() - start
        gap = float(np.max(np.abs(peer.params_.to_numpy() - ours.params_.to_numpy())))
        print(f"lifelines CoxPHFitter {peer_time:8.2f} s vs workbench CoxPH {our_time:.2f} s (PH check included): "
              f"ratio {peer_time / our_time:.1f}x; largest coefficient difference {gap:.2e}")


if __name__ == "__main__":
    main()
