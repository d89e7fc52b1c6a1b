"""A new transaction model is one class: declared with a kind, params and the CLV tiers accept it."""

from __future__ import annotations

import numpy as np
import pytest

from tests.example_method import HeavierStartBetaGeo
from tests.test_segmenter_contract import synthetic_summary
from workbench.config import parse_params
from workbench.errors import ParamsError
from workbench.models.clv import BetaGeo
from workbench.models.registry import transaction_model, transaction_models
from workbench.scenario import Scenario
from workbench.segment import build_segmenters


def test_the_shipped_models_are_registered():
    models = transaction_models()
    assert {"bgnbd", "paretonbd"} <= set(models) and models["bgnbd"] is BetaGeo


def test_a_new_model_class_is_accepted_by_params_and_fits_through_the_clv_tiers():
    assert transaction_model("bgnbd_test_start") is HeavierStartBetaGeo
    params = parse_params({"clv": {"models": ["bgnbd", "bgnbd_test_start"]}, "tiers": {"schemes": [
        {"name": "clv_test", "kind": "clv", "model": "bgnbd_test_start",
         "tiers": [{"label": "Top", "share": 0.5}, {"label": "Rest", "share": 0.5}]}]}})
    assert params.clv.models == ["bgnbd", "bgnbd_test_start"]
    (segmenter,) = build_segmenters(params.tiers)
    summary = synthetic_summary(seed=11, predictions=False)
    # the scheme reads the new model's own prediction columns, which the scenario adds
    assert (segmenter.column, segmenter.alive_column) == ("clv_bgnbd_test_start_12m_1pct", "p_alive_bgnbd_test_start")
    scenario = Scenario(params)
    predicted = scenario.with_clv(summary)
    labels = segmenter.fit_assign(predicted)
    (model,) = scenario.transaction_models(summary, ["bgnbd_test_start"]).values()
    assert type(model) is HeavierStartBetaGeo and labels.notna().all()
    # a different start reaches the same maximum as BG/NBD itself
    assert model.params_.to_numpy() == pytest.approx(BetaGeo().fit(summary).params_.to_numpy(), rel=1e-4)
    np.testing.assert_allclose(predicted["p_alive_bgnbd_test_start"], predicted["p_alive"], rtol=1e-4)


def test_an_unknown_model_names_the_key_and_the_registered_kinds():
    with pytest.raises(ParamsError, match=r"clv.models: unknown model\(s\) \['bgnbdd'\]; registered: \["):
        parse_params({"clv": {"models": ["bgnbdd"]}})
