"""Synthetic data with known truth: reproducibility, contracts, and agreement with closed forms.

Reference values come from the papers' closed forms, written out here independently of the
generator (and of any model code), or from lifetimes 0.11.3 as a second implementation. Statistical
checks use tolerances derived from the sample size (4 standard errors, or p-values > 1e-3 in
chi-square / Kolmogorov-Smirnov tests); seeds are fixed, so results are deterministic.
"""

from __future__ import annotations

import importlib
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special, stats

from workbench.data import synthetic
from workbench.data.synthetic import (
    B2B_DEMO,
    CDNOW_PARAMS,
    ZH_LABELS,
    make_b2b_demo,
    make_cdnow_like,
    simulate_bgnbd,
    simulate_gamma_gamma_spend,
    simulate_paretonbd,
    simulate_transactions,
)
from workbench.errors import DataError, ParamsError

BG = CDNOW_PARAMS["bgnbd"]
PNBD = CDNOW_PARAMS["paretonbd"]
GG = CDNOW_PARAMS["gamma_gamma"]
BG_TUPLE = (BG["r"], BG["alpha"], BG["a"], BG["b"])
PNBD_TUPLE = (PNBD["r"], PNBD["alpha"], PNBD["s"], PNBD["beta"])


# ------------------------------------------------------------------------------------------
# independent closed forms


def bgnbd_pmf(x: np.ndarray, t: float, r: float, alpha: float, a: float, b: float) -> np.ndarray:
    """P(X(t) = x), eq. (8) of Fader, Hardie & Lee (2005), Marketing Science 24(2)."""
    x = np.asarray(x, dtype=float)
    log_nb = (special.gammaln(r + x) - special.gammaln(r) - special.gammaln(x + 1)
              + r * np.log(alpha / (alpha + t)) + x * np.log(t / (alpha + t)))
    first = np.exp(special.betaln(a, b + x) - special.betaln(a, b) + log_nb)
    out = first.copy()
    for i, xi in enumerate(x):
        if xi == 0:
            continue
        j = np.arange(xi)
        nb_terms = np.exp(special.gammaln(r + j) - special.gammaln(r) - special.gammaln(j + 1)
                          + j * np.log(t / (alpha + t)))
        bracket = 1.0 - (alpha / (alpha + t)) ** r * nb_terms.sum()
        out[i] += np.exp(special.betaln(a + 1, b + xi - 1) - special.betaln(a, b)) * bracket
    return out


def bgnbd_alive_probability(T: float, r: float, alpha: float, a: float, b: float) -> float:
    """P(alive at T): alive iff fewer arrivals than the dropout index K ~ Geometric(p), so
    P(alive | lambda, p) = E[(1-p)^Poisson(lambda T)] = exp(-lambda p T); integrate over the mixing laws."""
    integrand = lambda p: stats.beta.pdf(p, a, b) * (alpha / (alpha + p * T)) ** r  # noqa: E731
    return integrate.quad(integrand, 0, 1, limit=200)[0]


def paretonbd_expected_purchases(t: float, r: float, alpha: float, s: float, beta: float) -> float:
    """E[X(t)] of the Pareto/NBD (Schmittlein, Morrison & Colombo 1987; FHL 2005 eq. (2))."""
    return r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))


def chi_square_pvalue(observed_x: np.ndarray, expected_probs: np.ndarray) -> float:
    """Chi-square goodness of fit of counts 0..K-1 plus a pooled tail, bins with >= 5 expected."""
    n = observed_x.shape[0]
    k = int(np.searchsorted(-(n * expected_probs), -5.0))  # first bin with < 5 expected
    expected = np.append(n * expected_probs[:k], n * (1 - expected_probs[:k].sum()))
    observed = np.append(np.bincount(np.minimum(observed_x, k), minlength=k + 1)[:k],
                         (observed_x >= k).sum())
    return stats.chisquare(observed, expected).pvalue


def within_standard_errors(sample: np.ndarray, truth: float, k: float = 4.0) -> bool:
    se = sample.std(ddof=1) / np.sqrt(sample.shape[0])
    return abs(sample.mean() - truth) < k * se


# ------------------------------------------------------------------------------------------
# reproducibility

GENERATORS = {
    "bgnbd": lambda seed: [simulate_bgnbd(500, *BG_TUPLE, T=40.0, seed=seed)],
    "paretonbd": lambda seed: [simulate_paretonbd(500, *PNBD_TUPLE, T=40.0, seed=seed)],
    "gamma_gamma": lambda seed: list(simulate_gamma_gamma_spend(np.arange(50) % 4, *GG.values(), seed=seed)),
    "transactions": lambda seed: list(simulate_transactions(
        300, start="2020-01-01", acquisition_days=60, observation_end="2020-12-31", seed=seed)),
    "cdnow_like": lambda seed: list(make_cdnow_like(300, seed=seed)),
    "b2b": lambda seed: list(make_b2b_demo(300, seed=seed, return_truth=True)),
}


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_same_seed_same_output_different_seed_different(name):
    first, again, other = GENERATORS[name](7), GENERATORS[name](7), GENERATORS[name](8)
    for a, b in zip(first, again):
        pd.testing.assert_frame_equal(a, b)
    assert any(not a.equals(c) for a, c in zip(first, other))


# ------------------------------------------------------------------------------------------
# BG/NBD


@pytest.fixture(scope="module")
def million():
    return simulate_bgnbd(1_000_000, *BG_TUPLE, T=38.86, seed=2005)


def test_bgnbd_million_customers_shape_and_dtypes(million):
    assert len(million) == 1_000_000 and million.index.is_unique
    assert million.index.name == "customer_id" and million.index[0] == "C0000001"
    assert million["frequency"].dtype == np.int64 and million["alive"].dtype == bool
    assert (million["recency"] <= million["T"]).all()
    assert (million.loc[million["frequency"] == 0, "recency"] == 0).all()
    assert (million.loc[million["frequency"] > 0, "recency"] > 0).all()


def test_bgnbd_mixing_means_match_population(million):
    assert within_standard_errors(million["lambda"].to_numpy(), BG["r"] / BG["alpha"])
    assert within_standard_errors(million["p"].to_numpy(), BG["a"] / (BG["a"] + BG["b"]))


def test_bgnbd_death_bookkeeping(million):
    dead = ~million["alive"]
    assert (million.loc[dead, "death_time"] == million.loc[dead, "recency"]).all()
    assert (million.loc[dead, "frequency"] >= 1).all()  # no dropout at the first purchase
    assert (million.loc[~dead, "death_time"] > million.loc[~dead, "T"]).all()
    n = len(million)
    expected = bgnbd_alive_probability(38.86, *BG_TUPLE)
    assert abs(dead.mean() - (1 - expected)) < 4 * np.sqrt(expected * (1 - expected) / n)


def test_bgnbd_frequency_distribution_matches_eq8():
    sim = simulate_bgnbd(50_000, *BG_TUPLE, T=52.0, seed=11)
    probs = bgnbd_pmf(np.arange(60), 52.0, *BG_TUPLE)
    assert chi_square_pvalue(sim["frequency"].to_numpy(), probs) > 1e-3


def test_bgnbd_frequency_distribution_with_staggered_T():
    T = np.random.default_rng(3).choice([13.0, 26.0, 52.0, 78.0], size=40_000)
    sim = simulate_bgnbd(40_000, 0.8, 6.0, 1.5, 4.0, T=T, seed=12)
    probs = sum((T == t).mean() * bgnbd_pmf(np.arange(80), t, 0.8, 6.0, 1.5, 4.0) for t in np.unique(T))
    assert chi_square_pvalue(sim["frequency"].to_numpy(), probs) > 1e-3


def test_eq8_reference_agrees_with_lifetimes():
    lifetimes = importlib.import_module("lifetimes")
    model = lifetimes.BetaGeoFitter()
    model.params_ = pd.Series(BG)
    for x in (0, 1, 2, 5, 12):
        assert bgnbd_pmf(np.array([x]), 30.0, *BG_TUPLE)[0] == pytest.approx(
            model.probability_of_n_purchases_up_to_time(30.0, x), rel=1e-9)


def test_bgnbd_parameters_recovered_by_lifetimes():
    """Fit lifetimes' BetaGeoFitter (a second implementation) on 20k continuous-time summaries."""
    lifetimes = importlib.import_module("lifetimes")
    T = np.random.default_rng(5).uniform(27.0, 39.0, size=20_000)  # CDNOW-like staggered ages
    sim = simulate_bgnbd(20_000, *BG_TUPLE, T=T, seed=6)
    model = lifetimes.BetaGeoFitter().fit(sim["frequency"], sim["recency"], sim["T"])
    z = (model.params_ - pd.Series(BG)) / model.standard_errors_
    assert (z.abs() < 3).all(), z.to_dict()


# ------------------------------------------------------------------------------------------
# Pareto/NBD


@pytest.fixture(scope="module")
def pareto():
    return simulate_paretonbd(200_000, *PNBD_TUPLE, T=52.0, seed=1987)


def test_paretonbd_expected_purchases_closed_form(pareto):
    assert within_standard_errors(pareto["frequency"].to_numpy(), paretonbd_expected_purchases(52.0, *PNBD_TUPLE))
    assert within_standard_errors(pareto["mu"].to_numpy(), PNBD["s"] / PNBD["beta"])
    assert within_standard_errors(pareto["lambda"].to_numpy(), PNBD["r"] / PNBD["alpha"])


def test_paretonbd_alive_share_closed_form(pareto):
    expected = (PNBD["beta"] / (PNBD["beta"] + 52.0)) ** PNBD["s"]  # E[exp(-mu T)], mu ~ Gamma(s, beta)
    n = len(pareto)
    assert abs(pareto["alive"].mean() - expected) < 4 * np.sqrt(expected * (1 - expected) / n)
    assert (pareto["recency"] <= np.minimum(pareto["death_time"], pareto["T"])).all()


def test_paretonbd_recency_calibrates_lifetimes_p_alive(pareto):
    """P(alive | x, t_x, T) from lifetimes must be calibrated against the simulated truth: in each
    decile of the predicted probability, the share actually alive matches the mean prediction."""
    lifetimes = importlib.import_module("lifetimes")
    model = lifetimes.ParetoNBDFitter()
    model.params_ = pd.Series(PNBD)
    sample = pareto.iloc[:50_000]
    with np.errstate(all="ignore"):
        p_alive = pd.Series(model.conditional_probability_alive(
            sample["frequency"].to_numpy(), sample["recency"].to_numpy(), sample["T"].to_numpy()), index=sample.index)
    ok = p_alive.notna()
    assert ok.mean() > 0.999
    bins = pd.qcut(p_alive[ok], 10, duplicates="drop")
    grouped = pd.DataFrame({"pred": p_alive[ok], "alive": sample.loc[ok, "alive"]}).groupby(bins, observed=True)
    for _, g in grouped:
        m = g["pred"].mean()
        assert abs(g["alive"].mean() - m) < 4 * np.sqrt(max(m * (1 - m), 1e-4) / len(g)) + 1e-3


# ------------------------------------------------------------------------------------------
# Gamma-Gamma spend


def test_gamma_gamma_mean_spend_matches_population():
    _, customers = simulate_gamma_gamma_spend(np.full(200_000, 2), *GG.values(), seed=9)
    p, q, v = GG.values()
    # FHL (2005, JMR): E[Z | nu] = p / nu and nu ~ Gamma(q, gamma), so E[Z] = p gamma / (q - 1)
    assert within_standard_errors(customers["mean_spend"].to_numpy(), p * v / (q - 1))
    assert within_standard_errors(customers["monetary_value"].to_numpy(), p * v / (q - 1))
    assert within_standard_errors(customers["nu"].to_numpy(), q / v)


@pytest.mark.parametrize("x", [1, 4])
def test_gamma_gamma_average_spend_distribution(x):
    """z-bar given x: x z-bar / gamma ~ BetaPrime(p x, q) (the density in FHL 2005, JMR, appendix)."""
    p, q, v = GG.values()
    _, customers = simulate_gamma_gamma_spend(np.full(20_000, x), p, q, v, seed=10 + x)
    scaled = x * customers["monetary_value"].to_numpy() / v
    assert stats.kstest(scaled, stats.betaprime(p * x, q).cdf).pvalue > 1e-3


def test_gamma_gamma_transactions_and_ids():
    freq = pd.Series([0, 3, 1], index=["a", "b", "c"])
    tx, customers = simulate_gamma_gamma_spend(freq, *GG.values(), seed=1)
    assert list(customers.index) == ["a", "b", "c"] and customers.index.name == "customer_id"
    assert tx["customer_id"].tolist() == ["b", "b", "b", "c"]
    assert (tx["amount"] > 0).all()
    assert customers.loc["a", "monetary_value"] == 0
    assert customers.loc["b", "monetary_value"] == pytest.approx(tx.loc[tx.customer_id == "b", "amount"].mean())


def test_gamma_gamma_rejects_bad_frequency():
    with pytest.raises(DataError, match=r"'frequency' has 2 value.*-1"):
        simulate_gamma_gamma_spend([1, -1, 2.5, 3], *GG.values())


# ------------------------------------------------------------------------------------------
# transactions on the calendar


@pytest.fixture(scope="module")
def cdnow_like():
    return make_cdnow_like(23_570, seed=1997)


def test_transactions_contract(cdnow_like):
    tx, truth = cdnow_like
    assert list(tx.columns) == ["customer_id", "timestamp", "amount", "order_id"]
    assert tx["customer_id"].dtype == object and tx["customer_id"].str.fullmatch(r"C\d{7}").all()
    assert tx["timestamp"].dtype == "datetime64[ns]" and tx["amount"].dtype == float
    assert (tx["timestamp"] == tx["timestamp"].dt.normalize()).all()
    assert tx["order_id"].is_unique and tx["timestamp"].is_monotonic_increasing
    assert tx["timestamp"].max() <= pd.Timestamp("1998-06-30") and (tx["amount"] > 0).all()
    assert truth.index.name == "customer_id" and len(truth) == 23_570
    assert truth.attrs["time_unit"] == "W" and truth.attrs["observation_end"] == pd.Timestamp("1998-06-30")


def test_transactions_agree_with_truth(cdnow_like):
    tx, truth = cdnow_like
    per = tx.groupby("customer_id")["timestamp"].agg(["min", "max", "size"])
    per = per.reindex(truth.index)
    assert (per["size"] == truth["n_transactions"]).all()
    assert (per["min"] == truth["first_purchase"]).all()
    last_day = truth["first_purchase"] + pd.to_timedelta(np.floor(truth["recency"] * 7), unit="D")
    assert (per["max"] == last_day).all()
    age_days = (pd.Timestamp("1998-06-30") - truth["first_purchase"]).dt.days
    np.testing.assert_allclose(truth["T"], age_days / 7)


def test_cdnow_like_acquisition_window_and_scale(cdnow_like):
    tx, truth = cdnow_like
    first = truth["first_purchase"]
    assert first.min() == pd.Timestamp("1997-01-01") and first.max() == pd.Timestamp("1997-03-31")
    assert first.dt.normalize().nunique() == 90
    # the real CDNOW master file has 69,659 rows for these 23,570 customers
    assert 55_000 < len(tx) < 85_000


def test_transactions_frequency_matches_eq8_over_staggered_ages(cdnow_like):
    _, truth = cdnow_like
    ages = truth["T"].to_numpy()
    values, counts = np.unique(ages, return_counts=True)
    probs = sum(c / ages.shape[0] * bgnbd_pmf(np.arange(60), t, *BG_TUPLE) for t, c in zip(values, counts))
    assert chi_square_pvalue(truth["frequency"].to_numpy(), probs) > 1e-3


def test_transactions_paretonbd_story_and_daily_units():
    tx, truth = simulate_transactions(
        30_000, start="2021-01-01", acquisition_days=30, observation_end="2021-12-31",
        paretonbd=(PNBD["r"], PNBD["alpha"] * 7, PNBD["s"], PNBD["beta"] * 7), time_unit="D", seed=4)
    assert truth.attrs["model"] == "paretonbd" and "mu" in truth
    expected = np.mean([paretonbd_expected_purchases(t, PNBD["r"], PNBD["alpha"] * 7, PNBD["s"], PNBD["beta"] * 7)
                        for t in truth["T"]])
    assert within_standard_errors(truth["frequency"].to_numpy(), expected)
    assert len(tx) == truth["n_transactions"].sum()


def test_transactions_accept_per_customer_parameters():
    n = 4000
    alpha = np.where(np.arange(n) < n // 2, 2.0, 20.0)  # first half buys ten times as often
    tx, truth = simulate_transactions(n, start="2020-01-01", acquisition_days=1, observation_end="2020-12-31",
                                      bgnbd=(1.0, alpha, 1.0, 50.0), seed=3)
    fast, slow = truth["lambda"].iloc[: n // 2], truth["lambda"].iloc[n // 2:]
    assert within_standard_errors(fast.to_numpy(), 0.5) and within_standard_errors(slow.to_numpy(), 0.05)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"bgnbd": (-1.0, 4.0, 0.8, 2.4)}, r"bgnbd\.r must be positive"),
        ({"bgnbd": {"r": 1.0, "alpha": 4.0, "a": 0.8}}, r"bgnbd needs keys .*missing \['b'\]"),
        ({"spend": (6.0, 3.0, np.array([1.0, 2.0]))}, r"spend\.v must be a number or one value per customer"),
        ({"acquisition_days": 400}, r"acquisition_days"),
        ({"time_unit": "M"}, r"time_unit"),
        ({"observation_end": "not a date"}, r"observation_end"),
        ({"paretonbd": PNBD_TUPLE, "bgnbd": BG_TUPLE}, r"either bgnbd or paretonbd"),
        ({"attributes": pd.DataFrame({"x": [1, 2]})}, r"attributes must have one row per customer"),
        ({"attributes": pd.DataFrame({"lambda": range(10)})}, r"attributes: columns \['lambda'\] clash"),
    ],
)
def test_transactions_bad_params_name_the_key(kwargs, message):
    args = {"start": "2020-01-01", "acquisition_days": 30, "observation_end": "2020-12-31", **kwargs}
    with pytest.raises(ParamsError, match=message):
        simulate_transactions(10, **args)


positive = st.floats(1e-3, 1e3)


@settings(max_examples=40, deadline=None)
@given(r=positive, alpha=positive, a=positive, b=positive, T=st.floats(0.1, 500.0), seed=st.integers(0, 2**32))
@pytest.mark.filterwarnings("error")
def test_draws_stay_valid_for_extreme_parameters(r, alpha, a, b, T, seed):
    """Dropout probabilities or rates that underflow to 0 must not break the draws (no NaN, no warning)."""
    for sim in (simulate_bgnbd(300, r, alpha, a, b, T=T, seed=seed), simulate_paretonbd(300, r, alpha, a, b, T=T, seed=seed)):
        assert sim[["frequency", "recency", "T"]].notna().all().all()
        assert (sim["frequency"] >= 0).all() and (sim["recency"] <= sim["T"]).all()
        assert (sim["recency"] > 0).eq(sim["frequency"] > 0).all()
        assert (sim["alive"] == (sim["death_time"] > sim["T"])).all()


def test_bad_customer_count():
    with pytest.raises(ParamsError, match="n_customers"):
        simulate_bgnbd(0, *BG_TUPLE)
    with pytest.raises(ParamsError, match="n_customers"):
        simulate_paretonbd(2.5, *PNBD_TUPLE)


# ------------------------------------------------------------------------------------------
# B2B demo


@pytest.fixture(scope="module")
def b2b():
    return make_b2b_demo(20_000, return_truth=True)


def test_b2b_contract(b2b):
    tx, customers, _ = b2b
    assert list(customers.columns) == ["customer_id", "nature", "industry", "size", "region", "signup_date",
                                       "account_manager"]
    assert customers["customer_id"].is_unique and set(tx["customer_id"]) == set(customers["customer_id"])
    assert list(customers["size"].cat.categories) == ["micro", "small", "medium", "large"]
    assert customers["size"].cat.ordered
    assert set(customers["nature"].cat.categories) == {"individual", "enterprise", "government"}
    assert set(customers["region"].cat.categories) == {"local", "out-of-town", "international"}
    first = tx.groupby("customer_id")["timestamp"].min()
    assert (customers.set_index("customer_id")["signup_date"] == first).all()
    assert tx["timestamp"].min() >= pd.Timestamp("2023-01-01") and tx["timestamp"].max() <= pd.Timestamp("2025-12-31")
    assert customers["signup_date"].max() <= pd.Timestamp("2024-12-31")


def test_b2b_several_invoices_a_year(b2b):
    tx, customers, _ = b2b
    n = tx.groupby("customer_id").size()
    years = (pd.Timestamp("2025-12-31") - customers.set_index("customer_id")["signup_date"]).dt.days / 365.25
    rate = ((n - 1) / years).mean()
    assert 2 < rate < 15


def test_b2b_chinese_labels():
    _, en = make_b2b_demo(500, seed=1)
    _, zh = make_b2b_demo(500, seed=1, labels="zh")
    for column, mapping in ZH_LABELS.items():
        assert (zh[column].astype(str) == en[column].astype(str).map(mapping)).all()
    assert set(ZH_LABELS["nature"].values()) == {"个人", "企业", "政府"}
    assert set(ZH_LABELS["region"].values()) == {"本地", "外地", "国际"}
    with pytest.raises(ParamsError, match="labels"):
        make_b2b_demo(10, labels="fr")


def _behaviour(tx: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """Observed behaviour per client from the transactions alone."""
    end = pd.Timestamp("2025-12-31")
    g = tx.groupby("customer_id").agg(n=("amount", "size"), spend=("amount", "mean"), last=("timestamp", "max"))
    out = customers.set_index("customer_id").join(g)
    out["tenure_years"] = (end - out["signup_date"]).dt.days / 365.25
    out["per_year"] = (out["n"] - 1) / out["tenure_years"]
    out["lapsed"] = (end - out["last"]).dt.days > 180
    return out


def _greater(a: pd.Series, b: pd.Series) -> bool:
    return a.mean() > b.mean() and stats.mannwhitneyu(a, b, alternative="greater").pvalue < 1e-3


def test_b2b_nature_shifts_frequency_and_spend(b2b):
    beh = _behaviour(*b2b[:2])
    small = beh[beh["size"] == "small"]
    individual = small[small["nature"] == "individual"]
    for nature in ("enterprise", "government"):
        group = small[small["nature"] == nature]
        assert _greater(group["per_year"], individual["per_year"]), nature
        assert _greater(group["spend"], individual["spend"]), nature


def test_b2b_micro_clients_churn_more(b2b):
    beh = _behaviour(*b2b[:2])
    ent = beh[(beh["nature"] == "enterprise") & (beh["tenure_years"] > 1.5)]
    micro, small = ent[ent["size"] == "micro"]["lapsed"], ent[ent["size"] == "small"]["lapsed"]
    table = [[micro.sum(), (~micro).sum()], [small.sum(), (~small).sum()]]
    assert micro.mean() > small.mean() and stats.fisher_exact(table, alternative="greater").pvalue < 1e-3


def test_b2b_spend_rises_with_size(b2b):
    beh = _behaviour(*b2b[:2])
    ent = beh[beh["nature"] == "enterprise"]
    sizes = ["micro", "small", "medium", "large"]
    for lower, upper in zip(sizes, sizes[1:]):
        assert _greater(ent.loc[ent["size"] == upper, "spend"], ent.loc[ent["size"] == lower, "spend"])


def test_b2b_truth_is_what_the_dict_documents(b2b):
    """In one cell (enterprise, small, services, local) the truth follows B2B_DEMO's multipliers."""
    _, _, truth = b2b
    cell = truth[(truth["nature"] == "enterprise") & (truth["size"] == "small")
                 & (truth["industry"] == "services") & (truth["region"] == "local")]
    assert len(cell) > 300
    base, effects = B2B_DEMO["base"], B2B_DEMO["attributes"]["nature"]["effects"]["enterprise"]
    rate = base["r"] / base["alpha"] * effects["rate"]
    dropout = base["a"] / (base["a"] + base["b"]) * effects["dropout"]
    spend = base["p"] * base["v"] / (base["q"] - 1) * effects["spend"]
    assert within_standard_errors(cell["lambda"].to_numpy(), rate)
    assert within_standard_errors(cell["p"].to_numpy(), dropout)
    assert within_standard_errors(cell["mean_spend"].to_numpy(), spend)


def test_b2b_account_manager_is_a_placebo(b2b):
    truth = b2b[2]
    by_manager = truth.groupby("account_manager")["lambda"]
    # shares of managers are uniform and the purchase rate does not depend on the manager
    assert by_manager.size().nunique() > 1 and len(by_manager) == B2B_DEMO["account_managers"]
    assert stats.kruskal(*[g.to_numpy() for _, g in by_manager]).pvalue > 1e-3


def test_module_documents_its_references():
    assert "References" in synthetic.__doc__ and "Fader" in synthetic.__doc__
    for name in synthetic.__all__:
        obj = getattr(synthetic, name)
        if callable(obj):
            assert obj.__doc__, name
    assert re.search(r"p v / \(q - 1\)", simulate_gamma_gamma_spend.__doc__)
