"""The registry proof: the method of tests/example_method.py (one segmenter class and its spec,
defined outside the package) is a scenario kind, runs through Scenario, and is named in errors,
with no other file edited for it."""

from __future__ import annotations

import pytest

from tests.example_method import BuyerBands
from workbench.config import load_params
from workbench.errors import ParamsError
from workbench.report.tiers import fit_schemes
from workbench.scenario import Scenario
from workbench.segment.registry import scheme_kinds

SCENARIO = """
title: Buyer bands
data: {transactions: "cdnow:sample", options: {duplicates: keep}}
observation_end: 1998-06-30
tiers:
  schemes:
    - {name: rfm, kind: rfm_segments}
    - {name: bands, kind: buyer_bands, min_repeats: 2}
  playbooks:
    bands:
      Repeat buyers: {service_level: Priority, cadence: Monthly, channel: Email, owner: CRM team, actions: Thank}
"""


def test_a_new_kind_validates_and_runs_through_the_scenario(tmp_path):
    path = tmp_path / "bands.yaml"
    path.write_text(SCENARIO)
    params = load_params(path)
    scenario = Scenario(params)
    segmenters = scenario.segmenters()
    assert [type(s).__name__ for s in segmenters] == ["RFMSegmenter", "BuyerBands"]
    summary = scenario.summary()
    labels = fit_schemes(segmenters, summary)
    bands = labels["bands"]
    assert list(bands.cat.categories) == ["Repeat buyers", "One-time buyers"]
    assert (bands == "Repeat buyers").sum() == (summary["frequency"] >= 2).sum() > 0
    zh = Scenario(params.model_copy(update={"language": "zh"})).segmenters()[1].fit_assign(summary)
    assert list(zh.cat.categories) == ["复购客户", "一次性客户"]


def test_errors_about_the_new_kind_name_its_keys(tmp_path):
    assert "buyer_bands" in scheme_kinds()
    path = tmp_path / "bad.yaml"
    path.write_text(SCENARIO.replace("min_repeats: 2", "min_repeat: 2"))
    with pytest.raises(ParamsError, match=r"tiers.schemes\[1\].min_repeat: unknown key \(allowed: name, description, kind, min_repeats\)"):
        load_params(path)
    path.write_text(SCENARIO.replace("min_repeats: 2", "min_repeats: 0"))
    with pytest.raises(ParamsError, match=r"tiers.schemes\[1\].min_repeats: Input should be greater than or equal to 1"):
        load_params(path)
    path.write_text(SCENARIO.replace("kind: buyer_bands", "kind: buyer_band"))
    with pytest.raises(ParamsError, match=r"tiers.schemes\[1\].kind: unknown scheme kind 'buyer_band'; kinds: .*buyer_bands"):
        load_params(path)
    path.write_text(SCENARIO.replace("Repeat buyers:", "Repeaters:"))
    with pytest.raises(ParamsError, match=r"playbooks.bands\['Repeaters'\]: scheme 'bands' has no tier labelled 'Repeaters'"):
        load_params(path)
    assert BuyerBands(3).get_params()["min_repeats"] == 3


def test_the_params_help_lists_every_registered_kind():
    from typer.testing import CliRunner

    from workbench.cli import app

    shown = CliRunner(env={"COLUMNS": "250"}).invoke(app, ["params"])
    assert shown.exit_code == 0
    for kind in scheme_kinds():
        assert kind in shown.output
    assert "Repeat buyers (at least" not in shown.output and "buyer_bands" in shown.output


def test_the_params_help_lists_every_registered_model_with_its_hyper_parameters():
    from typer.testing import CliRunner

    from workbench.cli import app
    from workbench.models.registry import transaction_models
    from tests.example_method import HeavierStartBetaGeo  # a model defined outside the package

    shown = CliRunner(env={"COLUMNS": "250"}).invoke(app, ["params"])
    assert shown.exit_code == 0
    for kind, cls in transaction_models().items():
        assert kind in shown.output and (cls.label or cls.__name__) in shown.output
    assert HeavierStartBetaGeo.kind in shown.output and "initial_params, tol, max_iter" in shown.output
