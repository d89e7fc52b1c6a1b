"""Benchmark: workbench.summary.rfm_summary against plain pandas and lifetimes.

Generates a seeded synthetic transaction log as Parquet in a temporary folder, then runs each path
in a fresh Python process (so peak memory is that path's alone) and prints wall time, peak RSS and
the ratios; finally checks that the three summaries agree.

    python benchmarks/bench_summary.py                      # 1M customers, ~10M transactions
    python benchmarks/bench_summary.py --customers 100000   # quick run (transactions scale along)
    python benchmarks/bench_summary.py --paths workbench --duckdb-memory-limit 300MB   # spilling

Paths, each timed from reading the Parquet file to the per-customer DataFrame (imports excluded):
  workbench  rfm_summary(path) - DuckDB scans the file; only per-customer rows reach pandas; its
             private DuckDB is capped near 40 bytes per input row and spills to disk beyond that
  pandas     read_parquet + groupby: same-day merge, then per-customer aggregates
  lifetimes  read_parquet + lifetimes.utils.summary_data_from_transaction_data(freq="D")
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

START = np.datetime64("2020-01-01", "D")
OBSERVATION_END = "2021-12-31"  # day 730; the log runs to day 800, so late rows are filtered out
PATHS = ("workbench", "pandas", "lifetimes")


def make_log(customers: int, transactions: int, seed: int):
    """A seeded log with heterogeneous purchase counts, times of day and same-day repeats."""
    import pyarrow as pa
    import pyarrow.compute as pc

    rng = np.random.default_rng(seed)
    extra = max(transactions / customers - 1.0, 0.0)
    rates = rng.gamma(0.5, extra / 0.5, customers) if extra > 0 else np.zeros(customers)
    counts = 1 + rng.poisson(rates)
    n = int(counts.sum())
    cust = np.repeat(np.arange(customers), counts)
    first_rows = np.cumsum(counts) - counts
    first = rng.uniform(0, 365, customers)
    span = rng.uniform(0, 800 - first)
    days = first[cust] + rng.uniform(0, 1, n) * span[cust]
    days[first_rows] = first
    ids = pa.array([f"C{i:08d}" for i in range(customers)])
    stamps = START.astype("datetime64[ns]") + (days * 86400e9).astype("timedelta64[ns]")
    order = rng.permutation(n)
    return pa.table({
        "customer_id": pc.take(ids, pa.array(cust[order])),
        "timestamp": pa.array(stamps[order]),
        "amount": pa.array(np.round(rng.lognormal(3.0, 1.0, n), 2)[order]),
    })


# ---------------------------------------------------------------------------------------------
# the three paths (each runs in its own process)


def run_workbench(path: str):
    from workbench.summary import rfm_summary

    limit = os.environ.get("BENCH_DUCKDB_MEMORY_LIMIT")
    if not limit:
        return rfm_summary(path, observation_end=OBSERVATION_END, time_unit="D")
    import ibis

    with tempfile.TemporaryDirectory(prefix="bench_spill_") as spill:
        con = ibis.duckdb.connect(memory_limit=limit, temp_directory=spill)
        try:
            return rfm_summary(path, observation_end=OBSERVATION_END, time_unit="D", con=con)
        finally:
            con.disconnect()


def run_pandas(path: str):
    import pandas as pd

    df = pd.read_parquet(path, columns=["customer_id", "timestamp", "amount"])
    df["day"] = df["timestamp"].dt.normalize()
    df = df[df["day"] <= pd.Timestamp(OBSERVATION_END)]
    daily = df.groupby(["customer_id", "day"])["amount"].sum().reset_index()  # sorted by customer, day
    out = daily.groupby("customer_id").agg(
        first=("day", "first"), last=("day", "last"), n=("day", "size"),
        revenue=("amount", "sum"), first_amount=("amount", "first"),
    )
    frequency = out["n"] - 1
    return pd.DataFrame({
        "frequency": frequency,
        "recency": (out["last"] - out["first"]).dt.days.astype(float),
        "T": (pd.Timestamp(OBSERVATION_END) - out["first"]).dt.days.astype(float),
        "monetary_value": ((out["revenue"] - out["first_amount"]) / frequency).where(frequency > 0, 0.0),
    })


def run_lifetimes(path: str):
    import pandas as pd
    from lifetimes.utils import summary_data_from_transaction_data

    df = pd.read_parquet(path, columns=["customer_id", "timestamp", "amount"])
    return summary_data_from_transaction_data(
        df, "customer_id", "timestamp", "amount", observation_period_end=OBSERVATION_END, freq="D"
    )


def worker(name: str, path: str, out: str) -> None:
    """Child process: run one path, save its summary, print time and peak RSS as JSON."""
    import pandas  # noqa: F401  (imports are not part of the timed work)
    import pyarrow  # noqa: F401

    if name == "workbench":
        import workbench.summary  # noqa: F401
    elif name == "lifetimes":
        import lifetimes.utils  # noqa: F401
    rss_after_imports = _peak_rss_mb()
    start, cpu_start = time.perf_counter(), time.process_time()
    summary = {"workbench": run_workbench, "pandas": run_pandas, "lifetimes": run_lifetimes}[name](path)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    peak = _peak_rss_mb()
    summary = summary[["frequency", "recency", "T", "monetary_value"]].astype(float)
    summary.index = summary.index.astype(str)
    summary.sort_index().to_parquet(out)
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_rss_mb": peak, "rss_after_imports_mb": rss_after_imports,
                      "customers": len(summary)}))


def _peak_rss_mb() -> float:
    """Peak resident memory of this process in MiB.

    VmHWM belongs to the address space, which ``exec`` replaces; ``ru_maxrss`` would carry over the
    parent's peak into a child started by fork + exec.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux, bytes on macOS


# ---------------------------------------------------------------------------------------------
# driver


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--transactions", type=int, default=None,
                        help="expected number of transactions (default: 10 per customer)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--paths", nargs="+", choices=PATHS, default=list(PATHS))
    parser.add_argument("--duckdb-memory-limit", default=None,
                        help="cap the workbench path's DuckDB (e.g. 500MB); it then spills to disk")
    parser.add_argument("--worker", choices=PATHS, help=argparse.SUPPRESS)
    parser.add_argument("--parquet", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.parquet, args.out)
        return 0

    import pandas as pd
    import pyarrow.parquet as pq

    transactions = args.transactions or 10 * args.customers
    with tempfile.TemporaryDirectory(prefix="bench_summary_") as tmp:
        parquet = os.path.join(tmp, "transactions.parquet")
        start = time.perf_counter()
        table = make_log(args.customers, transactions, args.seed)
        pq.write_table(table, parquet)
        rows = table.num_rows
        del table
        print(f"log: {rows:,} transactions, {args.customers:,} customers, "
              f"{os.path.getsize(parquet) / 2**20:.0f} MiB Parquet, written in {time.perf_counter() - start:.1f} s; "
              f"observation_end {OBSERVATION_END}")

        load = os.getloadavg()[0]
        results, summaries = {}, {}
        for name in args.paths:
            out = os.path.join(tmp, f"{name}.parquet")
            env = dict(os.environ, BENCH_DUCKDB_MEMORY_LIMIT=args.duckdb_memory_limit or "")
            proc = subprocess.run(
                [sys.executable, __file__, "--worker", name, "--parquet", parquet, "--out", out],
                capture_output=True, text=True, check=False, env=env,
            )
            if proc.returncode != 0:
                print(f"{name}: failed\n{proc.stderr}")
                return 1
            results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
            summaries[name] = pd.read_parquet(out)

        if args.duckdb_memory_limit:
            print(f"workbench path: DuckDB memory_limit {args.duckdb_memory_limit} (spills to disk above it)")
        print(f"load average before the runs: {load:.2f} on {os.cpu_count()} cores (wall times suffer above it)")
        print(f"\n{'path':<10} {'wall s':>8} {'CPU s':>8} {'peak RSS MiB':>13} {'RSS after imports':>18} "
              f"{'customers':>10}")
        for name, r in results.items():
            print(f"{name:<10} {r['seconds']:>8.2f} {r['cpu_seconds']:>8.2f} {r['peak_rss_mb']:>13.0f} "
                  f"{r['rss_after_imports_mb']:>18.0f} {r['customers']:>10,}")
        if "workbench" in results:
            wb = results["workbench"]
            for name in [n for n in results if n != "workbench"]:
                r = results[name]
                print(f"{name}/workbench: wall x{r['seconds'] / wb['seconds']:.1f}, "
                      f"CPU x{r['cpu_seconds'] / wb['cpu_seconds']:.1f}, "
                      f"peak memory x{r['peak_rss_mb'] / wb['peak_rss_mb']:.2f}")
            if "pandas" in results:
                share = wb["peak_rss_mb"] / results["pandas"]["peak_rss_mb"]
                print(f"workbench peak RSS = {share:.2f} of the pandas path's (target: at most 0.5)")

        reference_name = args.paths[0]
        reference = summaries[reference_name]
        for name, summary in summaries.items():
            assert summary.index.equals(reference.index), f"{name}: customers differ from {reference_name}"
            for column in ["frequency", "recency", "T"]:
                np.testing.assert_array_equal(summary[column], reference[column], err_msg=f"{name} {column}")
            np.testing.assert_allclose(summary["monetary_value"], reference["monetary_value"], rtol=1e-12,
                                       atol=1e-9, err_msg=f"{name} monetary_value")
        if len(summaries) > 1:
            print(f"\nagreement: {', '.join(summaries)} give the same frequency, recency, T (exact) "
                  "and monetary_value (rtol 1e-12)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
