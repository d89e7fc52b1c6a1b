"""The report look of figures, with a CJK-capable font so Chinese labels render.

The font is Noto Sans CJK SC (SIL Open Font License) shipped by the ``mplfonts`` wheel, so
figures render 中文 on a machine with no system CJK font. Matplotlib falls back glyph by glyph
from the Latin font to the CJK one.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import matplotlib
from matplotlib import font_manager

CJK_FAMILY = "Noto Sans CJK SC"
CJK_FILE = "NotoSansCJKsc-Regular.otf"
PALETTE = ["#1f4e79", "#2e86c1", "#48c9b0", "#f4d03f", "#e67e22", "#c0392b", "#7d3c98", "#95a5a6"]


@cache
def register_cjk_font() -> str | None:
    """Register the bundled Noto Sans CJK SC with matplotlib; its family name, or None if absent."""
    for path in _candidate_files():
        if path.is_file():
            font_manager.fontManager.addfont(str(path))
            return font_manager.FontProperties(fname=str(path)).get_name()
    return None


def _candidate_files() -> list[Path]:
    files = []
    try:
        import mplfonts

        files.append(Path(mplfonts.__file__).parent / "fonts" / CJK_FILE)
    except ImportError:  # pragma: no cover - mplfonts is a dependency
        pass
    files += [Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")]
    return files


def use_report_style() -> None:
    """Apply the report style: readable sizes, a quiet grid, the palette, CJK fallback font."""
    family = register_cjk_font()
    matplotlib.rcParams.update(
        {
            "figure.figsize": (8, 4.2),
            "figure.dpi": 100,
            "savefig.dpi": 110,
            "figure.autolayout": True,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            # Noto Sans CJK ships one weight (400): a bold title made matplotlib log
            # "findfont: Failed to find font weight bold" on every figure; size sets titles apart
            "axes.titlesize": 13,
            "axes.titleweight": "normal",
            "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
            "font.family": ["DejaVu Sans", *([family] if family else [])],
            "axes.unicode_minus": False,
        }
    )
