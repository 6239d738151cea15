"""One look for every figure in the book: readable at the page's width, colour-blind safe."""

from __future__ import annotations

__all__ = ["OKABE_ITO", "use_book_style"]

#: The Okabe-Ito palette, distinguishable with every common colour-vision deficiency.
OKABE_ITO = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#000000",  # black
)


#: The figure style's sizes. The chapter column is about 358 CSS px wide on a
#: 390-px phone and at least 600 px on a desktop; a figure is never shown wider
#: than its own pixels. A 5.0-inch figure at 120 dpi is 600 px wide, so on a
#: phone it shrinks by 358/600 and its smallest text (10 pt = 16.7 px) is
#: 9.9 CSS px tall; on a desktop it is shown at its own size, text 16.7 px.
#: ``tests/browser`` measures this on every page from these numbers.
_FIGURE_WIDTH_IN = 5.0
_FIGURE_DPI = 120
_SMALLEST_FONT_PT = 10


def use_book_style() -> None:
    """Set matplotlib's defaults for the book's figures.

    Figures come out 5.0 x 3.2 inches at 120 dpi (600 px wide): made for the
    book's column, so that their smallest text (10 pt) is at least 9 CSS px
    tall on a 390-px phone and 12 px on a desktop. A figure may be taller
    (panels stacked vertically), not wider. The background is transparent and
    the ink dark: the site shows the same image inverted in dark mode. Also
    the Okabe-Ito colour cycle, a light grid, and no top or right spines.
    Call it once at the top of a notebook, after importing matplotlib.

    Examples
    --------
    >>> import softmax_lib as sl
    >>> sl.use_book_style()
    >>> import matplotlib.pyplot as plt
    >>> plt.rcParams["axes.prop_cycle"].by_key()["color"][0]
    '#0072B2'
    >>> plt.rcParams["figure.figsize"]
    [5.0, 3.2]
    """
    import matplotlib as mpl
    from cycler import cycler

    small = _SMALLEST_FONT_PT
    mpl.rcParams.update(
        {
            "figure.figsize": (_FIGURE_WIDTH_IN, 3.2),
            "figure.dpi": _FIGURE_DPI,
            "savefig.dpi": _FIGURE_DPI,
            "figure.constrained_layout.use": True,
            # Transparent, so that the page's background shows through in
            # both colour modes (custom.css inverts the image in dark mode).
            "figure.facecolor": "none",
            "axes.facecolor": "none",
            "savefig.facecolor": "none",
            "savefig.transparent": True,
            "font.size": small + 1,
            "axes.titlesize": small + 2,
            "axes.labelsize": small + 1,
            "legend.fontsize": small,
            "legend.title_fontsize": small,
            "xtick.labelsize": small,
            "ytick.labelsize": small,
            "figure.titlesize": small + 2,
            "axes.prop_cycle": cycler(color=list(OKABE_ITO)),
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "lines.linewidth": 2.0,
        }
    )
