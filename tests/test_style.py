"""Chinese labels in figures: the bundled CJK font has the glyphs and matplotlib uses it."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from workbench.plots.style import register_cjk_font, use_report_style  # noqa: E402

LABEL = "客户分级 收入占比"


def _draw(label: str) -> list[str]:
    fig, ax = plt.subplots()
    ax.set_title(label)
    ax.set_xlabel(label)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    plt.close(fig)
    return [str(w.message) for w in caught if "Glyph" in str(w.message)]


def test_report_style_renders_chinese_without_missing_glyphs():
    assert register_cjk_font() == "Noto Sans CJK SC"
    with matplotlib.rc_context():
        use_report_style()
        assert _draw(LABEL) == []


def test_without_the_cjk_font_glyphs_are_missing():
    """The check above can fail: a Latin-only font reports the missing glyphs."""
    with matplotlib.rc_context({"font.family": ["sans-serif"], "font.sans-serif": ["DejaVu Sans"]}):
        missing = _draw(LABEL)
    assert missing, "expected matplotlib to warn about missing CJK glyphs"


@pytest.mark.parametrize("char", list("客户钻石黄金白银青铜沉睡流失"))
def test_bundled_font_has_the_tier_label_glyphs(char):
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    register_cjk_font()
    path = font_manager.findfont("Noto Sans CJK SC", fallback_to_default=False)
    assert FT2Font(path).get_char_index(ord(char)) != 0
