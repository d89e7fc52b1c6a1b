"""Profiles, playbooks and the CRM export (round trip with Chinese labels), and the RFM plots."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from workbench.errors import ConvergenceError, DataError, NotApplicableError, ParamsError  # noqa: E402
from workbench.models.clv import BetaGeo  # noqa: E402
from workbench.playbook import crm_export, playbook_table, profile  # noqa: E402
from workbench.plots.rfm import (  # noqa: E402
    plot_rf_heatmap,
    plot_score_distribution,
    plot_segment_sizes,
    plot_tier_treemap,
)
from workbench.segment import LifecycleStages, ScoreTiers, TiersConfig, build_segmenters, rfm_scores  # noqa: E402

GOLD = [{"en": "Gold", "zh": "黄金"}, {"en": "Silver", "zh": "白银"}, {"en": "Bronze", "zh": "青铜"}]


@pytest.fixture
def summary() -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "frequency": [4, 2, 0, 0],
            "recency": [30.0, 20.0, 0.0, 0.0],
            "T": [40.0, 50.0, 60.0, 10.0],
            "monetary_value": [25.0, 10.0, 0.0, 0.0],
            "revenue": [120.0, 40.0, 30.0, 10.0],
            "clv": [300.0, 80.0, 20.0, 40.0],
        },
        index=pd.Index(["00001", "00002", "00003", "00004"], name="customer_id"),
    )
    out.attrs["time_unit"] = "D"
    return out


@pytest.fixture
def value_tiers() -> ScoreTiers:
    return ScoreTiers("revenue", thresholds=[100, 35], labels=GOLD, name="value_tiers")


def test_profile_by_hand(summary, value_tiers):
    labels = value_tiers.fit_assign(summary)  # 120 Gold; 40 Silver; 30, 10 Bronze
    table = profile(summary, labels)
    assert list(table.index) == ["Gold", "Silver", "Bronze"]
    assert table["customers"].tolist() == [1, 1, 2]
    assert table["customer_share"].tolist() == [0.25, 0.25, 0.5]
    assert table["revenue_total"].tolist() == [120.0, 40.0, 40.0]
    assert table["revenue_share"].tolist() == [0.6, 0.2, 0.2]
    assert table.loc["Bronze", "mean_T"] == 35.0
    assert table.loc["Bronze", "mean_since_last"] == 35.0  # (60 - 0 + 10 - 0) / 2
    assert table.loc["Gold", "mean_since_last"] == 10.0
    assert table.loc["Bronze", "mean_clv"] == 30.0  # extra numeric columns by default
    assert table["label_zh"].tolist() == ["黄金", "白银", "青铜"]
    assert "mean_clv" not in profile(summary, labels, extra_columns=[]).columns


def test_profile_keeps_empty_tiers(summary):
    labels = ScoreTiers("revenue", thresholds=[1000, 100], labels=GOLD).fit_assign(summary)
    table = profile(summary, labels)
    assert table["customers"].tolist() == [0, 1, 3]
    assert np.isnan(table.loc["Gold", "mean_revenue"])


def test_profile_errors(summary, value_tiers):
    labels = value_tiers.fit_assign(summary)
    with pytest.raises(ParamsError, match=r"\['ltv'\].*available"):
        profile(summary, labels, extra_columns=["ltv"])
    with pytest.raises(DataError, match="1 labelled customers"):
        profile(summary.iloc[:3], labels)
    with pytest.raises(ParamsError, match="categorical"):
        profile(summary, labels.astype(str))


def test_playbook_by_position_and_by_tier(summary):
    seg = LifecycleStages().fit(summary)
    labels = seg.assign(summary)
    table = playbook_table(labels)
    assert list(table.index) == seg.tiers_
    assert table.loc["Loyal", "source"] == "default/top"
    assert table.loc["Active", "source"] == "default/middle"
    assert table.loc["Dormant", "source"] == "lifecycle/Dormant"
    assert "Win-back" in table.loc["Dormant", "service_level"]
    assert "dedicated account manager" in table.loc["Loyal", "service_level"]
    zh = playbook_table(labels, language="zh")
    assert zh.loc["Loyal", "owner"] == "大客户经理"


def test_playbook_from_params_and_from_segmenter(summary, value_tiers):
    entry = {k: {"en": f"{k} gold", "zh": f"{k} 黄金"} for k in ("service_level", "cadence", "channel", "owner", "actions")}
    config = TiersConfig.parse({"playbooks": {"default": TiersConfig.default().playbooks["default"]}})
    value_tiers.fit(summary)
    table = playbook_table(value_tiers, {"value_tiers": {"Gold": entry}, **config.playbooks})
    assert table.loc["Gold", "cadence"] == "cadence gold"
    assert table.loc["Bronze", "source"] == "default/bottom"
    with pytest.raises(ParamsError, match="no playbook for tier 'Silver'"):
        playbook_table(value_tiers, {"value_tiers": {"Gold": entry}})
    with pytest.raises(ParamsError, match=r"playbooks.value_tiers\['Gold'\].owner: required"):
        playbook_table(value_tiers, {"value_tiers": {"Gold": {k: v for k, v in entry.items() if k != "owner"}}})


def test_crm_export_csv_round_trip_with_chinese(tmp_path, summary, value_tiers):
    labels = value_tiers.set_params(language="zh").fit_assign(summary)
    book = playbook_table(labels)
    path = crm_export(summary, labels, book, tmp_path / "out" / "crm.csv")
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"  # BOM: Excel reads UTF-8
    back = pd.read_csv(path, encoding="utf-8-sig", dtype={"customer_id": str})
    assert back["customer_id"].tolist() == ["00001", "00002", "00003", "00004"]
    assert back["tier"].tolist() == ["黄金", "白银", "青铜", "青铜"]
    assert back["label_en"].tolist() == ["Gold", "Silver", "Bronze", "Bronze"]
    assert back["label_zh"].tolist() == ["黄金", "白银", "青铜", "青铜"]
    assert back.loc[0, "owner"] == "大客户经理"
    assert back["revenue"].tolist() == [120.0, 40.0, 30.0, 10.0]
    assert list(back.columns[:4]) == ["customer_id", "tier", "label_en", "label_zh"]
    assert {"service_level", "cadence", "channel", "actions", "frequency", "recency", "T", "monetary_value"} <= set(back.columns)


def test_crm_export_parquet_and_pseudonyms(tmp_path, summary, value_tiers):
    labels = value_tiers.fit_assign(summary)
    a = pd.read_parquet(crm_export(summary, labels, None, tmp_path / "a.parquet", format="parquet", pseudonymise="secret"))
    b = pd.read_parquet(crm_export(summary, labels, None, tmp_path / "b.parquet", format="parquet", pseudonymise="secret"))
    c = pd.read_parquet(crm_export(summary, labels, None, tmp_path / "c.parquet", format="parquet", pseudonymise=True))
    assert a["customer_id"].tolist() == b["customer_id"].tolist()  # same key, same pseudonyms
    assert not set(a["customer_id"]) & set(summary.index)
    assert a["customer_id"].str.fullmatch("[0-9a-f]{16}").all() and a["customer_id"].is_unique
    assert not set(c["customer_id"]) & set(a["customer_id"])
    assert a["label_zh"].tolist() == ["黄金", "白银", "青铜", "青铜"]


def test_crm_export_neutralises_formula_cells_and_keeps_numbers(tmp_path, summary):
    """OWASP CSV injection: ids (exported raw), tier labels and playbook texts that start with
    = + - @ reach the CSV with a leading apostrophe; the metrics stay numbers."""
    attack = '=HYPERLINK("http://evil.example","x")'
    evil = summary.rename(index={"00001": "=cmd|' /C calc'!A0", "00002": "-1+1"})
    tiers = ScoreTiers("revenue", thresholds=[100, 35], name="value_tiers",
                       labels=[{"en": attack, "zh": "@金"}, {"en": "+Silver", "zh": "白银"}, {"en": "Bronze", "zh": "青铜"}])
    labels = tiers.fit_assign(evil)
    playbooks = {"value_tiers": {attack: {k: {"en": "-call now", "zh": "=打电话"} for k in
                                          ("service_level", "cadence", "channel", "owner", "actions")}},
                 "default": TiersConfig.default().playbooks["default"]}
    path = crm_export(evil, labels, playbook_table(labels, playbooks), tmp_path / "crm.csv")
    back = pd.read_csv(path, encoding="utf-8-sig", dtype={"customer_id": str})
    assert back["customer_id"].tolist()[:2] == ["'=cmd|' /C calc'!A0", "'-1+1"]
    assert back.loc[0, "tier"] == "'" + attack and back.loc[0, "label_en"] == "'" + attack
    assert back.loc[0, "label_zh"] == "'@金" and back.loc[1, "label_en"] == "'+Silver"
    assert back.loc[0, "actions"] == "'-call now"
    starts = tuple("=+-@\t\r")
    cells = [v for col in back.select_dtypes("object") for v in back[col].dropna()]
    assert not [v for v in cells if v.startswith(starts)]
    assert back["revenue"].tolist() == [120.0, 40.0, 30.0, 10.0]


def test_crm_export_errors(tmp_path, summary, value_tiers):
    labels = value_tiers.fit_assign(summary)
    with pytest.raises(ParamsError, match="format"):
        crm_export(summary, labels, None, tmp_path / "x.xlsx", format="xlsx")
    with pytest.raises(ParamsError, match="metrics"):
        crm_export(summary, labels, None, tmp_path / "x.csv", metrics=["ltv"])
    with pytest.raises(DataError, match="not in the summary"):
        crm_export(summary.iloc[:2], labels, None, tmp_path / "x.csv")


def test_notebook_flow_with_defaults(tmp_path, summary):
    scores = rfm_scores(summary, n=3)
    segmenters = build_segmenters()
    # four customers do not identify a CLV model: a clear ConvergenceError, not a wrong tiering
    with pytest.raises(ConvergenceError):
        BetaGeo().fit(summary)
    for model_based in [s for s in segmenters if s.needs_repeat_customers]:
        with pytest.raises(NotApplicableError, match="predictions"):  # and no predictions to tier
            model_based.fit(summary)
    labels = {s.name: s.fit_assign(summary) for s in segmenters if not s.needs_repeat_customers}
    for name, lab in labels.items():
        assert profile(summary, lab)["customers"].sum() == 4, name
        assert playbook_table(lab)["actions"].str.len().min() > 0, name
    assert set(scores.columns) >= {"R", "F", "M", "rfm_cell", "rfm_score"}


def test_plots_return_axes(summary, value_tiers):
    scores = rfm_scores(summary, n=3)
    seg = value_tiers.fit(summary)
    for ax in (
        plot_score_distribution(scores),
        plot_segment_sizes(seg),
        plot_segment_sizes(seg.segments_),
        plot_rf_heatmap(scores),
        plot_rf_heatmap(scores, summary, value="monetary"),
        plot_tier_treemap(seg),
        plot_tier_treemap(seg.segments_, size="revenue_total"),
    ):
        assert isinstance(ax, plt.Axes)
    _, ax = plt.subplots()
    assert plot_tier_treemap(seg, ax=ax) is ax
    assert len(ax.patches) == 3 and sum(p.get_width() * p.get_height() for p in ax.patches) == pytest.approx(1.0)
    plt.close("all")


def test_treemap_areas_are_proportional(summary):
    table = pd.DataFrame({"customers": [50, 30, 15, 5]}, index=pd.Index(list("ABCD"), name="t"))
    _, ax = plt.subplots()
    plot_tier_treemap(table, ax=ax)
    areas = [p.get_width() * p.get_height() for p in ax.patches]
    assert areas == pytest.approx([0.5, 0.3, 0.15, 0.05])
    plt.close("all")


def test_plot_errors(summary):
    with pytest.raises(ParamsError, match="value"):
        plot_rf_heatmap(rfm_scores(summary), value="mean")
    with pytest.raises(ParamsError, match="needs a summary"):
        plot_rf_heatmap(rfm_scores(summary), value="monetary")
    with pytest.raises(ParamsError, match="customer_share"):
        plot_segment_sizes(pd.DataFrame({"x": [1]}))
