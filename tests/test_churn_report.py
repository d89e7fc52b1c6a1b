"""The churn report's set-up and sections beyond one threshold: per-tier thresholds (honest on
the holdout: calibration tiers and gaps only), known churn / contract-end dates from the
customers table with their errors, and the survival CLV next to the BTYD CLV (the notebook
itself runs in test_e2e)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.churn import churn_durations, tier_thresholds
from workbench.churn.evaluation import landmark_outcomes
from workbench.config import Params
from workbench.errors import ParamsError
from workbench.report import churn as report
from workbench.scenario import Scenario

from tests.test_churn_evaluation import simulated_shop

END, CAL = "2020-12-31", "2020-06-30"
SCHEMES = [{"name": "value", "kind": "thresholds", "column": "revenue",
            "tiers": [{"label": "High", "min": 12}, {"label": "Low"}]},
           {"name": "plan", "kind": "facet", "column": "plan"},
           {"name": "churn_risk", "kind": "churn_risk", "inactivity_days": 60}]


@pytest.fixture(scope="module")
def shop_files(tmp_path_factory):
    """A simulated log as CSV with a customers table: a plan attribute and contract-end dates
    for every fifth customer (some before the end, some after)."""
    folder = tmp_path_factory.mktemp("shop")
    frame, covariates = simulated_shop(n=1200, seed=4)
    plan = pd.Series(np.where(covariates["x"] > 0, "pro", "basic"), index=covariates.index)
    basic = frame["customer_id"].map(plan).eq("basic").to_numpy()
    every_other = frame.groupby("customer_id").cumcount().to_numpy() % 2 == 0
    frame = frame[~basic | every_other].reset_index(drop=True)  # basic customers buy half as often
    frame["amount"] = np.random.default_rng(5).gamma(2.0, 5.0, len(frame)).round(2)
    frame.to_csv(folder / "tx.csv", index=False)
    first = frame.groupby("customer_id")["timestamp"].min().dt.normalize()
    rng = np.random.default_rng(6)
    ends = first + pd.to_timedelta(rng.integers(30, 500, len(first)), unit="D")
    customers = pd.DataFrame({"customer_id": first.index, "plan": plan.reindex(first.index).to_numpy(),
                              "contract_end_date": ends.dt.strftime("%Y-%m-%d").where(np.arange(len(first)) % 5 == 0, "")})
    customers.to_csv(folder / "customers.csv", index=False)
    return folder, frame, customers


def scenario(folder, tmp_path, **churn) -> Scenario:
    params = Params.model_validate({
        "data": {"transactions": str(folder / "tx.csv"), "customers": str(folder / "customers.csv")},
        "observation_end": END, "calibration_end": CAL, "time_unit": "D",
        "churn": {"models": ["cox", "weibull_aft"], "horizon_days": 45, **churn},
        "tiers": {"schemes": SCHEMES}})
    return Scenario(params, tmp_path)


@pytest.fixture
def said(monkeypatch):
    lines: list[str] = []
    monkeypatch.setattr(report, "say", lambda template, **values: lines.append(template.format(**values) if values else template))
    monkeypatch.setattr(report, "table", lambda *a, **k: None)
    monkeypatch.setattr(report.plt, "show", lambda: None)
    return lines


def test_per_tier_thresholds_define_churn_and_stay_honest_on_the_holdout(shop_files, tmp_path, said):
    folder, frame, _ = shop_files
    sc = scenario(folder, tmp_path, threshold_by="plan", gap_quantile=0.8)
    an = report.churn_setup(sc)
    used = an.tier_table[an.tier_table["customers"] > 0]
    assert an.rule == "tiers" and sorted(used.index) == ["basic", "pro"] and not used["pooled"].any()
    labels = sc.segmenters()[1].fit_assign(sc.summary())
    expected = tier_thresholds(frame, labels, observation_end=END, quantile=0.8)
    pd.testing.assert_frame_equal(an.tier_table, expected)
    assert an.tier_table.loc["basic", "threshold_days"] > 1.5 * an.tier_table.loc["pro", "threshold_days"]
    per_customer = labels.astype(str).map(expected["threshold_days"])
    np.testing.assert_array_equal(an.durations["threshold_days"], per_customer.reindex(an.durations.index))
    # the holdout: calibration tiers and gaps, the same threshold per customer in both periods
    calibration, full = report.evaluation_durations(an)
    cal_labels = sc.segmenters()[1].fit_assign(sc.summary(split=True))
    cal_table = tier_thresholds(frame, cal_labels, observation_end=CAL, quantile=0.8)
    np.testing.assert_array_equal(calibration["threshold_days"],
                                  cal_labels.astype(str).map(cal_table["threshold_days"]).reindex(calibration.index))
    outcomes = landmark_outcomes(calibration, full)
    assert len(outcomes) > 100
    new = full.index.difference(calibration.index)
    assert len(new) and (full.loc[new, "threshold_days"] == cal_table.attrs["overall_days"]).all()
    report.show_threshold(an)
    assert said[0].startswith("Each tier of <b>plan</b> has its own threshold: the 80% quantile")
    assert "depending on the plan tier" in report.churn_findings(an, None, {})[0]


def test_contract_end_dates_from_the_customers_table(shop_files, tmp_path, said):
    folder, frame, customers = shop_files
    an = report.churn_setup(scenario(folder, tmp_path, dates_column="contract_end_date", inactivity_days=45))
    dates = pd.to_datetime(customers.set_index("customer_id")["contract_end_date"].replace("", None))
    expected = churn_durations(frame, observation_end=END, inactivity_days=45, churn_dates=dates)
    pd.testing.assert_frame_equal(an.durations, expected)
    dated = an.durations["dated"]
    assert dated.sum() == dates.notna().sum() and (an.durations.loc[dated, "threshold_days"] == 0).all()
    report.show_threshold(an)
    churned = int((dated & an.durations["churned"]).sum())
    assert f"for {int(dated.sum()):,} customers: {churned:,} churned on their date and {int(dated.sum()) - churned:,} are known active" in said[1]
    evaluation = report.show_evaluation(an)
    assert evaluation is not None and evaluation.table.loc["Cox proportional hazards", "harrell_c"] > 0.5


@pytest.mark.parametrize(("churn", "customers", "message"), [
    ({"dates_column": "contract_end_date"}, False, "churn.dates_column: 'contract_end_date' names a column of the customers table, but the scenario has none"),
    ({"dates_column": "end"}, True, "churn.dates_column: the customers table has no column 'end'; columns: plan, contract_end_date"),
    ({"dates_column": "plan"}, True, "column 'plan' of the customers table holds category values, not dates"),
])
def test_bad_churn_dates_are_named(shop_files, tmp_path, churn, customers, message):
    folder, *_ = shop_files
    sc = scenario(folder, tmp_path, **churn)
    if not customers:
        sc.params.data.customers = None
    with pytest.raises(ParamsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        report.churn_setup(sc)


def test_threshold_by_must_name_a_scheme():
    with pytest.raises(Exception, match="churn.threshold_by: no tier scheme named 'nope'"):
        from workbench.config import parse_params

        parse_params({"churn": {"threshold_by": "nope"}})


def test_survival_clv_stands_next_to_the_btyd_clv(shop_files, tmp_path, said):
    folder, *_ = shop_files
    sc = scenario(folder, tmp_path, inactivity_days=45)
    an = report.churn_setup(sc)
    _, figures = report.show_risk_tiers(an)
    assert {"survival_clv", "BTYD CLV (BG/NBD)"} <= set(figures.columns)
    line = next(s for s in said if s.startswith("Over the same 12 months at 1.0% a month"))
    btyd = sc.with_clv(an.summary)["clv"]
    assert f"BG/NBD CLV with Gamma-Gamma spend {btyd.sum():,.0f}" in line
    weighted = (figures["BTYD CLV (BG/NBD)"] * figures["customers"]).sum()
    assert weighted == pytest.approx(btyd.sum(), rel=1e-9)
