"""HTML rendering: self-contained, code hidden, tagged cells removed, user text escaped."""

from __future__ import annotations

import re

import nbformat

from workbench.report.metrics import METRIC_MIME
from workbench.report.render import render_html


def _notebook() -> nbformat.NotebookNode:
    new = nbformat.v4
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="
    cells = [
        new.new_markdown_cell("# Heading kept"),
        new.new_code_cell("visible_output_code()", outputs=[new.new_output("stream", name="stdout", text="OUT-1\n")]),
        new.new_code_cell("dropped_cell()", metadata={"tags": ["remove_cell"]},
                          outputs=[new.new_output("stream", name="stdout", text="GONE\n")]),
        new.new_code_cell("hidden_output()", metadata={"tags": ["remove_output"]},
                          outputs=[new.new_output("stream", name="stdout", text="ALSO-GONE\n")]),
        new.new_code_cell("figure()", outputs=[new.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})]),
        new.new_code_cell("record()", outputs=[new.new_output("display_data", data={METRIC_MIME: {"name": "m", "value": 1}})]),
    ]
    return new.new_notebook(cells=cells)


def test_report_hides_code_and_removes_tagged_cells():
    html = render_html(_notebook(), title="T")
    assert "OUT-1" in html and "Heading kept" in html
    for hidden in ("visible_output_code", "dropped_cell", "GONE", "ALSO-GONE", "hidden_output", METRIC_MIME):
        assert hidden not in html


def test_report_is_self_contained_with_embedded_images():
    html = render_html(_notebook(), title="T")
    assert "data:image/png;base64," in html
    external = re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html, flags=re.I)
    assert external == []
    assert "@import url(" not in html
    assert not re.search(r"<script[^>]+src=", html)


def test_title_and_footer_are_escaped():
    html = render_html(_notebook(), title="<script>alert(1)</script> 客户", footer={"run": "<b>x</b>"})
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 客户" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_executive_summary_cells_move_to_just_after_the_title():
    new = nbformat.v4
    cells = [
        new.new_code_cell("heading()", outputs=[new.new_output("stream", name="stdout", text="TITLE\n")]),
        new.new_markdown_cell("## SECTION-B"),
        new.new_code_cell("details()", outputs=[new.new_output("stream", name="stdout", text="DETAILS\n")]),
        new.new_code_cell("key_findings()", metadata={"tags": ["executive_summary"]},
                          outputs=[new.new_output("stream", name="stdout", text="SUMMARY\n")]),
    ]
    html = render_html(new.new_notebook(cells=cells), title="T")
    assert html.index("TITLE") < html.index("SUMMARY") < html.index("SECTION-B") < html.index("DETAILS")


def test_language_tagged_cells_appear_only_in_their_language():
    new = nbformat.v4
    cells = [new.new_markdown_cell("PLAIN"), new.new_markdown_cell("ENGLISH", metadata={"tags": ["lang-en"]}),
             new.new_markdown_cell("CHINESE-中文", metadata={"tags": ["lang-zh"]})]
    nb = new.new_notebook(cells=cells)
    english, chinese = render_html(nb, title="T", language="en"), render_html(nb, title="T", language="zh")
    assert "PLAIN" in english and "ENGLISH" in english and "CHINESE" not in english
    assert "PLAIN" in chinese and "CHINESE-中文" in chinese and "ENGLISH" not in chinese


def test_stderr_streams_stay_out_of_the_report():
    """Warnings and logs (stderr) belong to run.log and the executed notebook, not to stakeholders."""
    new = nbformat.v4
    nb = new.new_notebook(cells=[new.new_code_cell("x()", outputs=[
        new.new_output("stream", name="stderr", text="findfont: Failed to find font weight bold\n"),
        new.new_output("stream", name="stdout", text="KEPT-OUTPUT\n"),
    ])])
    html = render_html(nb, title="T")
    assert "KEPT-OUTPUT" in html
    assert "findfont" not in html and 'data-mime-type="application/vnd.jupyter.stderr"' not in html
