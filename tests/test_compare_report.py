"""The comparison report's set-up, export and determinism on a small synthetic scenario (the
notebook itself runs in test_e2e): the scorecard is the compare functions' scores ranked, the
export round-trips (CSV with BOM and neutralised formulas, Parquet), the same seed gives
byte-identical scorecards and exports, and steps that cannot be done are noted in the report's
language."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.compare import rank_methods, shape_scores, value_scores
from workbench.config import Params
from workbench.errors import ParamsError
from workbench.report import compare as report
from workbench.scenario import Scenario

BASE = {"data": {"transactions": "synthetic:b2b", "n_customers": 800, "seed": 3}, "observation_end": "2025-12-31",
        "calibration_end": "2025-06-30", "time_unit": "W", "export_customer_ids": True,
        "compare": {"bootstrap": 3, "snapshots": 3},
        "tiers": {"schemes": [{"name": "rfm", "kind": "rfm_segments"},
                              {"name": "pareto", "kind": "pareto", "column": "revenue",
                               "tiers": [{"label": "=A", "share": 0.8}, {"label": "B", "share": 0.2}]},
                              {"name": "lifecycle", "kind": "lifecycle"},
                              {"name": "churn_risk", "kind": "churn_risk", "inactivity_days": 120}]}}


@pytest.fixture
def quiet(monkeypatch):
    lines: list[str] = []
    monkeypatch.setattr(report, "say", lambda template, **values: lines.append(template.format(**values) if values else template))
    monkeypatch.setattr(report, "table", lambda *a, **k: None)
    monkeypatch.setattr(report.plt, "show", lambda: report.plt.close("all"))
    return lines


def scenario(tmp_path, **overrides) -> Scenario:
    return Scenario(Params.model_validate({**BASE, **overrides}), tmp_path)


def test_the_scorecard_ranks_the_compare_scores(tmp_path, quiet):
    sc = scenario(tmp_path / "a")
    cmp = report.compare_setup(sc)
    assert set(cmp.labels) == {"rfm", "pareto", "lifecycle", "churn_risk", "clusters"}  # the default clustering joins
    split = sc.with_clv(sc.summary(split=True))
    for name in ("rfm", "pareto"):
        expected = {**shape_scores(cmp.labels[name]), **value_scores(cmp.labels[name], split["revenue_holdout"])}
        for metric, value in expected.items():
            assert cmp.scores.loc[name, metric] == pytest.approx(value, nan_ok=True), (name, metric)
    again = rank_methods({name: row.dropna().to_dict() for name, row in cmp.scores.iterrows()})
    assert list(again.index) == list(cmp.card.index) and cmp.best["overall"] == cmp.card.index[0]
    assert cmp.outcomes is not None and len(cmp.outcomes) > 100
    assert {"bootstrap_ari", "shift_ari", "churn_c", "targeting_lift"} <= set(cmp.scores.columns)


def test_the_export_round_trips_and_the_same_seed_gives_the_same_bytes(tmp_path, quiet):
    files = []
    for run in ("one", "two"):
        sc = scenario(tmp_path / run, compare={**BASE["compare"], "choose": "pareto"})
        cmp = report.compare_setup(sc)
        report.show_scorecard(cmp)
        exported = report.export_chosen(cmp)
        files.append({f: (tmp_path / run / f).read_bytes() for f in exported["file"]})
        files[-1]["scorecard"] = cmp.card.to_csv().encode()
    assert files[0] == files[1]
    raw = files[0]["chosen_pareto.csv"]
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM for spreadsheets
    csv = pd.read_csv(tmp_path / "one" / "chosen_pareto.csv", encoding="utf-8-sig", dtype={"customer_id": str})
    parquet = pd.read_parquet(tmp_path / "one" / "chosen_pareto.parquet")
    assert set(csv["tier"]) == {"'=A", "B"} and set(parquet["tier"]) == {"=A", "B"}  # the formula cell neutralised in CSV
    assert {"clv", "p_alive", "p_churn", "service_level", "label_zh"} <= set(csv.columns)
    pd.testing.assert_series_equal(csv["customer_id"], parquet["customer_id"], check_dtype=False)
    np.testing.assert_allclose(csv["clv"], parquet["clv"], rtol=1e-12)
    assert parquet["p_churn"].between(0, 1).all() and len(parquet) == 800


def test_steps_that_fail_are_noted_without_english_in_a_chinese_report(tmp_path, quiet, capsys):
    note = report.step_note("clv", "migration", "ParetoNBD.fit stopped at a point that is not a maximum", "zh")
    assert note == "clv：未能完成迁移快照（原因见运行保存的笔记本）。"
    assert "ParetoNBD.fit stopped" in capsys.readouterr().err
    assert report.step_note("clv", "bootstrap", "x failed", "en") == "Note: clv: bootstrap stability: x failed"


def test_without_a_holdout_the_comparison_says_what_it_needs(tmp_path):
    with pytest.raises(ParamsError, match="compare: set calibration_end"):
        report.compare_setup(scenario(tmp_path, calibration_end=None))
    with pytest.raises(Exception, match="compare.choose: no tier scheme named 'nope'"):
        scenario(tmp_path, compare={"choose": "nope"})


def test_snapshot_dates_step_back_from_the_end():
    import datetime as dt

    assert report.snapshot_dates(dt.date(2025, 12, 31), 3, 4) == [dt.date(2025, 3, 31), dt.date(2025, 6, 30),
                                                                   dt.date(2025, 9, 30), dt.date(2025, 12, 31)]
