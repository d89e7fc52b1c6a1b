"""Rule-based tier schemes (hand-computed cases for every kind) and the params YAML errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.errors import ParamsError
from workbench.segment import (
    Crossed,
    FacetTiers,
    LifecycleStages,
    ParetoTiers,
    ScoreTiers,
    TiersConfig,
    ValueGrid,
    build_segmenters,
)


def frame(time_unit: str | None = "D", **columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    out = pd.DataFrame(columns, index=pd.Index([f"c{i}" for i in range(n)], name="customer_id"))
    if time_unit:
        out.attrs["time_unit"] = time_unit
    return out


def tiers(segmenter, data) -> list[str]:
    return segmenter.fit_assign(data).astype(str).tolist()


# ----------------------------------------------------------------------------- thresholds


def test_bank_asset_bands():
    assets = [2_500_000.0, 2_000_000.0, 199_999.0, 150_000.0, 100_000.0, 60_000.0, 50_000.0, 49_999.0, 10.0]
    labels = [{"en": "Private", "zh": "私人银行"}, {"en": "Wealth", "zh": "财富"}, {"en": "Gold", "zh": "金卡"},
              {"en": "Standard", "zh": "标准"}, {"en": "Mass", "zh": "大众"}]
    seg = ScoreTiers("assets", thresholds=[2_000_000, 200_000, 100_000, 50_000], labels=labels, name="bank")
    # a value equal to a threshold reaches that tier
    assert tiers(seg, frame(assets=assets)) == [
        "Private", "Private", "Gold", "Gold", "Gold", "Standard", "Standard", "Mass", "Mass"
    ]
    assert seg.label("zh")["Gold"] == "金卡"
    assert list(seg.segments_["customers"]) == [2, 0, 3, 2, 2]


def test_lower_is_better_thresholds():
    seg = ScoreTiers("churn_risk", thresholds=[0.2, 0.5], higher_is_better=False, labels=["Safe", "Watch", "At risk"])
    assert tiers(seg, frame(churn_risk=[0.1, 0.2, 0.21, 0.5, 0.9])) == ["Safe", "Safe", "Watch", "Watch", "At risk"]


def test_threshold_default_labels_describe_the_cut():
    seg = ScoreTiers("revenue", thresholds=[1000, 100])
    assert tiers(seg, frame(revenue=[5000.0, 100.0, 1.0])) == ["revenue >= 1,000", "revenue >= 100", "revenue < 100"]


@pytest.mark.parametrize("thresholds, key", [([100, 1000], r"thresholds\[1\].*decrease"), ([100, 100], r"thresholds\[1\]")])
def test_unsorted_thresholds(thresholds, key):
    with pytest.raises(ParamsError, match=key):
        ScoreTiers("revenue", thresholds=thresholds).fit(frame(revenue=[1.0]))


def test_unknown_column_names_it_and_lists_the_available_ones():
    with pytest.raises(ParamsError, match=r"column='revnue' is not a column.*available: revenue, frequency"):
        ScoreTiers("revnue", name="value_tiers").fit(frame(revenue=[1.0], frequency=[0]))


# ----------------------------------------------------------------------------- quantiles


def test_shares_distinct_values():
    seg = ScoreTiers("revenue", shares=[0.2, 0.3, 0.5])
    # 10 customers: top 2 / next 3 / bottom 5
    assert tiers(seg, frame(revenue=[float(v) for v in range(10, 0, -1)])) == (
        ["Top 20%"] * 2 + ["Next 30%"] * 3 + ["Bottom 50%"] * 5
    )
    assert list(seg.thresholds_) == [9.0, 6.0]
    assert seg.label("zh")["Top 20%"] == "前20%"


def test_shares_keep_ties_together():
    # four customers tie at the top: none is strictly behind 20 % of customers, so all four are
    # in the top tier (40 %); the six 1s have 4 customers (40 %) ahead: below 50 % -> tier 2
    seg = ScoreTiers("revenue", shares=[0.2, 0.3, 0.5], labels=["H", "M", "L"])
    assert tiers(seg, frame(revenue=[5.0] * 4 + [1.0] * 6)) == ["H"] * 4 + ["M"] * 6
    assert list(seg.segments_["customers"]) == [4, 6, 0]


def test_learned_cut_points_apply_to_new_customers():
    seg = ScoreTiers("revenue", shares=[0.2, 0.3, 0.5], labels=["H", "M", "L"]).fit(
        frame(revenue=[float(v) for v in range(1, 11)])
    )
    assert seg.assign(frame(revenue=[9.5, 9.0, 6.0, 5.9])).astype(str).tolist() == ["H", "H", "M", "L"]


def test_lower_is_better_shares():
    seg = ScoreTiers("risk", shares=[0.5, 0.5], higher_is_better=False, labels=["Low risk", "High risk"])
    assert tiers(seg, frame(risk=[0.9, 0.1, 0.5, 0.3])) == ["High risk", "Low risk", "High risk", "Low risk"]


@pytest.mark.parametrize(
    "shares, key", [([0.2, 0.3, 0.4], "sum to 0.9"), ([0.5, -0.5, 1.0], r"shares\[1\]"), ([1.0], "at least two")]
)
def test_bad_shares(shares, key):
    with pytest.raises(ParamsError, match=key):
        ScoreTiers("revenue", shares=shares).fit(frame(revenue=[1.0, 2.0]))


def test_labels_must_match_the_tiers():
    with pytest.raises(ParamsError, match="labels: 2 labels for 3 tiers"):
        ScoreTiers("revenue", shares=[0.2, 0.3, 0.5], labels=["a", "b"]).fit(frame(revenue=[1.0, 2.0]))


# ----------------------------------------------------------------------------- Pareto / ABC


@pytest.mark.parametrize(
    "revenue, expected",
    [
        # total 100: A = 50 + 30 (reaches 80); B adds 10 + 5 (reaches 95); C the rest
        ([50.0, 30.0, 10.0, 5.0, 3.0, 2.0], list("AABBCC")),
        # 60 alone is below 80, so 25 joins A (A makes 85 %); 10 brings B to 95; 5 is C
        ([60.0, 25.0, 10.0, 5.0], list("AABC")),
        # ties share a tier: both 40s are in A, both 10s in B
        ([40.0, 40.0, 10.0, 10.0], list("AABB")),
        # zero and negative revenue contribute nothing: last tier
        ([100.0, 0.0, -20.0], list("ACC")),
    ],
)
def test_pareto_by_hand(revenue, expected):
    assert tiers(ParetoTiers(), frame(revenue=revenue)) == expected


def test_pareto_default_labels_in_chinese():
    seg = ParetoTiers(language="zh").fit(frame(revenue=[3.0, 2.0, 1.0]))
    assert seg.tiers_ == ["A类", "B类", "C类"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=40))
def test_pareto_top_tier_is_the_smallest_set_reaching_80_percent(values):
    revenue = np.array(values, dtype=float)
    labels = ParetoTiers().fit_assign(frame(revenue=list(revenue)))
    in_a = (labels == "A").to_numpy()
    total = revenue.sum()
    assert revenue[in_a].sum() >= 0.8 * total - 1e-9
    # dropping A's lowest tie group must fall below 80 %
    lowest = revenue[in_a].min()
    assert revenue[in_a & (revenue > lowest)].sum() < 0.8 * total
    # and A is a top set: nobody outside A has more revenue than someone inside it
    assert not in_a.all() and revenue[~in_a].max() < lowest or in_a.all()


# ----------------------------------------------------------------------------- lifecycle


def lifecycle_frame(time_unit: str = "D") -> pd.DataFrame:
    scale = 7.0 if time_unit == "W" else 1.0
    # prospect, churned, dormant, new, loyal, active, dormant (365 days is not > 365), loyal (180 is not > 180)
    T = [np.nan, 500.0, 300.0, 60.0, 400.0, 400.0, 465.0, 380.0]
    recency = [np.nan, 100.0, 100.0, 30.0, 390.0, 390.0, 100.0, 200.0]
    return frame(
        time_unit,
        T=[t / scale for t in T],
        recency=[r / scale for r in recency],
        frequency=[np.nan, 5, 5, 5, 3, 2, 5, 5],
        n_transactions=[0, 6, 6, 6, 4, 3, 6, 6],
    )


@pytest.mark.parametrize("unit", ["D", "W"])
def test_lifecycle_by_hand(unit):
    expected = ["Prospect", "Churned", "Dormant", "New", "Loyal", "Active", "Dormant", "Loyal"]
    assert tiers(LifecycleStages(), lifecycle_frame(unit)) == expected


def test_lifecycle_order_and_label_override():
    seg = LifecycleStages(labels={"dormant": {"en": "Sleeping", "zh": "沉睡中"}}, language="zh").fit(lifecycle_frame())
    assert seg.tiers_ == ["忠诚", "活跃", "新客", "沉睡中", "流失", "潜在客户"]


def test_lifecycle_needs_a_time_unit():
    with pytest.raises(ParamsError, match="time_unit"):
        LifecycleStages().fit(frame(None, T=[1.0], recency=[0.0], frequency=[0]))
    assert tiers(LifecycleStages(time_unit="W"), frame(None, T=[1.0], recency=[0.0], frequency=[0])) == ["New"]


def test_lifecycle_rejects_inverted_windows():
    with pytest.raises(ParamsError, match="churned_after_days"):
        LifecycleStages(dormant_after_days=400, churned_after_days=365).fit(lifecycle_frame())


# ----------------------------------------------------------------------------- value grid


def test_value_grid_by_hand():
    data = frame(
        revenue=[float(v) for v in range(10, 0, -1)],  # top 2 high, next 3 mid, 5 low
        frequency=[5, 1, 2, 0, 3, 0, 0, 2, 0, 0],
        clv=[1.0, 9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 10.0],  # c9 and c1 highest potential
        T=[400.0, 400.0, 100.0, 300.0, 400.0, 300.0, 300.0, 400.0, 300.0, 300.0],
        recency=[380.0, 100.0, 90.0, 0.0, 150.0, 0.0, 0.0, 100.0, 0.0, 0.0],
    )
    labels = ValueGrid(potential_column="clv").fit_assign(data)
    # c0: high revenue, frequent (5 >= 2), clv 1 -> low potential (bottom half), close: tenure
    #     400 >= 180, since last 20 <= 2 * 380 / 5
    assert labels["c0"] == "High revenue · Frequent · Low potential · Close"
    # c1: high, infrequent (1), clv 9 -> top 20 %, loose: since last 300 > 2 * 100 / 1
    assert labels["c1"] == "High revenue · Infrequent · High potential · Loose"
    # c2: mid, frequent, clv 8 -> next 30 %, loose: tenure 100 < 180
    assert labels["c2"] == "Mid revenue · Frequent · Mid potential · Loose"
    # c4: mid, frequent (3), clv 6 -> 5th of 10: next 30 %; loose: since last 250 > 2 * 150 / 3
    assert labels["c4"] == "Mid revenue · Frequent · Mid potential · Loose"
    # c9: low revenue, never came back: loose; clv 10 -> high potential
    assert labels["c9"] == "Low revenue · Infrequent · High potential · Loose"
    assert len(labels.cat.categories) == 36


def test_value_grid_potential_proxy_by_hand():
    # proxy = revenue / (T+1) * (recency+1) / (T+1), in days
    data = frame("W", revenue=[100.0, 100.0, 50.0], frequency=[1, 1, 1], T=[10.0, 10.0, 1.0], recency=[10.0, 0.0, 1.0])
    # T, recency in days: (70, 70), (70, 0), (7, 7): proxies 100/71, 100/71**2, 50/8 -> ranks 2, 3, 1
    # shares 0.3/0.35/0.35 of 3 customers: 0 ahead < 0.9 -> high; 1 ahead < 1.95 -> mid; 2 -> low
    seg = ValueGrid(potential_shares=[0.3, 0.35, 0.35]).fit(data)
    potential = seg.assign(data).astype(str).str.split(" · ").str[2].tolist()
    assert potential == ["Mid potential", "Low potential", "High potential"]


# ----------------------------------------------------------------------------- facets and crossing


def test_facet_with_listed_values():
    values = [{"value": "enterprise", "label": {"en": "Enterprise", "zh": "企业"}},
              {"value": "government", "label": {"en": "Government", "zh": "政府"}}, "individual"]
    seg = FacetTiers("nature", values=values)
    data = frame(nature=["individual", "enterprise", None, "ngo", "government"])
    assert tiers(seg, data) == ["individual", "Enterprise", "Unknown", "Other", "Government"]
    assert seg.label("zh")["Unknown"] == "未知" and seg.label("zh")["Enterprise"] == "企业"


def test_facet_learned_order_by_revenue():
    data = frame(region=["north", "south", "south", "east"], revenue=[50.0, 10.0, 20.0, 40.0])
    seg = FacetTiers("region").fit(data)
    assert seg.tiers_ == ["north", "east", "south", "Other", "Unknown"]
    assert seg.assign(frame(region=["west"])).astype(str).tolist() == ["Other"]


def test_crossed_tiers_are_ordered_lexicographically():
    data = frame(nature=["b2b", "b2c", "b2b", "b2c"], revenue=[100.0, 100.0, 1.0, 1.0])
    a = FacetTiers("nature", values=["b2b", "b2c"])
    b = ScoreTiers("revenue", thresholds=[50], labels=["High", "Low"])
    labels = Crossed(a, b, name="nature_x_value").fit_assign(data)
    assert list(labels.cat.categories) == [
        "b2b · High", "b2b · Low", "b2c · High", "b2c · Low",
        "Other · High", "Other · Low", "Unknown · High", "Unknown · Low",
    ]
    assert labels.astype(str).tolist() == ["b2b · High", "b2c · High", "b2b · Low", "b2c · Low"]
    assert labels.name == "nature_x_value"
    assert not hasattr(a, "values_")  # the components given are not fitted in place


# ----------------------------------------------------------------------------- params YAML

GOOD = {"name": "value_tiers", "kind": "thresholds", "column": "revenue",
        "tiers": [{"label": {"en": "Gold", "zh": "黄金"}, "min": 100}, {"label": {"en": "Rest", "zh": "其他"}}]}


PLAY = {k: {"en": k, "zh": k} for k in ("service_level", "cadence", "channel", "owner", "actions")}


def scheme(**changes) -> dict:
    out = {**GOOD, **changes}
    return {"schemes": [out], "playbooks": {}}


@pytest.mark.parametrize(
    "config, key, words",
    [
        (scheme(kind="thresholdz"), "tiers.schemes[0].kind", "unknown scheme kind 'thresholdz'"),
        (scheme(tiers=[{"label": "A", "min": 10}, {"label": "B", "min": 100}, {"label": "C"}]),
         "tiers.schemes[0].tiers[1].min", "strictly decrease"),
        (scheme(tiers=[{"min": 10}, {"label": "B"}]), "tiers.schemes[0].tiers[0].label", "required"),
        (scheme(tiers=[{"label": {"en": "A"}, "min": 10}, {"label": "B"}]), "tiers.schemes[0].tiers[0].label.zh", "required"),
        (scheme(tiers=[{"label": "A", "min": 10}, {"label": "B", "min": 1}]), "tiers.schemes[0].tiers[1].min", "last tier"),
        (scheme(tiers=[{"label": "A", "min": 10}, {"label": "B"}, {"label": "C"}]), "tiers.schemes[0].tiers[1].min", "missing"),
        (scheme(tiers=[{"label": "A", "share": 0.5}, {"label": "B"}]), "tiers.schemes[0].tiers[0].share", "not used by kind thresholds"),
        (scheme(colum="revenue"), "tiers.schemes[0].colum", "unknown key (allowed: name, description, kind, column,"),
        (scheme(kind="quantiles", tiers=[{"label": "A", "share": 0.5}, {"label": "B", "share": 0.4}]),
         "tiers.schemes[0].tiers", "sum to 0.9"),
        (scheme(kind="pareto", tiers=[{"label": "A", "share": 0.8}, {"label": "B", "share": 0.0}, {"label": "C", "share": 0.2}]),
         "tiers.schemes[0].tiers[1].share", "positive"),
        ({"schemes": [{"name": "life", "kind": "lifecycle", "dormant_after_days": 400}], "playbooks": {}},
         "tiers.schemes[0].churned_after_days", "must exceed"),
        ({"schemes": [GOOD, {**GOOD}], "playbooks": {}}, "tiers.schemes[1].name", "already the name"),
        ({"schemes": [GOOD, {"name": "x", "kind": "crossed", "of": ["value_tiers", "valu"]}], "playbooks": {}},
         "tiers.schemes[1].of[1]", "no earlier scheme named 'valu'"),
        ({"rfm": {"n": 3}}, "tiers.rfm.segments[0].cells[0].r", "outside the scores 1..3"),
        ({"playbooks": {"rfm": {"At rsk": PLAY}}}, "tiers.playbooks.rfm['At rsk']", "no tier labelled 'At rsk'"),
        ({"playbooks": {"default": {"highest": PLAY}}}, "tiers.playbooks.default.highest", "top"),
        ({"schemes": [GOOD], "playbooks": {"value_tiers": {"Gold": {"cadence": "weekly"}}}},
         "tiers.playbooks.value_tiers.Gold.service_level", "required"),
    ],
)
def test_params_mistakes_name_the_key(config, key, words):
    with pytest.raises(ParamsError) as info:
        TiersConfig.parse(config)
    message = str(info.value)
    assert key + ":" in message, message
    assert words in message, message


def test_unknown_column_in_yaml_is_reported_at_fit():
    (seg,) = build_segmenters({"schemes": [scheme(column="revnue")["schemes"][0]], "playbooks": {}})
    with pytest.raises(ParamsError, match=r"value_tiers.*'revnue'.*available: revenue"):
        seg.fit(frame(revenue=[1.0, 2.0]))


def test_yaml_text_builds_segmenters_with_labels():
    text = """
tiers:
  schemes:
    - name: value_tiers
      kind: thresholds
      column: revenue
      tiers:
        - {label: {en: Diamond, zh: 钻石}, min: 1000}
        - {label: {en: Gold, zh: 黄金}, min: 200}
        - {label: {en: Bronze, zh: 青铜}}
  playbooks: {}
"""
    (seg,) = build_segmenters(TiersConfig.from_yaml(text), language="zh")
    assert tiers(seg, frame(revenue=[5000.0, 200.0, 10.0])) == ["钻石", "黄金", "青铜"]


def test_defaults_load_and_build_every_scheme():
    config = TiersConfig.default()
    names = [s.name for s in config.schemes]
    segs = build_segmenters()
    assert [s.name for s in segs] == names
    assert {"rfm", "pareto", "value_tiers", "lifecycle", "value_grid"} <= set(names)
    assert config.rfm.n == 5 and len(config.rfm.segments) == 11
    # the embedded section validates standalone, with every default filled in
    assert TiersConfig.parse({"rfm": {"monetary": "monetary_value"}}).rfm.monetary == "monetary_value"
    assert TiersConfig.parse(None).schemes == config.schemes


def test_commented_examples_in_defaults_are_valid():
    """The examples commented out in segment/defaults.yaml validate and fit once uncommented."""
    from importlib import resources

    import yaml

    text = resources.files("workbench.segment").joinpath("defaults.yaml").read_text(encoding="utf-8")
    block = text.split("# More examples")[1].split("\n\n")[0]
    lines = [ln.replace("    # ", "    ", 1) for ln in block.splitlines()[1:] if ln.strip().startswith("#")]
    extra = yaml.safe_load("\n".join(lines))
    config = TiersConfig.parse({"schemes": TiersConfig.default().model_dump()["schemes"] + extra, "playbooks": {}})
    segs = {s.name: s for s in build_segmenters(config)}
    data = frame(
        revenue=[600.0, 100.0, 10.0],
        assets=[3_000_000.0, 60_000.0, 10.0],
        nature=["individual", "government", "enterprise"],
        clv=[5.0, 50.0, 500.0],
    )
    assert tiers(segs["asset_bands"], data) == ["Private banking", "Standard", "Mass"]
    assert tiers(segs["nature_x_value"], data) == ["Individual · Diamond", "Government · Silver", "Enterprise · Bronze"]
    assert tiers(segs["clv_tiers"], data)[2] == "Top 20% CLV"


def test_errors_keep_full_key_paths_when_embedded_in_the_project_params():
    from pydantic import BaseModel, ConfigDict, Field, ValidationError

    from workbench.segment import params_error

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        title: str = "x"
        tiers: TiersConfig = Field(default_factory=TiersConfig.default)

    bad = {"tiers": scheme(tiers=[{"label": "A", "min": 1}, {"label": "B", "min": 5}, {"label": "C"}]), "titl": "y"}
    with pytest.raises(ValidationError) as info:
        Params.model_validate(bad)
    message = str(params_error(info.value, prefix="", root=Params))
    assert "tiers.schemes[0].tiers[1].min: thresholds must strictly decrease" in message
    assert "titl: unknown key (allowed: title, tiers)" in message
