"""CLV figures draw what their input tables say and return the Axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tests.test_clv_data import cdnow_summary, cdnow_transactions  # noqa: E402
from workbench.models.clv import BetaGeo, GammaGamma, ParetoNBD, predict_clv  # noqa: E402
from workbench.models.validation import conditional_expectations, tracking  # noqa: E402
from workbench.plots.clv import (  # noqa: E402
    plot_clv_distribution,
    plot_conditional_expectations,
    plot_expected_purchases_matrix,
    plot_p_alive_matrix,
    plot_tracking,
)


@pytest.fixture(scope="module")
def fitted():
    s = cdnow_summary("sample")
    return s, BetaGeo().fit(s)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.mark.parametrize("cumulative", [True, False])
def test_plot_tracking(fitted, cumulative):
    s, model = fitted
    table = tracking(model, cdnow_transactions("sample"), observation_end="1998-06-30", calibration_end="1997-09-30")
    ax = plot_tracking(table, cumulative=cumulative)
    actual, expected = ax.get_lines()[:2]
    col = "_cumulative" if cumulative else ""
    np.testing.assert_allclose(actual.get_ydata(), table["actual" + col])
    np.testing.assert_allclose(expected.get_ydata(), table["expected" + col])
    # the calibration line sits between week 39 (ends 1997-10-01) and week 40
    assert ax.get_lines()[2].get_xdata()[0] == pytest.approx(39.5)


def test_plot_conditional_expectations_on_given_axes(fitted):
    s, model = fitted
    table = conditional_expectations(model, s)
    fig, ax = plt.subplots()
    assert plot_conditional_expectations(table, ax=ax) is ax
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), table["actual"])
    assert [t.get_text() for t in ax.get_xticklabels()] == list(table.index)


@pytest.mark.parametrize("cls", [BetaGeo, ParetoNBD])
def test_matrix_heatmaps(cls):
    s = cdnow_summary("sample")
    model = cls().fit(s)
    ax = plot_p_alive_matrix(model, T=38, max_frequency=15)
    image = ax.get_images()[0].get_array()
    assert image.shape == (39, 16)
    assert np.nanmax(image) <= 1 and np.nanmin(image) >= 0
    # frequency 0 is only possible with recency 0
    assert np.isnan(np.asarray(image, float)[1:, 0]).all()
    ax = plot_expected_purchases_matrix(model, 10.0, T=38, max_frequency=15)
    values = np.asarray(ax.get_images()[0].get_array(), float)
    np.testing.assert_allclose(values[-1, 5], model.conditional_expected_purchases(10.0, frequency=[5], recency=[38.0], T=[38.0]).iloc[0])


def test_plot_clv_distribution(fitted):
    s, model = fitted
    values = predict_clv(model, GammaGamma().fit(s), s)
    ax = plot_clv_distribution(values)
    counts = sum(p.get_height() for p in ax.patches)
    assert counts == len(values)
    assert ax.get_lines()[0].get_xdata()[0] == pytest.approx(values.mean())
    assert isinstance(ax, matplotlib.axes.Axes)


def test_bands_are_drawn_relative_to_the_estimate():
    import pandas as pd

    from workbench.plots.clv import plot_bands

    rng = np.random.default_rng(0)
    clv = rng.gamma(1.0, 50.0, 500)
    bands = pd.DataFrame({"clv": clv, "clv_low": clv * 0.8, "clv_high": clv * 1.3})
    bands.attrs["level"] = 0.9
    ax = plot_bands(bands, "clv")
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() == pytest.approx(0.8) and band.max() == pytest.approx(1.3)
    assert "90%" in ax.get_title()
    plt.close(ax.figure)
