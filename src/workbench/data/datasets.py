"""Bundled data sets, returned in the transactions contract (customer_id, timestamp, amount, quantity)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from workbench.errors import ParamsError

DATA_DIR = Path(__file__).resolve().parents[3] / "data"

_CDNOW_FILES = {
    "master": ("CDNOW_master.txt", ["customer_id", "date", "quantity", "amount"], 1),
    "sample": ("CDNOW_sample.txt", ["customer_id", "sample_id", "date", "quantity", "amount"], 0),
}


def cdnow_path(kind: str = "master") -> Path:
    """Path of a bundled CDNOW file (``kind`` is ``"master"`` or ``"sample"``)."""
    if kind not in _CDNOW_FILES:
        raise ParamsError(f"load_cdnow: kind must be one of {sorted(_CDNOW_FILES)}, got {kind!r}")
    path = _data_dir() / "cdnow" / _CDNOW_FILES[kind][0]
    if not path.exists():
        raise FileNotFoundError(f"bundled CDNOW file not found: {path.name} (expected in data/cdnow/)")
    return path


def load_cdnow(kind: str = "master") -> pd.DataFrame:
    """CDNOW purchase records, one row per purchase, in the transactions contract.

    The standard data set of the "buy till you die" literature: every customer of the online
    music retailer CDNOW who made a first purchase in the first quarter of 1997, followed until
    1998-06-30. ``kind="master"``: 69,659 rows, 23,570 customers; ``kind="sample"``: the 1/10
    sample (6,919 rows, 2,357 customers) used in Fader, Hardie & Lee (2005). Customer ids stay
    strings ("00001"); for the sample they are the master ids. Redistributed from the MIT-licensed
    ``lifetimes`` 0.11.3 package; see ``data/cdnow/README.md``.

    References: Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting Your Customers the
    Easy Way: An Alternative to the Pareto/NBD Model". Marketing Science 24(2), 275-284.
    """
    path = cdnow_path(kind)
    name, names, header = _CDNOW_FILES[kind]
    df = pd.read_csv(
        path,
        sep=r"\s+",
        header=None,
        skiprows=header,
        names=names,
        dtype={"customer_id": str, "sample_id": str, "date": str},
    )
    return pd.DataFrame(
        {
            "customer_id": df["customer_id"].astype(str),
            "timestamp": pd.to_datetime(df["date"], format="%Y%m%d").astype("datetime64[ns]"),
            "amount": df["amount"].astype(float),
            "quantity": df["quantity"].astype(int),
        }
    )


def _data_dir() -> Path:
    from workbench.paths import project_root

    root = project_root()
    return root / "data" if (root / "data" / "cdnow").exists() else DATA_DIR
