"""Benchmark: workbench's mixed-data clustering (k-prototypes tiers) against kmodes.KPrototypes.

All data are planted clusters (workbench.data.synthetic.make_planted_clusters) with their truth,
numeric columns on raw scales of 1, 10, 100, 1000 ... (counts, days, money), so the adjusted Rand
index (ARI) against the truth measures recovery: separation 1.5 for the 10k comparison, 2.0 for
the 100k and 1M stages. The pipeline keeps the k its default criterion (silhouette) chooses: on
the 100k draw the planted centres form two pairs, so the silhouette prefers k = 2 while the gap
statistic finds the planted 4; its ARI says which structure it found. Each stage runs in a fresh Python process (peak
RSS = that stage alone; imports excluded from the times):

  kmodes      kmodes.KPrototypes(k, n_jobs=1) on the raw columns, as users call it (its defaults:
              Cao initialisation, n_init=10, gamma = half the mean numeric spread), 10k customers
  kmodes_std  the same on workbench's standardised features (same input as ours), 10k customers
  workbench   KPrototypesTiers(k) fit + assign on the same 10k customers (features included)
  famd        the FAMD alternative: standardised numbers and centred one-hot attributes weighted by
              1 / sqrt(level share), then scikit-learn KMeans(k, n_init=4), same 10k customers
  gower       the Gower alternative: gower.gower_matrix (dense n x n) + kmedoids.fasterpam(k),
              same 10k customers
  pipeline    100k customers x 10 columns (6 numeric, 4 attributes): features, k = 2..10 chosen on
              a 10k sample (silhouette, Calinski-Harabasz, Davies-Bouldin, gap with 5 references),
              final fit, assign, and B = 50 bootstrap refits for the per-cluster stability
  million     1M customers x 10 columns: final fit with k given, and assign

    python benchmarks/bench_cluster.py                 # everything (~8 min, most of it kmodes and Gower)
    python benchmarks/bench_cluster.py --stages workbench pipeline million
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

STAGES = ("kmodes", "kmodes_std", "famd", "gower", "workbench", "pipeline", "million")
K = 4


def planted(n: int, wide: bool, seed: int):
    from workbench.data.synthetic import make_planted_clusters

    if wide:
        return make_planted_clusters(n, K, n_numeric=6, n_categorical=4, separation=2.0,
                                     scales=[1, 10, 100, 1000, 1, 10], seed=seed)
    return make_planted_clusters(n, K, n_numeric=4, n_categorical=2, separation=1.5, scales=[1, 10, 100, 1000], seed=seed)


def features(frame):
    return ([{"column": c} for c in frame.columns if c.startswith("x")]
            + [{"column": c, "kind": "categorical"} for c in frame.columns if c.startswith("a")])


def worker(stage: str, n: int, seed: int) -> dict:
    import numpy as np
    from sklearn.metrics import adjusted_rand_score

    from workbench.cluster import FeatureSet, KPrototypesTiers

    frame, truth = planted(n, stage in ("pipeline", "million"), seed)
    categorical = [i for i, c in enumerate(frame.columns) if c.startswith("a")]
    out: dict = {"customers": n}
    if stage in ("kmodes", "kmodes_std"):
        from kmodes.kprototypes import KPrototypes

        data = frame.to_numpy(dtype=object)
        if stage == "kmodes_std":
            X, C = FeatureSet(features(frame)).fit_transform(frame)
            data = np.column_stack([X, C]).astype(object)
        start = time.perf_counter()
        labels = KPrototypes(K, n_jobs=1, random_state=seed).fit_predict(data, categorical=categorical)
        out["seconds"] = time.perf_counter() - start
    elif stage == "famd":
        from sklearn.cluster import KMeans

        start = time.perf_counter()
        X, C = FeatureSet(features(frame)).fit_transform(frame)
        blocks = [X]
        for j in range(C.shape[1]):
            onehot = np.eye(C[:, j].max() + 1)[C[:, j]]
            share = onehot.mean(axis=0)
            blocks.append((onehot - share) / np.sqrt(share))
        labels = KMeans(K, n_init=4, random_state=seed).fit_predict(np.hstack(blocks))
        out["seconds"] = time.perf_counter() - start
    elif stage == "gower":
        import gower
        import kmedoids

        start = time.perf_counter()
        distances = gower.gower_matrix(frame)
        labels = kmedoids.fasterpam(distances, K, random_state=seed).labels
        out["seconds"] = time.perf_counter() - start
    elif stage in ("workbench", "million"):
        start = time.perf_counter()
        seg = KPrototypesTiers(features=features(frame), k=K, value_column="x0", random_state=seed).fit(frame)
        fitted = time.perf_counter()
        labels = seg.assign(frame).cat.codes.to_numpy()
        out.update(seconds=time.perf_counter() - start, fit_seconds=fitted - start)
    else:  # pipeline
        start = time.perf_counter()
        seg = KPrototypesTiers(features=features(frame), k_range=[2, 10], bootstrap=50, value_column="x0",
                               random_state=seed).fit(frame)
        fitted = time.perf_counter()
        labels = seg.assign(frame).cat.codes.to_numpy()
        table, ari = seg.stability(frame)
        out.update(seconds=time.perf_counter() - start, fit_seconds=fitted - start, k=seg.k_,
                   reason=seg.selection_.reason(), stability_seconds=time.perf_counter() - fitted,
                   jaccard=[round(float(j), 3) for j in table["jaccard"]], bootstrap_ari=float(np.mean(ari)))
    out["ari"] = float(adjusted_rand_score(truth, labels))
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def peak_rss_mb() -> float:
    """Peak resident memory of this process (VmHWM) in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stages", nargs="+", choices=STAGES, default=list(STAGES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--worker", choices=STAGES, help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.n, args.seed)))
        return 0
    sizes = {"pipeline": 100_000, "million": 1_000_000}
    print(f"load average {os.getloadavg()[0]:.2f}; planted k = {K}, seed {args.seed}")
    results = {}
    for stage in args.stages:
        proc = subprocess.run([sys.executable, __file__, "--worker", stage, "--n", str(sizes.get(stage, 10_000)), "--seed", str(args.seed)],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            print(f"{stage}: failed\n{proc.stderr}")
            return 1
        results[stage] = r = json.loads(proc.stdout.strip().splitlines()[-1])
        extra = "".join(f", {key} {r[key]}" for key in ("k", "jaccard", "bootstrap_ari") if key in r)
        print(f"{stage:11s} {r['customers']:>9,} customers  {r['seconds']:8.2f} s  ARI {r['ari']:.3f}  "
              f"peak RSS {r['peak_rss_mb']:,.0f} MiB{extra}")
        if "reason" in r:
            print(f"{'':11s} {r['reason']}")
    if "workbench" in results:
        for peer in ("kmodes", "kmodes_std", "famd", "gower"):
            if peer in results:
                print(f"10k: {peer} / workbench time ratio {results[peer]['seconds'] / results['workbench']['seconds']:,.0f}x; "
                      f"ARI {results[peer]['ari']:.3f} vs {results['workbench']['ari']:.3f}")
    if "pipeline" in results:
        r = results["pipeline"]
        print(f"100k pipeline: {r['seconds']:.1f} s (aim < 120 s; fit incl. k choice {r['fit_seconds']:.1f} s, "
              f"B = 50 stability {r['stability_seconds']:.1f} s), peak RSS {r['peak_rss_mb']:,.0f} MiB (aim < 2048)")
    if "million" in results:
        r = results["million"]
        print(f"1M fit + assign: {r['seconds']:.1f} s (aim < 60 s; fit {r['fit_seconds']:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
