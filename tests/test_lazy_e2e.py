"""Lazy end to end: the data-quality, RFM and CLV notebooks run by papermill on a 10M-transaction
Parquet file with ``data.options.lazy`` never load the raw transactions into pandas: the largest
process of the run (the CLI or its kernel), less what a kernel holds once the report code is
imported, stays below the memory the raw frame alone would take."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import ROOT

ROWS, CUSTOMERS, CHUNKS = 10_000_000, 200_000, 10

#: What a report kernel holds before it reads any data: its imports (KiB on Linux).
IMPORTS = """
import resource
import ipykernel.kernelapp, matplotlib.pyplot, lifelines, sklearn.cluster, duckdb, ibis
import workbench.report.tiers, workbench.report.clv, workbench.report.data_quality, workbench.scenario
print("MAXRSS", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, 0)
"""

#: Runs the CLI in a child and prints the largest resident set of its process tree (KiB on Linux).
MEASURE = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:]).returncode
print("MAXRSS", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)
"""


def write_log(path) -> pd.DataFrame:
    """About 10M purchases of 200k customers from the Pareto/NBD process (gamma purchase rates,
    exponential lifetimes with gamma dropout rates) with Gamma-Gamma spend, first purchases over the
    first year of a two-year window, written in chunks of customers; returns one chunk."""
    rng = np.random.default_rng(23)
    writer, per_chunk = None, CUSTOMERS // CHUNKS
    for k in range(CHUNKS):
        ids = np.arange(k * per_chunk, (k + 1) * per_chunk)
        rate = rng.gamma(2.0, 0.07, per_chunk)  # purchases per day: mean 0.14
        life = rng.exponential(1 / rng.gamma(2.0, 1 / 1000.0, per_chunk))  # mean dropout rate 1 / 500 days
        start = rng.integers(0, 365, per_chunk)
        span = np.minimum(life, 730 - start)
        repeats = rng.poisson(rate * span)
        owner = np.repeat(np.arange(per_chunk), repeats)
        nu = rng.gamma(3.74, 1 / 15.44, per_chunk)  # Gamma-Gamma spend (CDNOW's p 6.25, q 3.74, gamma 15.44)
        day = np.concatenate([start, start[owner] + np.floor(rng.uniform(0, 1, len(owner)) * span[owner])]).astype(int)
        who = np.concatenate([ids, ids[owner]])
        chunk = pd.DataFrame({"customer_id": np.char.add("C", np.char.zfill(who.astype(str), 7)),
                              "timestamp": pd.Timestamp("2023-01-01") + pd.to_timedelta(day, unit="D"),
                              "amount": np.round(rng.gamma(6.25, 1 / nu[np.concatenate([np.arange(per_chunk), owner])]), 2)})
        table = pa.Table.from_pandas(chunk, preserve_index=False)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    writer.close()
    return chunk


@pytest.mark.notebook
def test_lazy_notebooks_on_ten_million_rows_stay_below_the_raw_frame(tmp_path):
    path = tmp_path / "transactions.parquet"
    chunk = write_log(path)
    rows = pq.ParquetFile(path).metadata.num_rows
    assert 8_000_000 < rows < 12_000_000
    raw_bytes = chunk.memory_usage(deep=True).sum() / len(chunk) * rows  # what pd.read_parquet would hold
    command = [sys.executable, "-c", MEASURE, sys.executable, "-m", "workbench.cli", "run", "00_data_quality", "10_rfm_tiers",
               "40_clv", "-q", "--reports", str(tmp_path / "reports"), "--set", f"data.transactions={path}",
               "--set", "data.options.lazy=true", "--set", "observation_end=2024-12-31", "--set", "calibration_end=2024-06-30",
               "--set", "title=Lazy run"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("MAXRSS"))
    _, kib, code = line.split()
    assert code == "0", result.stdout[-3000:] + result.stderr[-3000:]
    peak = int(kib) * 1024
    imports = subprocess.run([sys.executable, "-c", IMPORTS], cwd=ROOT, capture_output=True, text=True, timeout=300)
    baseline = int(next(ln for ln in imports.stdout.splitlines() if ln.startswith("MAXRSS")).split()[1]) * 1024
    manifests = [json.loads(p.read_text()) for p in (tmp_path / "reports").glob("*/*/manifest.json")]
    assert sorted(m["notebook"] for m in manifests) == ["00_data_quality", "10_rfm_tiers", "40_clv"]
    assert all(m["status"] == "succeeded" for m in manifests)
    assert manifests[0]["metrics"]["observation_end"] == "2024-12-31"
    grown = peak - baseline
    assert grown < raw_bytes, (f"peak RSS {peak / 2**20:,.0f} MiB, {grown / 2**20:,.0f} MiB above the imports, against "
                               f"a raw frame of {raw_bytes / 2**20:,.0f} MiB")
