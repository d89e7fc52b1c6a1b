"""The loader's options as one typed schema: ``data.options`` in params and the cleaning policies.

:class:`LoaderOptions` is what a scenario may put under ``data.options``; every key is a keyword
argument of :func:`workbench.data.load.load_transactions` (a test keeps the two in step), so a
typo or a bad value is an error naming the key before any data is read. :data:`CHOICES` lists the
values of each policy, shared with the loader's own checks.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: Allowed values of each cleaning policy (the first is the default).
CHOICES: dict[str, tuple] = {
    "returns": ("net_order", "net_customer_day", "drop", "keep", "error"),
    "zero_amounts": ("keep", "drop"),
    "duplicates": ("drop_exact", "keep"),
    "outliers": ("flag", "drop", "keep"),
    "missing": ("drop", "error"),
    "invalid": ("error", "drop"),
    "decimal": (None, ".", ","),
}


class LoaderOptions(BaseModel):
    """``data.options``: how transactions are read and cleaned (see ``load_transactions``)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    returns: Literal[CHOICES["returns"]] = Field("net_order", description="negative amounts: net within the order, drop, keep or error")
    zero_amounts: Literal[CHOICES["zero_amounts"]] = Field("keep", description="amounts of exactly 0: keep (reported) or drop")
    duplicates: Literal[CHOICES["duplicates"]] = Field("drop_exact", description="rows identical to an earlier row: drop or keep (reported)")
    outliers: Literal[CHOICES["outliers"]] = Field("flag", description="far-out amounts: flag, drop or keep (reported)")
    outlier_k: float = Field(3.0, gt=0, description="outlier fence in inter-quartile ranges of log10 amount")
    missing: Literal[CHOICES["missing"]] = Field("drop", description="rows with an empty id, date or amount: drop (reported) or error")
    invalid: Literal[CHOICES["invalid"]] = Field("error", description="unreadable dates or amounts: error or drop (reported)")
    date_format: str | None = Field(None, description="strftime format of text dates; null = detected")
    dayfirst: bool | None = Field(None, description="01/02/1997 as 1 February (true) or 2 January (false); null = must be settled by the data")
    timezone: str | None = Field(None, description="convert zone-aware timestamps to this zone; null = keep their wall-clock time")
    decimal: Literal[CHOICES["decimal"]] = Field(None, description="decimal mark of text amounts: '.' or ','; null = '.' unless ambiguous")
    encoding: str | None = Field(None, description="text encoding; null = UTF-8, UTF-16 by BOM, then GB18030")
    delimiter: str | None = Field(None, description="field delimiter; null = detected")
    sheet: str | int | None = Field(None, description="Excel sheet name or 0-based index")
    lazy: bool = Field(False, description="read Parquet through the engine (files larger than memory)")
    source_name: str | None = Field(None, description="name used in messages (default: the file name)")

    def loader_kwargs(self) -> dict:
        """The options the scenario set, as keyword arguments of ``load_transactions``."""
        return self.model_dump(exclude_unset=True)
