"""What notebooks show to stakeholders: escaped headings and text, privacy-safe customer tables.

Customer-level tables go through :func:`customer_table`, which replaces raw ids with keyed
pseudonyms (:mod:`workbench.privacy`) unless ``params.show_customer_ids`` is true. User-supplied strings (titles, labels)
are HTML-escaped before they reach the report.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from workbench.privacy import KEY_ENV, KEY_FILE, MIN_KEY_BYTES, id_key, pseudonymise  # noqa: F401  (re-exported)

ID_COLUMN = "customer_id"


def customer_table(df: pd.DataFrame, *, show_ids: bool = False, key: str | None = None) -> pd.DataFrame:
    """A copy of ``df`` whose customer ids (index or ``customer_id`` column) are pseudonymised
    with ``key`` (default :func:`id_key`), unless ``show_ids``."""
    if show_ids:
        return df
    key = key or id_key()
    out = df.copy()
    if out.index.name == ID_COLUMN:
        out.index = pd.Index(pseudonymise(out.index, key), name=ID_COLUMN)
    if ID_COLUMN in out.columns:
        out[ID_COLUMN] = pseudonymise(out[ID_COLUMN], key)
    return out


def escape(value: object) -> str:
    """HTML-escaped text of a user-supplied value."""
    return html.escape(str(value), quote=True)


def heading(title: str, subtitle: str | None = None) -> None:
    """Show the report title (escaped) as the first thing a stakeholder reads."""
    from IPython.display import HTML, display

    sub = f"<p style='color:#555;margin-top:0'>{escape(subtitle)}</p>" if subtitle else ""
    display(HTML(f"<h1>{escape(title)}</h1>{sub}"))


def say(template: str, **values: object) -> None:
    """Show a sentence (HTML template written by the notebook) with escaped values filled in."""
    from IPython.display import HTML, display

    display(HTML("<p>" + template.format(**{k: escape(v) for k, v in values.items()}) + "</p>"))


#: How a table shows a value that does not exist (a correlation of a constant, a mean of nobody).
NOT_AVAILABLE = "—"


def fmt(value: object) -> object:
    """Numbers as people read them: 69,659, 2,500,315.63, 0.2426, ``—`` for NaN; other values unchanged."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, np.integer)):
        return f"{value:,}"
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return NOT_AVAILABLE
        return f"{value:,.2f}" if abs(value) >= 100 or value == 0 else f"{value:.4g}"
    return value


def percent(value: object) -> object:
    """A share as a percentage: 0.2531 -> 25.3%."""
    return NOT_AVAILABLE if value is None or pd.isna(value) else f"{float(value):.1%}"


_TABLE_STYLE = (
    "<style>.wb-scroll{overflow-x:auto;max-width:100%}.wb-table th,.wb-table td{white-space:nowrap}"
    ".wb-table td{max-width:28rem;white-space:normal}</style>"
)


def table(
    df: pd.DataFrame, *, caption: str | None = None, index: bool = True, language: str | None = None
) -> None:
    """Show a table with readable numbers (shares as percentages), escaped cells, an optional
    escaped caption, and column names translated when ``language`` is given."""
    from IPython.display import HTML, display

    from workbench.i18n import text

    shown = df.copy()
    for name in shown.columns:
        is_share = "share" in str(name) and pd.api.types.is_float_dtype(shown[name])
        shown[name] = shown[name].map(percent if is_share else fmt)
    if language:
        shown = shown.rename(columns=lambda name: text(str(name), language))
    styled = shown.to_html(escape=True, index=index, border=0, classes="wb-table", na_rep=NOT_AVAILABLE)
    cap = f"<p><b>{escape(caption)}</b></p>" if caption else ""
    display(HTML(f"{_TABLE_STYLE}{cap}<div class='wb-scroll'>{styled}</div>"))


def key_findings(findings: list[str], title: str = "Key findings") -> None:
    """The executive summary: a titled box of plain-language findings (each escaped). Tag its
    cell ``executive_summary`` and the report shows it first, right after the title."""
    from IPython.display import HTML, display

    items = "".join(f"<li>{escape(f)}</li>" for f in findings)
    display(
        HTML(
            '<div style="border-left:4px solid #1f4e79;background:#f4f8fb;padding:.6rem 1.2rem;margin:.5rem 0">'
            f"<b>{escape(title)}</b><ul style='margin:.3rem 0'>{items}</ul></div>"
        )
    )
