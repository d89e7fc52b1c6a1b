"""Executed notebook -> one self-contained HTML file for stakeholders.

Code is hidden (except the cell that failed, so a failed report shows what broke), cells tagged
``remove_cell`` / ``remove_input`` / ``remove_output`` are removed, metric outputs and stderr
streams (warnings, logs: they stay in ``run.log``) are dropped,
images stay embedded as data URIs, and no script, style or font is loaded from the network.
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Mapping
from typing import Any

import nbformat
from nbconvert import HTMLExporter

from workbench.report.metrics import METRIC_MIME

#: Tags an analyst can put on cells to shape the report.
REMOVE_CELL, REMOVE_INPUT, REMOVE_OUTPUT = "remove_cell", "remove_input", "remove_output"
#: Cells computed at the end of a notebook but shown first, right after the title.
EXECUTIVE_SUMMARY = "executive_summary"
#: Prefix of tags that keep a cell only in reports of one language (``lang-en``, ``lang-zh``).
LANGUAGE_TAG = "lang-"


def render_html(
    notebook: nbformat.NotebookNode,
    *,
    title: str,
    footer: Mapping[str, Any] | None = None,
    show_code: bool = False,
    failure: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> str:
    """HTML of an executed notebook; ``footer`` items are shown as a run-information line and a
    ``failure`` (the manifest's error) as a banner at the top. Cells tagged ``lang-xx`` are kept
    only when ``language`` is ``xx``."""
    nb = prepare_for_report(notebook, show_code=show_code, language=language)
    if failure:
        nb.cells.insert(0, nbformat.v4.new_markdown_cell(_failure_markdown(failure)))
    if footer:
        nb.cells.append(nbformat.v4.new_markdown_cell(_footer_markdown(footer)))
    exporter = HTMLExporter(
        template_name="lab",
        mathjax_url="",
        require_js_url="",
        mermaid_js_url="",
        mermaid_layout_elk_js_url="",
        embed_images=True,
        anchor_link_text="",
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return _EMPTY_SCRIPT.sub("", body)


#: The lab template leaves ``<script src="">`` where require.js and MathJax would be loaded.
_EMPTY_SCRIPT = re.compile(r"<script src=\"\">\s*</script>")


def prepare_for_report(
    notebook: nbformat.NotebookNode, *, show_code: bool = False, language: str | None = None
) -> nbformat.NotebookNode:
    """A copy of the notebook with report-only cells, inputs and outputs removed."""
    nb = copy.deepcopy(notebook)
    cells = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if REMOVE_CELL in tags:
            continue
        languages = {t[len(LANGUAGE_TAG):] for t in tags if t.startswith(LANGUAGE_TAG)}
        if languages and (language or "en") not in languages:
            continue
        if cell.cell_type == "code":
            failed = any(out.get("output_type") == "error" for out in cell.get("outputs", []))
            if (not show_code and not failed) or REMOVE_INPUT in tags or "injected-parameters" in tags:
                cell.metadata.setdefault("transient", {})["remove_source"] = True
            if REMOVE_OUTPUT in tags:
                cell.outputs = []
            cell.outputs = [out for out in cell.get("outputs", []) if _for_stakeholders(out)]
            if not failed and cell.metadata.get("transient", {}).get("remove_source") and not cell.outputs:
                continue
        cells.append(cell)
    nb.cells = _summary_first(cells)
    return nb


def _for_stakeholders(output: Mapping[str, Any]) -> bool:
    """Outputs a report shows: not metrics, not stderr streams (warnings and logs stay in run.log
    and the executed notebook)."""
    if output.get("output_type") == "stream" and output.get("name") == "stderr":
        return False
    return METRIC_MIME not in output.get("data", {})


def _summary_first(cells: list) -> list:
    """Move cells tagged ``executive_summary`` to just after the first cell with output (the title)."""
    summary = [c for c in cells if EXECUTIVE_SUMMARY in c.get("metadata", {}).get("tags", [])]
    if not summary:
        return cells
    rest = [c for c in cells if c not in summary]
    first = next((i for i, c in enumerate(rest) if c.cell_type == "code" and c.get("outputs")), -1)
    return rest[: first + 1] + summary + rest[first + 1 :]


def _failure_markdown(error: Mapping[str, Any]) -> str:
    where = f" in cell In [{error['cell']}]" if error.get("cell") is not None else ""
    text = f"{error.get('name', 'Error')}{where}: {error.get('message', '')}"
    return (
        '<div style="border-left:4px solid #cf222e;padding:.5rem 1rem;background:#fff5f5">'
        f"<b>This run failed.</b> {html.escape(text)}</div>"
    )


def failure_page(title: str, error: Mapping[str, Any]) -> str:
    """A minimal self-contained page for a run whose notebook could not be rendered."""
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f"<body><h1>{html.escape(title)}</h1>{_failure_markdown(error)}</body></html>"
    )


def _footer_markdown(items: Mapping[str, Any]) -> str:
    parts = " · ".join(f"{html.escape(str(k))}: <code>{html.escape(str(v))}</code>" for k, v in items.items())
    return f"---\n<small>{parts}</small>"
