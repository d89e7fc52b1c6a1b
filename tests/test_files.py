"""Files appear whole or not at all; spreadsheet-bound exports cannot run formulas."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from workbench.files import atomic_path, create_once, neutralise_formulas, write_csv, write_text

ATTACKS = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1"]


def test_formula_cells_get_an_apostrophe_and_numbers_stay():
    frame = pd.DataFrame({"text": ATTACKS, "plain": ["Gold", "-12.5", "+3", "a=b", "1e5", ""],
                          "number": [-1.5, 2.0, -3.0, 0.0, 1e9, np.nan]})
    safe = neutralise_formulas(frame)
    assert list(safe["text"]) == ["'" + a for a in ATTACKS]
    assert list(safe["plain"]) == ["Gold", "-12.5", "+3", "a=b", "1e5", ""]  # plain numbers are not formulas
    pd.testing.assert_series_equal(safe["number"], frame["number"])
    assert list(frame["text"]) == ATTACKS  # the input is not changed


def test_categorical_and_index_cells_are_neutralised_too():
    frame = pd.DataFrame({"tier": pd.Categorical(["=1+1", "A"])}, index=pd.Index(["@x", "y"], name="customer_id"))
    safe = neutralise_formulas(frame)
    assert list(safe["tier"]) == ["'=1+1", "A"] and list(safe.index) == ["'@x", "y"]


def test_write_csv_reads_back_neutralised_with_bom(tmp_path):
    path = write_csv(pd.DataFrame({"label": ["=1+1", "金"], "value": [-1.0, 2.0]}), tmp_path / "out.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert list(back["label"]) == ["'=1+1", "金"] and list(back["value"]) == [-1.0, 2.0]


def test_a_failing_writer_leaves_neither_a_partial_file_nor_a_temporary(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("earlier, complete")
    with pytest.raises(OSError, match="No space"):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise OSError(28, "No space left on device")
    assert target.read_text() == "earlier, complete"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_write_text_replaces_whole(tmp_path):
    write_text(tmp_path / "a.txt", "one")
    write_text(tmp_path / "a.txt", "two")
    assert (tmp_path / "a.txt").read_text() == "two" and oct((tmp_path / "a.txt").stat().st_mode & 0o777) == "0o644"


def test_create_once_keeps_the_first_content(tmp_path):
    assert create_once(tmp_path / "k", b"first") is True
    assert create_once(tmp_path / "k", b"second") is False
    assert (tmp_path / "k").read_bytes() == b"first"
    assert (tmp_path / "k").stat().st_mode & 0o777 == 0o600
    assert os.listdir(tmp_path) == ["k"]
