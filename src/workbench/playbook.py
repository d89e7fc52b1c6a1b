"""What to do with each tier: profiles, playbooks (service level, cadence, channel, owner,
actions in English and Chinese) and the per-customer export for a CRM.

One call per notebook step::

    labels = segmenter.fit_assign(summary)
    profile(summary, labels)                 # counts, shares, mean R/F/M per tier
    book = playbook_table(labels)            # one playbook row per tier, from params
    crm_export(summary, labels, book, "reports/.../crm.csv")
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from workbench.errors import DataError, ParamsError
from workbench.files import write_csv, write_with
from workbench.privacy import pseudonymise as keyed_pseudonyms
from workbench.privacy import shown_ids
from workbench.segment.base import LANGUAGES, Segmenter
from workbench.segment.profiles import profile
from workbench.segment.schema import POSITIONS, PlaybookEntry, TiersConfig, params_error

PLAYBOOK_COLUMNS = PlaybookEntry.FIELDS
#: Summary columns written to the CRM export when present.
EXPORT_METRICS = ("frequency", "recency", "T", "monetary_value", "revenue")


def playbook_table(
    labels: pd.Series | Segmenter,
    playbooks: TiersConfig | Mapping[str, Any] | None = None,
    *,
    language: str | None = None,
) -> pd.DataFrame:
    """One playbook row per tier (best first) for the scheme that produced ``labels``.

    ``labels`` is the Series from a segmenter's ``assign`` (or the fitted segmenter); its name is
    the scheme name. ``playbooks`` is a TiersConfig, its ``playbooks`` mapping, or None for the
    shipped defaults. A tier takes the entry under its scheme's name keyed by its English label
    when there is one, otherwise the ``default`` entry for its position: ``top`` for the first
    tier, ``bottom`` for the last, ``middle`` for the others. Columns: ``label_en``, ``label_zh``,
    the playbook fields in ``language`` (default: the labels' language), ``source`` (which
    entry was used, e.g. ``rfm/At risk`` or ``default/top``) and ``cost`` (the monthly service
    cost per customer: the entry's, else its position's default; NaN when neither has one).
    """
    tiers, names, scheme = _tier_names(labels)
    language = language or (labels.attrs.get("language") if isinstance(labels, pd.Series) else labels.language) or "en"
    if language not in LANGUAGES:
        raise ParamsError(f"playbook_table: language must be one of {LANGUAGES}, got {language!r}")
    book = _playbooks(playbooks)
    specific = book.get(scheme, {})
    default = book.get("default", {})
    rows = []
    for i, en in enumerate(names["en"]):
        if en in specific:
            entry, source = specific[en], f"{scheme}/{en}"
        else:
            position = "top" if i == 0 else "bottom" if i == len(tiers) - 1 else "middle"
            if position not in default:
                raise ParamsError(
                    f"playbook_table: no playbook for tier {en!r} of {scheme!r}: add "
                    f"tiers.playbooks.{scheme}[{en!r}] or tiers.playbooks.default.{position}"
                )
            entry, source = default[position], f"default/{position}"
        row = {"label_en": en, "label_zh": names["zh"][i]}
        row.update({f: getattr(entry, f)[language] for f in PLAYBOOK_COLUMNS})
        row["source"] = source
        position = "top" if i == 0 else "bottom" if i == len(tiers) - 1 else "middle"
        fallback = default.get(position)
        cost = entry.cost if entry.cost is not None else (fallback.cost if fallback is not None else None)
        row["cost"] = float("nan") if cost is None else float(cost)
        rows.append(row)
    index = pd.CategoricalIndex(tiers, categories=tiers, ordered=True, name=scheme)
    return pd.DataFrame(rows, index=index)


def crm_export(
    summary: pd.DataFrame,
    labels: pd.Series,
    playbook: pd.DataFrame | None,
    path: str | Path,
    format: str = "csv",
    pseudonymise: bool | str = False,
    metrics: Sequence[str] | None = None,
) -> Path:
    """Write one row per labelled customer for a CRM: id, tier, labels, playbook, key metrics.

    Columns: ``customer_id``, ``tier`` (as in ``labels``), ``label_en``, ``label_zh``, the
    playbook fields (``service_level``, ``cadence``, ``channel``, ``owner``, ``actions``; from
    ``playbook``, default ``playbook_table(labels)``), then ``metrics`` (default: those of
    frequency, recency, T, monetary_value, revenue present). CSV is UTF-8 with a byte-order mark,
    so Excel shows Chinese, and text cells that a spreadsheet would run as a formula (starting
    with ``= + - @``, tab or CR) get a leading apostrophe; ``format="parquet"`` writes Parquet.
    The file appears only when complete (written under a temporary name, then renamed).

    ``pseudonymise``: False keeps ids; a string is a secret key and ids become
    HMAC-SHA256(key, id) (first 16 hex digits; the same key gives the same pseudonyms across
    exports, so they can be joined back by whoever holds the key); True uses a random key, so
    the pseudonyms cannot be linked to anything. Returns the path written.
    """
    if format not in ("csv", "parquet"):
        raise ParamsError(f"crm_export: format must be 'csv' or 'parquet', got {format!r}")
    if playbook is None:
        playbook = playbook_table(labels)
    tiers, names, _ = _tier_names(labels)
    missing_tiers = [t for t in tiers if t not in playbook.index]
    if missing_tiers:
        raise ParamsError(f"crm_export: playbook has no row for tiers {missing_tiers}; build it with playbook_table(labels)")
    data = summary.set_index("customer_id") if "customer_id" in summary.columns else summary
    absent = labels.index.difference(data.index)
    if len(absent):
        raise DataError(f"crm_export: {len(absent)} labelled customers are not in the summary; e.g. {shown_ids(absent[:5])}")
    metrics = [m for m in EXPORT_METRICS if m in data.columns] if metrics is None else list(metrics)
    unknown = [m for m in metrics if m not in data.columns]
    if unknown:
        raise ParamsError(f"crm_export: metrics {unknown} are not summary columns; available: {', '.join(map(str, data.columns))}")

    codes = labels.cat.codes.to_numpy()
    out = pd.DataFrame(
        {
            "customer_id": _pseudonyms(labels.index, pseudonymise),
            "tier": np.asarray(tiers, dtype=object)[codes],
            "label_en": np.asarray(names["en"], dtype=object)[codes],
            "label_zh": np.asarray(names["zh"], dtype=object)[codes],
        }
    )
    book = playbook.set_axis(playbook.index.astype(str)).reindex(tiers)
    for col in PLAYBOOK_COLUMNS:
        if col in book.columns:
            out[col] = book[col].to_numpy(dtype=object)[codes]
    for m in metrics:
        out[m] = data.loc[labels.index, m].to_numpy()

    if format == "csv":
        return write_csv(out, path)
    return write_with(path, lambda tmp: out.to_parquet(tmp, index=False))


def _tier_names(labels: pd.Series | Segmenter) -> tuple[list[str], dict[str, list[str]], str]:
    """Tiers as assigned, their labels per language, and the scheme name."""
    if isinstance(labels, Segmenter):
        return labels.tiers_, {lang: list(labels.tier_labels_[lang]) for lang in LANGUAGES}, labels.name
    if not isinstance(labels, pd.Series) or not isinstance(labels.dtype, pd.CategoricalDtype):
        raise ParamsError("labels must be the categorical Series returned by a segmenter's assign (or the segmenter)")
    tiers = [str(t) for t in labels.cat.categories]
    names = labels.attrs.get("tier_labels") or {lang: tiers for lang in LANGUAGES}
    return tiers, {lang: list(names[lang]) for lang in LANGUAGES}, str(labels.name)


def _playbooks(playbooks: TiersConfig | Mapping[str, Any] | None) -> dict[str, dict[str, PlaybookEntry]]:
    if playbooks is None:
        return TiersConfig.default().playbooks
    if isinstance(playbooks, TiersConfig):
        return playbooks.playbooks
    out: dict[str, dict[str, PlaybookEntry]] = {}
    for scheme, entries in playbooks.items():
        if scheme == "default" and set(entries) - set(POSITIONS):
            raise ParamsError(f"playbooks.default: keys must be {list(POSITIONS)}, got {sorted(entries)}")
        out[scheme] = {}
        for tier, entry in entries.items():
            try:
                out[scheme][tier] = entry if isinstance(entry, PlaybookEntry) else PlaybookEntry.model_validate(entry)
            except ValidationError as exc:
                raise params_error(exc, prefix=f"playbooks.{scheme}[{tier!r}]") from None
    return out


def _pseudonyms(ids: pd.Index, pseudonymise: bool | str) -> list[str]:
    if pseudonymise is False:
        return [str(i) for i in ids]
    if pseudonymise is True:
        key = secrets.token_bytes(32)
    elif isinstance(pseudonymise, str) and pseudonymise:
        key = pseudonymise.encode("utf-8")
    else:
        raise ParamsError("crm_export: pseudonymise must be False, True or a non-empty secret key string")
    return keyed_pseudonyms(ids, key, prefix="", length=16)


__all__ = ["profile", "playbook_table", "crm_export", "PLAYBOOK_COLUMNS"]
