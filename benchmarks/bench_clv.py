"""Benchmark the CLV models against lifetimes 0.11.3 in the same run.

For each data set: fit BG/NBD, Pareto/NBD and Gamma-Gamma with workbench and with lifetimes,
then predict for every customer E[X(52 weeks) | history], P(alive) and a 12-month CLV (the
lifetimes-compatible definition, so both compute the same numbers). Prints times, speed-up
ratios and the largest relative differences of parameters and predictions.

Data: CDNOW master (23,570 customers) and synthetic CDNOW-like cohorts
(``workbench.data.synthetic.make_cdnow_like``) summarised by ``workbench.summary.rfm_summary``
at day resolution in weeks (days / 7), as in the papers.

lifetimes runs with its defaults except where they fail or are loose: Gamma-Gamma needs
tol=1e-6 (its default raises ConvergenceError on large data). Its Pareto/NBD starts Nelder-Mead
from an (here seeded) random point with tol 1e-4, so its estimates are compared with ours on
lifetimes' own objective too. Prediction comparisons give lifetimes our parameters, so they
compare implementations, not fits.

The wider model set (``--wider``): MBG/NBD, BG/CNBD-k and MBG/CNBD-k fitted on BTYDplus' grocery
data (1,525 customers) against BTYDplus' own fits of the same data in the same run (when ``Rscript``
with BTYDplus is on the machine: set ``R_LIBS`` to where it is installed), Pareto/NBD with static
covariates on CLVTools' apparel data against CLVTools, the three models and BG/NBD with covariates
at 1M synthetic customers, and the per-customer CLV intervals (parameter draws) for 1M customers.
Medians of 3 runs.

Usage: python benchmarks/bench_clv.py [--sizes cdnow,100k,1m] [--skip-lifetimes-pareto] [--wider] [--only-wider]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.data.datasets import load_cdnow
from workbench.data.synthetic import make_cdnow_like
from workbench.models.clv import BetaGeo, GammaGamma, ParetoNBD, predict_clv
from workbench.summary import rfm_summary

warnings.filterwarnings("ignore", category=RuntimeWarning)  # lifetimes' NaN paths
warnings.filterwarnings("ignore", category=FutureWarning)

SIZES = {"cdnow": None, "100k": 100_000, "1m": 1_000_000}
TARGETS = {"BG/NBD fit": 10.0, "Pareto/NBD fit": 20.0, "BG/NBD predict (E, P(alive), CLV)": 10.0}


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def rel(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    ok = np.isfinite(b)
    return float(np.max(np.abs(a[ok] / b[ok] - 1))) if ok.any() else float("nan")


def load(name: str, seed: int) -> pd.DataFrame:
    if SIZES[name] is None:
        tx = load_cdnow("master")
    else:
        tx, _ = make_cdnow_like(SIZES[name], seed=seed)
    summary = rfm_summary(tx, observation_end="1998-06-30", time_unit="W")
    return summary


def lifetimes_copy(fitter_cls, params: pd.Series):
    ref = fitter_cls()
    ref.params_ = params.copy()
    if hasattr(ref, "conditional_expected_number_of_purchases_up_to_time"):
        ref.predict = ref.conditional_expected_number_of_purchases_up_to_time  # lifetimes sets it in fit
    return ref


def run(name: str, seed: int, skip_pareto: bool) -> list[dict]:
    import lifetimes

    summary, t_data = timed(lambda: load(name, seed))
    x, tx, T, m = summary["frequency"], summary["recency"], summary["T"], summary["monetary_value"]
    n_distinct = summary.groupby(["frequency", "recency", "T"]).ngroups
    print(f"\n=== {name}: {len(summary):,} customers, {n_distinct:,} distinct (x, t_x, T); data prepared in {t_data:.1f} s")
    rows = []

    def report(step, ours_s, ref_s, diff, note=""):
        ratio = ref_s / ours_s if ref_s and ours_s else float("nan")
        rows.append({"data": name, "step": step, "workbench_s": ours_s, "lifetimes_s": ref_s, "speedup": ratio, "max_rel_diff": diff, "note": note})
        ref_txt = f"{ref_s:8.2f}" if ref_s else "       -"
        print(f"{step:<36} workbench {ours_s:7.3f} s  lifetimes {ref_txt} s  speed-up {ratio:7.1f}x  max rel diff {diff:.1e} {note}")

    # --- fits ---------------------------------------------------------------------------------
    bg, t_bg = timed(lambda: BetaGeo().fit(summary))
    ref_bg, t_ref_bg = timed(lambda: lifetimes.BetaGeoFitter().fit(x, tx, T))
    report("BG/NBD fit", t_bg, t_ref_bg, rel(bg.params_, ref_bg.params_[bg.params_.index]))

    pn, t_pn = timed(lambda: ParetoNBD().fit(summary))
    if skip_pareto:
        report("Pareto/NBD fit", t_pn, None, float("nan"), "(lifetimes skipped)")
    else:
        np.random.seed(seed)
        ref_pn, t_ref_pn = timed(lambda: lifetimes.ParetoNBDFitter().fit(x, tx, T))
        # both solutions on lifetimes' own objective (mean negative LL on time scaled to max T = 1)
        scale = 1.0 / T.max()
        args = (x.to_numpy(), tx.to_numpy() * scale, T.to_numpy() * scale, np.ones(len(x)), 0.0)
        theirs = lifetimes.ParetoNBDFitter._negative_log_likelihood(ref_pn.params_.to_numpy() * [1, scale, 1, scale], *args)
        mine = lifetimes.ParetoNBDFitter._negative_log_likelihood(pn.params_.to_numpy() * [1, scale, 1, scale], *args)
        note = f"(lifetimes objective: ours {mine:.10f}, theirs {theirs:.10f})"
        report("Pareto/NBD fit", t_pn, t_ref_pn, rel(pn.params_, ref_pn.params_[pn.params_.index]), note)

    usable = summary[(summary["frequency"] == 0) | (summary["monetary_value"] > 0)]
    rep = usable[usable["frequency"] > 0]
    gg, t_gg = timed(lambda: GammaGamma().fit(usable))
    ref_gg, t_ref_gg = timed(lambda: lifetimes.GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"], tol=1e-6))
    report("Gamma-Gamma fit", t_gg, t_ref_gg, rel(gg.params_, ref_gg.params_[gg.params_.index]))

    # --- predictions for everyone, same parameters in both libraries ------------------------------
    ref_spend = lifetimes_copy(lifetimes.GammaGammaFitter, gg.params_)
    for label, model, ref_cls in (("BG/NBD", bg, lifetimes.BetaGeoFitter), ("Pareto/NBD", pn, lifetimes.ParetoNBDFitter)):
        ref = lifetimes_copy(ref_cls, model.params_)

        def ours():
            return (
                model.conditional_expected_purchases(52.0, summary),
                model.p_alive(summary),
                predict_clv(model, gg, summary, horizon=12, discount_rate=0.01, discounting="lifetimes"),
            )

        def theirs():
            return (
                ref.conditional_expected_number_of_purchases_up_to_time(52.0, x, tx, T),
                ref.conditional_probability_alive(x, tx, T),
                ref_spend.customer_lifetime_value(ref, x, tx, T, m, time=12, discount_rate=0.01, freq="W"),
            )

        (e, p, c), t_ours = timed(ours)
        (e2, p2, c2), t_ref = timed(theirs)
        nan = int(np.sum(~np.isfinite(np.asarray(p2, float))))
        diff = max(rel(e, e2), rel(p, p2), rel(c, c2))
        finite = bool(np.all(np.isfinite(e)) and np.all(np.isfinite(p)) and np.all(np.isfinite(c)))
        note = f"(lifetimes NaN P(alive): {nan}; ours all finite: {finite})"
        report(f"{label} predict (E, P(alive), CLV)", t_ours, t_ref, diff, note)
    return rows


# --------------------------------------------------------------------------------------------
# the wider model set
# --------------------------------------------------------------------------------------------
REFERENCE = Path(__file__).resolve().parents[1] / "tests" / "reference"
R_TIMING = r"""
suppressPackageStartupMessages({ library(BTYDplus); library(CLVTools) })
args <- commandArgs(trailingOnly = TRUE)
cbs <- read.csv(args[1])
time3 <- function(f) median(replicate(3, system.time(f())[["elapsed"]]))
out <- c(mbgnbd = time3(function() mbgnbd.EstimateParameters(cbs)),
         bgcnbd = time3(function() bgcnbd.EstimateParameters(cbs)),
         mbgcnbd = time3(function() mbgcnbd.EstimateParameters(cbs)))
data("apparelTrans", package = "CLVTools"); data("apparelStaticCov", package = "CLVTools")
d <- clvdata(apparelTrans, date.format = "ymd", time.unit = "week", estimation.split = 104,
             name.id = "Id", name.date = "Date", name.price = "Price")
d <- SetStaticCovariates(d, data.cov.life = apparelStaticCov, data.cov.trans = apparelStaticCov,
                         names.cov.life = c("Gender", "Channel"), names.cov.trans = c("Gender", "Channel"), name.id = "Id")
invisible(pnbd(d, verbose = FALSE))  # the first call loads compiled code
out["paretonbd_cov"] <- time3(function() pnbd(d, verbose = FALSE))
cat(paste(names(out), out, sep = "=", collapse = "\n"), "\n")
"""


def median3(fn):
    runs = [timed(fn) for _ in range(3)]
    return runs[-1][0], float(np.median([t for _, t in runs]))


def r_timings(grocery: pd.DataFrame) -> dict[str, float] | None:
    """BTYDplus' and CLVTools' fit times (median of 3) on the same data, or None without R."""
    import shutil
    import subprocess
    import tempfile

    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        cbs = grocery.rename(columns={"frequency": "x", "recency": "t.x", "T": "T.cal", "sum_log_interpurchase": "litt"})
        path = Path(folder) / "cbs.csv"
        cbs[["x", "t.x", "litt", "T.cal"]].to_csv(path, index=False)
        script = Path(folder) / "timing.R"
        script.write_text(R_TIMING)
        done = subprocess.run(["Rscript", str(script), str(path)], capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        print(f"R timings skipped: {done.stderr.strip().splitlines()[-1:] or done.returncode}")
        return None
    return {k: float(v) for k, v in (line.split("=") for line in done.stdout.split() if "=" in line)}


def run_wider(seed: int) -> list[dict]:
    from workbench.models import BetaGeoCovariates, BetaGeoCNBD, ModifiedBetaGeo, ModifiedBetaGeoCNBD, ParetoNBDCovariates
    from workbench.models.selection import fit_spend_model
    from workbench.models.uncertainty import clv_intervals

    rows = []

    def report(data, step, ours, ref, note=""):
        ratio = ref / ours if ref else float("nan")
        rows.append({"data": data, "step": step, "workbench_s": ours, "reference_s": ref, "speedup": ratio, "note": note})
        ref_txt = f"{ref:8.3f} s" if ref else "       - "
        print(f"{data:<8} {step:<34} workbench {ours:7.3f} s  reference {ref_txt}  speed-up {ratio:6.1f}x {note}")

    elog = pd.read_csv(REFERENCE / "btydplus" / "groceryElog.csv", dtype={"cust": str}).rename(
        columns={"cust": "customer_id", "date": "timestamp"})
    elog["timestamp"] = pd.to_datetime(elog["timestamp"])
    grocery = rfm_summary(elog, observation_end="2007-12-30", calibration_end="2006-12-31", time_unit="W", regularity=True)
    print(f"\n=== grocery: {len(grocery):,} customers (BTYDplus' groceryElog, calibration to 2006-12-31)")
    theirs = r_timings(grocery) or {}
    if not theirs:
        print("(no Rscript with BTYDplus and CLVTools here: the R columns stay empty)")
    models = {"mbgnbd": ModifiedBetaGeo, "bgcnbd": BetaGeoCNBD, "mbgcnbd": ModifiedBetaGeoCNBD}
    for kind, cls in models.items():
        model, t = median3(lambda: cls().fit(grocery))
        report("grocery", f"{cls.label} fit (k = {getattr(model, 'k_', 1)})", t, theirs.get(kind), "vs BTYDplus")

    transactions = pd.read_csv(REFERENCE / "apparel" / "apparelTrans.csv", dtype={"Id": str}).rename(
        columns={"Id": "customer_id", "Date": "timestamp", "Price": "amount"})
    transactions["timestamp"] = pd.to_datetime(transactions["timestamp"])
    apparel = rfm_summary(transactions, observation_end="2010-12-20", calibration_end="2006-12-31", time_unit="W").join(
        pd.read_csv(REFERENCE / "apparel" / "apparelStaticCov.csv", dtype={"Id": str}).set_index("Id"))
    _, t = median3(lambda: ParetoNBDCovariates(covariates=["Gender", "Channel"]).fit(apparel))
    report("apparel", "Pareto/NBD + covariates fit", t, theirs.get("paretonbd_cov"), "vs CLVTools (incl. the no-covariate fit)")

    tx, _ = make_cdnow_like(1_000_000, seed=seed)
    (big, t_data) = timed(lambda: rfm_summary(tx, observation_end="1998-06-30", time_unit="W", regularity=True))
    print(f"\n=== 1m: {len(big):,} synthetic CDNOW-like customers; summary with regularity in {t_data:.1f} s")
    for kind, cls in models.items():
        model, t = timed(lambda: cls().fit(big))
        report("1m", f"{cls.label} fit (k = {getattr(model, 'k_', 1)})", t, None)
    rng = np.random.default_rng(seed)
    attributed = big.assign(segment=rng.choice(["individual", "enterprise", "government"], len(big), p=[0.5, 0.4, 0.1]),
                            region=rng.choice(["local", "remote"], len(big), p=[0.7, 0.3]))
    _, t = timed(lambda: BetaGeoCovariates(covariates=["segment", "region"]).fit(attributed))
    report("1m", "BG/NBD + covariates fit (2 attributes)", t, None)
    bg = BetaGeo().fit(big)
    spend = fit_spend_model(big)
    for draws in (100, 200):
        _, t = timed(lambda: clv_intervals(bg, big, spend, n_draws=draws))
        report("1m", f"CLV intervals, {draws} draws", t, None, f"(target < 30 s: {'OK' if t < 30 else 'MISSED'})")
    return rows


def main(argv=None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="cdnow,100k,1m", help=f"comma-separated subset of {','.join(SIZES)}")
    parser.add_argument("--skip-lifetimes-pareto", action="store_true", help="do not run lifetimes' slow Pareto/NBD fit")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--wider", action="store_true", help="also time the wider model set (MBG/NBD, (M)BG/CNBD-k, covariates, intervals)")
    parser.add_argument("--only-wider", action="store_true", help="time the wider model set only")
    args = parser.parse_args(argv)
    if args.only_wider:
        return pd.DataFrame(run_wider(args.seed))
    names = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = set(names) - set(SIZES)
    if unknown:
        parser.error(f"unknown sizes {sorted(unknown)}; choose from {list(SIZES)}")
    rows = []
    for name in names:
        rows += run(name, args.seed, args.skip_lifetimes_pareto)
    if args.wider:
        run_wider(args.seed)
    table = pd.DataFrame(rows)
    largest = names[-1]
    print(f"\nTargets at {largest} (speed-up over lifetimes; parameters within 1e-4):")
    for step, target in TARGETS.items():
        row = table[(table["data"] == largest) & (table["step"] == step)]
        if row.empty or not np.isfinite(row["speedup"].iloc[0]):
            print(f"  {step:<36} target {target:4.0f}x  not measured")
            continue
        speed, diff = row["speedup"].iloc[0], row["max_rel_diff"].iloc[0]
        ok = speed >= target and diff < 1e-4
        print(f"  {step:<36} target {target:4.0f}x  measured {speed:6.1f}x  max rel diff {diff:.1e}  {'OK' if ok else 'MISSED'}")
    return table


if __name__ == "__main__":
    main()
