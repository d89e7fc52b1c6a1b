"""One scenario as notebooks use it: params, data, summaries and segmenters, each computed once.

``sc = Scenario.from_notebook(globals())`` in the first cell of a report notebook reads the
injected params (or ``params_file``), sets the report style and gives every later cell what it
needs in one call: ``sc.data``, ``sc.summary()``, ``sc.summary(split=True)``, ``sc.segmenters()``,
``sc.export_path("crm_rfm.csv")``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.config import Params, reports_dir
from workbench.notebook_parameters import notebook_params
from workbench.data.sources import LoadedData, load_data
from workbench.errors import ParamsError, WorkbenchError
from workbench.privacy import hide_ids, id_key
from workbench.report.display import customer_table
from workbench.report.metrics import RUN_EXPORTS, RUN_PARAMS, record


class Scenario:
    """Params plus lazily computed, cached data products of one run."""

    def __init__(self, params: Params, output_dir: str | Path | None = None, notebook: str = "scratch"):
        self.params = params
        self.notebook = notebook
        self._output_dir = Path(output_dir) if output_dir else None
        self._exports: list[str] = []
        self._summaries: dict[object, pd.DataFrame] = {}  # False, True (split) or a snapshot date
        #: (id(summary), model kind) -> (summary, fitted model or None, error or None)
        self._fits: dict[tuple[int, str], tuple[pd.DataFrame, Any, Exception | None]] = {}
        #: Why a transaction model was left out (``transaction_models(..., skip_failed=True)``), by kind.
        self.model_errors: dict[str, WorkbenchError] = {}
        #: How customer attributes matched the transactions (None without an attributes table).
        self.attribute_report: pd.DataFrame | None = None

    @classmethod
    def from_notebook(cls, namespace: Mapping[str, Any], notebook: str = "scratch") -> Scenario:
        """The scenario of a notebook run; applies the report style for figures and the privacy
        setting to error messages (pseudonyms unless ``show_customer_ids``)."""
        from workbench.plots.style import use_report_style

        use_report_style()
        params = notebook_params(namespace)
        hide_ids(not params.show_customer_ids)
        record(RUN_PARAMS, params.model_dump(mode="json"))  # for `workbench render` after plain papermill
        return cls(params, namespace.get("output_dir") or None, notebook)

    def __repr__(self) -> str:
        return f"Scenario({self.params.title!r}, data={self.params.data.transactions!r})"

    @property
    def language(self) -> str:
        return self.params.language

    @property
    def title(self) -> str:
        return self.params.title

    @property
    def has_amounts(self) -> bool:
        """False for a count-only log (no amount column): no revenue, spend or value figures."""
        return "amount" in self.data.transactions.columns

    @cached_property
    def data(self) -> LoadedData:
        """Validated, cleaned transactions (and attributes) of ``params.data``."""
        return load_data(self.params.data, self.params.observation_end, self.params.engine)

    @cached_property
    def observation_end(self) -> dt.date:
        """``params.observation_end``, or the last transaction date when it is not set: resolved
        once per run and recorded (metric ``observation_end``, kept in the run's manifest)."""
        from workbench.report.metrics import record

        end = self.params.observation_end or self.data.last_date
        if end is None:  # transactions loaded without their date range
            from workbench.data.quality import overview

            end = overview(self.data.transactions)["last_date"]
        record("observation_end", end.isoformat())
        return end

    @property
    def needs_regularity(self) -> bool:
        """Whether a model of ``params.clv.models`` reads the inter-purchase regularity column."""
        from workbench.models.registry import transaction_model

        return any(transaction_model(kind, "clv.models").needs_regularity for kind in self.params.clv.models)

    def summary(self, split: bool = False) -> pd.DataFrame:
        """Per-customer summary up to ``observation_end``; with ``split=True`` the calibration
        summary (to ``calibration_end``) with holdout columns. Attributes are joined when given."""
        if split not in self._summaries:
            from workbench.summary import rfm_summary

            if split and self.params.calibration_end is None:
                raise ParamsError("calibration_end: set it to split the data into calibration and holdout periods")
            summary = rfm_summary(
                self.data.transactions,
                observation_end=self.observation_end,
                time_unit=self.params.time_unit,
                calibration_end=self.params.calibration_end if split else None,
                merge_same_day=self.params.merge_same_day,
                regularity=self.needs_regularity,
            )
            if self.data.customers is not None:
                from workbench.data.attributes import join_attributes

                summary, self.attribute_report = join_attributes(summary, self.data.customers, missing_label="unknown")
            self._summaries[split] = summary
        return self._summaries[split]

    def summary_at(self, end: dt.date) -> pd.DataFrame:
        """The summary as it stood on ``end`` (an earlier snapshot: the customers who had bought
        by then, their attributes joined), computed once per date."""
        if end not in self._summaries:
            from workbench.summary import rfm_summary

            summary = rfm_summary(self.data.transactions, observation_end=end, time_unit=self.params.time_unit,
                                  merge_same_day=self.params.merge_same_day, regularity=self.needs_regularity)
            if self.data.customers is not None:
                from workbench.data.attributes import join_attributes

                summary, _ = join_attributes(summary, self.data.customers, missing_label="unknown")
            self._summaries[end] = summary
        return self._summaries[end]

    def transaction_models(self, summary: pd.DataFrame, kinds: Sequence[str] | None = None, *,
                           skip_failed: bool = False) -> dict:
        """Transaction models (``params.clv.models`` by default) fitted on ``summary``, by display
        name; each model is fitted once per summary and reused by every later call. A model that
        cannot be fitted raises its error, or with ``skip_failed`` is left out and its error kept in
        ``model_errors`` (kind -> error)."""
        from workbench.models.registry import transaction_model

        out = {}
        for kind in self.params.clv.models if kinds is None else kinds:
            cls = transaction_model(kind, "clv.models")
            options = self.params.clv.model_options(kind)
            try:
                out[cls.label or cls.__name__] = self._fitted(summary, kind, lambda: cls(**options).fit(summary))
            except WorkbenchError as exc:
                if not skip_failed:
                    raise
                self.model_errors[kind] = exc
        return out

    def spend_model(self, summary: pd.DataFrame):
        """The Gamma-Gamma spend model fitted on ``summary`` (once; NotApplicableError without amounts)."""
        from workbench.models.selection import fit_spend_model

        return self._fitted(summary, "gamma_gamma", lambda: fit_spend_model(summary))

    def _fitted(self, summary: pd.DataFrame, kind: str, fit: Callable[[], Any]) -> Any:
        key = (id(summary), kind)
        if key not in self._fits:
            try:
                self._fits[key] = (summary, fit(), None)
            except WorkbenchError as exc:  # remembered: a model that cannot be fitted is not retried
                self._fits[key] = (summary, None, exc)
        _, model, error = self._fits[key]
        if error is not None:
            raise error
        return model

    def with_clv(self, summary: pd.DataFrame, quiet: bool = False) -> pd.DataFrame:
        """``summary`` plus each prediction the report and its tier schemes read: ``clv``
        (discounted, ``params.clv`` horizon and rate) and ``p_alive`` from the first of
        ``params.clv.models`` with Gamma-Gamma spend, and the columns of every ``clv`` scheme
        that asks for another model, horizon or rate. Models come from :meth:`transaction_models`
        (fitted once); a prediction whose models cannot be fitted is left out, with a note
        (none when ``quiet``: the caller reports what is missing)."""
        from workbench.models.value import prediction_columns, with_predictions
        from workbench.segment.clv import ClvScheme

        default = self.params.clv.default_prediction
        wanted = {(*default, prediction_columns(*default, default=True))}
        wanted |= {s.prediction(default) for s in self.params.tiers.schemes if isinstance(s, ClvScheme)}
        out, notes = summary, {}
        for model, horizon, rate, columns in sorted(wanted, key=lambda w: w[3]):
            try:
                (fitted,) = self.transaction_models(summary, [model]).values()
                added = with_predictions(summary, fitted, self.spend_model(summary), horizon, rate, columns)
            except WorkbenchError as exc:
                notes.setdefault(str(exc), exc)
                continue
            out = out.assign(**{c: added[c] for c in columns})
        if notes and not quiet:
            from workbench.i18n import text
            from workbench.report.display import say

            for exc in notes.values():
                say("<i>{note}</i>", note=text("clv_not_added", self.language, reason=exc))
        return out

    def segmenters(self) -> list:
        """Unfitted segmenters of every tier scheme in ``params.tiers``, labels in the report language."""
        from workbench.segment import build_segmenters

        return build_segmenters(self.params.tiers, language=self.language)

    def customers_shown(self, df: pd.DataFrame) -> pd.DataFrame:
        """A customer-level table as the report may show it (pseudonymised unless params allow ids)."""
        return customer_table(df, show_ids=self.params.show_customer_ids)

    def export_crm(self, summary: pd.DataFrame, labels: pd.Series, metrics: Sequence[str] | None = None) -> Path:
        """The CRM file of one scheme (``crm_<scheme>.csv``): tier, labels, playbook, key metrics
        (``metrics``, default the summary's usual ones); ids are the report's keyed pseudonyms
        unless ``export_customer_ids`` is true."""
        from workbench.playbook import crm_export, playbook_table
        playbook = playbook_table(labels, self.params.tiers, language=self.language)
        ids = False if self.params.export_customer_ids else id_key()
        return crm_export(summary, labels, playbook, self.export_path(f"crm_{labels.name}.csv"), pseudonymise=ids,
                          metrics=metrics)

    def export_path(self, name: str) -> Path:
        """Where an export file goes: the run folder under the runner, else ``reports/scratch/<notebook>/``."""
        folder = self._output_dir or reports_dir() / "scratch" / self.notebook
        folder.mkdir(parents=True, exist_ok=True)
        path = str((folder / name).resolve())
        if path not in self._exports:  # a cell run twice in JupyterLab asks for the same file
            self._exports.append(path)
        record(RUN_EXPORTS, self._exports)  # `workbench render` copies them into the run folder
        return folder / name
