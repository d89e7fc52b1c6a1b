"""Benchmark: the summary of ~100M transactions on one machine, the BTYD fits on its distinct
tuples, and Spark local mode against DuckDB on 10M rows.

Stages, in one process:

  write        a synthetic log (Pareto/NBD process) as one Parquet file, written in chunks
  summary      rfm_summary with a calibration split on DuckDB, out of core under its memory cap
  fits         BG/NBD and Gamma-Gamma on the summary (the likelihoods group the distinct tuples)
  spark        the same summary of the first ~10M rows on Spark local[2] and on DuckDB: the ratio
               (Spark's start-up timed apart) and the largest difference

Aims on a 2-core machine: summary under 60 s, fits under 30 s, peak RSS under 8 GB.

    python benchmarks/bench_scale.py                    # ~100M transactions, ~5M customers
    python benchmarks/bench_scale.py --customers 500000 # ~10M transactions
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


#: Gamma-Gamma spend parameters (Fader, Hardie & Lee 2005 on CDNOW): the fit should find them again.
GG_P, GG_Q, GG_GAMMA = 6.25, 3.74, 15.44


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_log(path: Path, customers: int, seed: int = 5, chunk: int = 250_000) -> int:
    """About 20 purchases per customer over two years (gamma purchase rates, exponential lifetimes
    with gamma dropout rates), first purchases over the first year; microsecond timestamps so
    Spark can read the file. Returns the row count."""
    rng = np.random.default_rng(seed)
    writer, rows = None, 0
    for first in range(0, customers, chunk):
        ids = np.arange(first, min(first + chunk, customers))
        n = len(ids)
        rate = rng.gamma(2.0, 0.0275, n)  # mean 0.055 a day: ~20 purchases a customer
        life = rng.exponential(1 / rng.gamma(2.0, 1 / 1000.0, n))
        start = rng.integers(0, 365, n)
        span = np.minimum(life, 730 - start)
        owner = np.repeat(np.arange(n), rng.poisson(rate * span))
        nu = rng.gamma(GG_Q, 1 / GG_GAMMA, n)  # Gamma-Gamma spend: each customer's rate of the gamma values
        day = np.concatenate([start, start[owner] + np.floor(rng.uniform(0, 1, len(owner)) * span[owner])]).astype("int64")
        who = np.concatenate([ids, ids[owner]])
        table = pa.table({
            "customer_id": pa.array(np.char.add("C", np.char.zfill(who.astype(str), 8))),
            "timestamp": pa.array((np.datetime64("2023-01-01") + day.astype("timedelta64[D]")).astype("datetime64[us]")),
            "amount": pa.array(np.round(rng.gamma(GG_P, 1 / nu[np.concatenate([np.arange(n), owner])]), 2)),
        })
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
        rows += table.num_rows
    writer.close()
    return rows


def write_head(source: Path, target: Path, rows: int) -> None:
    """The first ``rows`` rows of a Parquet file into another, a batch at a time."""
    writer, left = None, rows
    for batch in pq.ParquetFile(source).iter_batches(batch_size=1_000_000):
        batch = batch.slice(0, left)
        writer = writer or pq.ParquetWriter(target, batch.schema)
        writer.write_batch(batch)
        left -= batch.num_rows
        if left <= 0:
            break
    writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=5_000_000)
    parser.add_argument("--spark-rows", type=int, default=10_000_000)
    parser.add_argument("--skip-spark", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench_scale_"))
    try:
        run(folder, args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(folder: Path, args: argparse.Namespace) -> None:
    """The four stages (see the module docstring) with their files in ``folder``."""
    from workbench.models import BetaGeo, GammaGamma
    from workbench.summary import rfm_summary

    log = folder / "transactions.parquet"
    start = time.perf_counter()
    rows = write_log(log, args.customers)
    print(f"load average {os.getloadavg()[0]:.2f}; {rows:,} transactions of {args.customers:,} customers, "
          f"{log.stat().st_size / 2**20:,.0f} MiB Parquet, written in {time.perf_counter() - start:.1f} s")
    kwargs = {"observation_end": "2024-12-31", "calibration_end": "2024-06-30", "time_unit": "W"}
    start = time.perf_counter()
    summary = rfm_summary(str(log), **kwargs)
    summary_s = time.perf_counter() - start
    print(f"summary   {summary_s:8.2f} s (aim < 60 s)  {len(summary):,} customers  peak RSS {peak_rss_mib():,.0f} MiB")
    start = time.perf_counter()
    bgnbd = BetaGeo().fit(summary)
    spenders = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    gamma = GammaGamma().fit(spenders)
    fits_s = time.perf_counter() - start
    tuples = len(summary[["frequency", "recency", "T"]].drop_duplicates())
    print(f"fits      {fits_s:8.2f} s (aim < 30 s)  on {tuples:,} distinct (frequency, recency, T); "
          f"BG/NBD {bgnbd.params_.round(4).to_dict()}, Gamma-Gamma {gamma.params_.round(4).to_dict()} "
          f"(simulated with p {GG_P}, q {GG_Q}, v {GG_GAMMA})")
    print(f"peak RSS  {peak_rss_mib():,.0f} MiB (aim < 8,192)")
    if args.skip_spark:
        return
    part = folder / "part.parquet"
    write_head(log, part, args.spark_rows)
    from workbench.engine.spark import spark_backend

    start = time.perf_counter()
    spark = spark_backend("local[2]")
    startup = time.perf_counter() - start
    start = time.perf_counter()
    on_spark = rfm_summary(spark.read_parquet(str(part)), **kwargs)
    spark_s = time.perf_counter() - start
    start = time.perf_counter()
    on_duckdb = rfm_summary(str(part), **kwargs)
    duckdb_s = time.perf_counter() - start
    numeric = on_duckdb.select_dtypes("number").columns
    gap = float((on_spark[numeric] - on_duckdb[numeric]).abs().max().max())
    same = on_spark.index.equals(on_duckdb.index)
    print(f"spark     {args.spark_rows:,} rows: Spark local[2] {spark_s:.2f} s (start-up {startup:.1f} s apart) vs DuckDB "
          f"{duckdb_s:.2f} s: ratio {spark_s / duckdb_s:.1f}x; same customers {same}, largest difference {gap:.2e}")


if __name__ == "__main__":
    main()
