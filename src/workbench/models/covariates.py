"""Static covariates for Pareto/NBD and BG/NBD: customer attributes that shift the purchase and
the dropout process (Fader & Hardie 2007, note 019; CLVTools' parameterisation).

A customer with covariates ``z`` (numeric columns as they are, categorical ones dummy-coded
against their most common level) has the population parameters of the plain model scaled by
``exp(gamma' z)``:

- Pareto/NBD: ``alpha_i = alpha exp(-gamma_trans' z)``, ``beta_i = beta exp(-gamma_life' z)``, so a
  positive ``trans`` coefficient raises the mean purchase rate ``r / alpha_i`` and a positive
  ``life`` coefficient raises the mean dropout rate ``s / beta_i``;
- BG/NBD: ``alpha_i = alpha exp(-gamma_trans' z)``, ``a_i = a exp(gamma_life' z)``,
  ``b_i = b exp(gamma_life' z)`` (the mean dropout probability stays ``a / (a + b)``; the
  coefficient moves its concentration, as in CLVTools).

The likelihood is the plain model's with each customer's own parameters, on the distinct
(frequency, recency, T, covariates) rows weighted by their counts; the coefficients' gradient
follows by the chain rule. Customers with the same covariates share parameters, so predictions
are the plain model's with each covariate group's parameters. The fit starts from the model
without covariates, fitted on the same data, which also gives the likelihood-ratio test.

References
----------
Fader, P. S. & Hardie, B. G. S. (2007). "Incorporating Time-Invariant Covariates into the
Pareto/NBD and BG/NBD Models". http://brucehardie.com/notes/019/
Bachmann, P., Meierer, M. & Naef, J. (2021). "The Role of Time-Varying Contextual Factors in
Latent Attrition Models for Customer Base Analysis". Marketing Science 40(4), 783-809 (CLVTools).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from pydantic import Field
from scipy import stats

from workbench.data.design import Design
from workbench.errors import DataError
from workbench.models._mle import MLEParams, group_rows
from workbench.models.bgnbd import BetaGeo
from workbench.models.paretonbd import ParetoNBD
from workbench.models.transaction import _TransactionModel, _weights

#: Predictions run once per distinct covariate combination: more than this and continuous
#: covariates should be binned first.
MAX_COVARIATE_GROUPS = 2000


class CovariateParams(MLEParams):
    """Hyper-parameters of a model with static covariates."""

    covariates: tuple[str, ...] = Field((), min_length=1)


class _StaticCovariates(_TransactionModel):
    """A plain transaction model whose parameters depend on customer covariates (see the module)."""

    Params = CovariateParams
    takes_covariates = True
    #: the plain model; base parameter name -> (process, sign of gamma' z in its logarithm)
    _plain: type[_TransactionModel]
    _effects: dict[str, tuple[str, float]]

    def __init__(self, *, covariates: Sequence[str] = (), initial_params: dict | None = None, tol: float = 1e-10,
                 max_iter: int = 2000):
        super().__init__(initial_params=initial_params, tol=tol, max_iter=max_iter)
        self.covariates = covariates

    # --- fitting ---------------------------------------------------------------------------
    def fit(self, summary: pd.DataFrame | None = None, weights=None, **arrays):
        """Fit by maximum likelihood on ``summary``, which holds ``frequency``, ``recency``, ``T``
        and the ``covariates`` columns; returns ``self``."""
        source = f"{type(self).__name__}.fit"
        self.Params.checked(self.get_params(), source)
        summary = self._covariate_summary(summary, arrays, source)
        data = self._read(summary, None, None, None, source)
        design = Design.fit(summary, list(self.covariates), source, standardise=False)
        if not design.names:
            raise DataError(f"{source}: no covariate is left to estimate ({'; '.join(design.notes)})")
        Z = design.transform(summary, source).to_numpy(dtype=float)
        w = _weights(summary, weights, len(data), source)
        plain = self._plain(initial_params=self.initial_params, tol=self.tol, max_iter=self.max_iter).fit(summary, weights)

        codes, Zg = _groups(Z, source)
        w_all = np.ones(len(data)) if w is None else w
        (x, tx, T, g), counts, _ = group_rows([data["frequency"], data["recency"], data["T"], codes], w_all)
        keep = counts > 0
        rows = {"x": x[keep], "tx": tx[keep], "T": T[keep], "Z": Zg[g[keep].astype(np.int64)], "Zg": Zg}
        self.design_ = design
        self.covariate_names_ = list(design.names)
        names = self._plain._param_names
        self._param_names = (*names, *(f"trans.{c}" for c in design.names), *(f"life.{c}" for c in design.names))
        start = np.concatenate([np.log(plain.params_.to_numpy()), np.zeros(2 * len(design.names))])
        self._optimise(rows, counts[keep], start=start)
        self.plain_model_ = plain
        self.notes_ = list(design.notes)
        group_weight = np.bincount(codes, weights=w_all, minlength=len(Zg))
        self._population = (Zg, group_weight / group_weight.sum())
        self.max_frequency_ = int(data["frequency"].max())
        self.max_T_ = float(data["T"].max())
        return self

    def _covariate_summary(self, summary, arrays, source) -> pd.DataFrame:
        if arrays or not isinstance(summary, pd.DataFrame):
            raise DataError(f"{source}: a model with covariates reads a summary DataFrame with the columns "
                            f"frequency, recency, T and {', '.join(map(str, self.covariates))}")
        return summary

    def input_columns(self) -> list[str]:
        columns = self.design_.columns if hasattr(self, "design_") else list(self.covariates)
        return [*super().input_columns(), *columns]

    def _log_scaled(self) -> np.ndarray:
        return np.arange(len(self._param_names)) < len(self._plain._param_names)

    def _individual_values(self, theta: np.ndarray) -> np.ndarray:
        return np.vstack([self._params_for(theta, z) for z in self._fit_rows_[0]["Zg"]])

    def _effect_blocks(self, q: int) -> list[tuple[int, slice, float]]:
        """(index of a plain parameter, its coefficients' slice of the full vector, sign) per covariate effect."""
        k = len(self._plain._param_names)
        blocks = {"trans": slice(k, k + q), "life": slice(k + q, k + 2 * q)}
        return [(j, blocks[self._effects[name][0]], self._effects[name][1])
                for j, name in enumerate(self._plain._param_names) if name in self._effects]

    def _params_for(self, theta: np.ndarray, z: np.ndarray) -> np.ndarray:
        """The plain model's parameters of customers with covariates ``z``, from the optimiser's vector."""
        log_params = theta[: len(self._plain._param_names)].copy()
        for j, block, sign in self._effect_blocks(len(z)):
            log_params[j] += sign * (z @ theta[block])
        return np.exp(log_params)

    def _prepare(self, data: dict) -> dict:
        return data

    def _negll(self, theta, data, weights):
        """The plain model's likelihood with each row's parameters; the coefficients' gradient by the chain rule."""
        k = len(self._plain._param_names)
        Z = data["Z"]
        effects = self._effect_blocks(Z.shape[1])
        rows = np.repeat(theta[:k, None], len(weights), axis=1)
        for j, block, sign in effects:
            rows[j] += sign * (Z @ theta[block])
        value, per_row = self._plain._negll_rows(self, rows, data, weights)
        grad = np.zeros(len(theta))
        grad[:k] = per_row.sum(axis=1)
        for j, block, sign in effects:
            grad[block] += sign * (Z.T @ per_row[j])
        return value, grad

    # --- per-customer parameters -----------------------------------------------------------
    def individual_params(self, summary: pd.DataFrame) -> pd.DataFrame:
        """Each customer's parameters of the plain model (one column per parameter)."""
        self._check_fitted()
        Z = self._matrix(summary, "individual_params")
        codes, Zg = _groups(Z, "individual_params")
        values = np.vstack([self._plain_params(z) for z in Zg])[codes]
        return pd.DataFrame(values, index=summary.index, columns=list(self._plain._param_names))

    def _plain_params(self, z: np.ndarray) -> np.ndarray:
        return self._params_for(self._theta(self.params_.to_numpy()), z)

    def _view(self, z: np.ndarray) -> _TransactionModel:
        """The plain model with the parameters of customers whose covariates are ``z``."""
        view = self._plain()
        view.params_ = pd.Series(self._plain_params(z), index=list(self._plain._param_names), name="coef")
        view.max_frequency_, view.max_T_ = self.max_frequency_, self.max_T_
        return view

    def _matrix(self, summary, who: str) -> np.ndarray:
        if not isinstance(summary, pd.DataFrame):
            raise DataError(f"{who}: a model with covariates predicts from a summary DataFrame with the columns "
                            f"{', '.join(self.design_.columns)}")
        return self.design_.transform(summary, who).to_numpy(dtype=float)

    def _by_group(self, summary, who: str, name: str | None, predict):
        """``predict(view, rows)`` on each covariate group of ``summary``, back in its order (a
        Series called ``name``, or a DataFrame when ``predict`` returns frames and ``name`` is None)."""
        self._check_fitted()
        codes, Zg = _groups(self._matrix(summary, who), who)
        parts = [predict(self._view(z), summary.iloc[codes == g]) for g, z in enumerate(Zg)]
        out = pd.concat(parts).reindex(summary.index) if len(parts) > 1 else parts[0]
        return out if name is None else out.rename(name)

    def _mixture(self, predict):
        """A new customer drawn from the fitted population: ``predict(view)`` averaged over its
        covariate groups, weighted by their shares."""
        self._check_fitted()
        Zg, share = self._population
        return sum(p * np.asarray(predict(self._view(z)), dtype=float) for z, p in zip(Zg, share))

    # --- predictions -------------------------------------------------------------------------
    def expected_purchases(self, t, summary: pd.DataFrame | None = None, **columns):
        """E[X(t)] of a new customer drawn from the fitted population (its covariate mix); with a
        summary, the conditional expectation of each customer."""
        if summary is not None or columns:
            return self.conditional_expected_purchases(t, summary, **columns)
        out = self._mixture(lambda view: view.expected_purchases(t))
        return float(out) if np.ndim(out) == 0 else out

    def conditional_expected_purchases(self, t, summary=None, **columns) -> pd.Series:
        self._no_arrays(columns, "conditional_expected_purchases")
        return self._by_group(summary, "conditional_expected_purchases", "expected_purchases",
                              lambda view, rows: view.conditional_expected_purchases(t, rows))

    def p_alive(self, summary=None, **columns) -> pd.Series:
        self._no_arrays(columns, "p_alive")
        return self._by_group(summary, "p_alive", "p_alive", lambda view, rows: view.p_alive(rows))

    def p_purchases(self, k, t, summary=None, **columns):
        """P(X(t) = k): for a new customer from the fitted population, or per customer given a summary."""
        self._no_arrays(columns, "p_purchases")
        if summary is None:
            out = self._mixture(lambda view: view.p_purchases(k, t))
            return float(out) if np.ndim(out) == 0 else out
        return self._by_group(summary, "p_purchases", f"p_{int(k)}_purchases",
                              lambda view, rows: view.p_purchases(k, t, rows))

    def discounted_expected_purchases(self, horizons, factors, summary=None, **columns) -> pd.Series:
        self._no_arrays(columns, "discounted_expected_purchases")
        return self._by_group(summary, "discounted_expected_purchases", "discounted_purchases",
                              lambda view, rows: view.discounted_expected_purchases(horizons, factors, rows))

    def purchase_outlook(self, horizons, factors, summary=None, **columns) -> pd.DataFrame:
        self._no_arrays(columns, "purchase_outlook")
        return self._by_group(summary, "purchase_outlook", None,
                              lambda view, rows: view.purchase_outlook(horizons, factors, rows))

    def expected_purchases_matrix(self, t, T=None, max_frequency=None) -> pd.DataFrame:
        """As the plain model's, for the reference customer (every covariate at 0 / its reference level)."""
        self._check_fitted()
        return self._view(np.zeros(len(self.covariate_names_))).expected_purchases_matrix(t, T, max_frequency)

    def p_alive_matrix(self, T=None, max_frequency=None) -> pd.DataFrame:
        """As the plain model's, for the reference customer (every covariate at 0 / its reference level)."""
        self._check_fitted()
        return self._view(np.zeros(len(self.covariate_names_))).p_alive_matrix(T, max_frequency)

    def _no_arrays(self, columns, who):
        if columns:
            raise DataError(f"{who}: a model with covariates predicts from a summary DataFrame, not from arrays")

    # --- display ----------------------------------------------------------------------------
    @property
    def lr_test(self) -> dict:
        """Likelihood-ratio test against the model without covariates: statistic, df, p-value."""
        self._check_fitted()
        statistic = max(2.0 * (self.log_likelihood_ - self.plain_model_.log_likelihood_), 0.0)
        df = 2 * len(self.covariate_names_)
        return {"log_likelihood_without": float(self.plain_model_.log_likelihood_), "statistic": statistic,
                "df": df, "p_value": float(stats.chi2.sf(statistic, df))}

    @property
    def coefficient_table(self) -> pd.DataFrame:
        """The covariate coefficients: estimate, standard error, z, p-value and the rate ratio exp(coef)."""
        self._check_fitted()
        table = self.summary.iloc[len(self._plain._param_names):]
        z = table["coef"] / table["se(coef)"]
        return table.assign(z=z, p=2 * stats.norm.sf(np.abs(z)), **{"exp(coef)": np.exp(table["coef"])})

    def _header(self) -> list[tuple[str, str]]:
        test = self.lr_test
        return [*super()._header(), ("reference levels", ", ".join(f"{k}={v}" for k, v in self.design_.reference.items()) or "-"),
                ("LR test vs no covariates", f"chi2 = {test['statistic']:.2f} on {test['df']} df, p = {test['p_value']:.3g}")]


def _groups(Z: np.ndarray, who: str) -> tuple[np.ndarray, np.ndarray]:
    """Codes of the distinct covariate rows of ``Z`` and those rows."""
    if Z.shape[1] == 0:
        return np.zeros(len(Z), dtype=np.int64), np.zeros((1, 0))
    unique, _, codes = group_rows(list(Z.T))
    if len(unique[0]) > MAX_COVARIATE_GROUPS:
        raise DataError(f"{who}: the covariates take {len(unique[0]):,} distinct combinations (at most "
                        f"{MAX_COVARIATE_GROUPS:,}); bin continuous covariates into a few classes first")
    return codes, np.column_stack(unique)


class ParetoNBDCovariates(_StaticCovariates, ParetoNBD):
    """Pareto/NBD with static covariates: ``alpha_i = alpha exp(-gamma_trans' z)``,
    ``beta_i = beta exp(-gamma_life' z)``. ``params_`` holds ``r, alpha, s, beta`` (the reference
    customer's) and the coefficients ``trans.<covariate>``, ``life.<covariate>``."""

    kind = "paretonbd_cov"
    label = "Pareto/NBD + covariates"
    _plain = ParetoNBD
    _effects = {"alpha": ("trans", -1.0), "beta": ("life", -1.0)}


class BetaGeoCovariates(_StaticCovariates, BetaGeo):
    """BG/NBD with static covariates: ``alpha_i = alpha exp(-gamma_trans' z)``, ``a_i = a
    exp(gamma_life' z)``, ``b_i = b exp(gamma_life' z)``. ``params_`` holds ``r, alpha, a, b``
    (the reference customer's) and the coefficients ``trans.<covariate>``, ``life.<covariate>``."""

    kind = "bgnbd_cov"
    label = "BG/NBD + covariates"
    _plain = BetaGeo
    _effects = {"alpha": ("trans", -1.0), "a": ("life", 1.0), "b": ("life", 1.0)}
