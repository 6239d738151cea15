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


def use_book_style() -> None:
    """Set matplotlib's defaults for the book's figures.

    Figures come out 7.5 x 4 inches at 110 dpi, about the width of a page of
    the book, with fonts large enough to read there, the Okabe-Ito colour
    cycle, a light grid, and no top or right spines. Call it once at the top
    of a notebook, after importing matplotlib.

    Examples
    --------
    >>> import softmax_lib as sl
    >>> sl.use_book_style()
    >>> import matplotlib.pyplot as plt
    >>> plt.rcParams["axes.prop_cycle"].by_key()["color"][0]
    '#0072B2'
    """
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(
        {
            "figure.figsize": (7.5, 4.0),
            "figure.dpi": 110,
            "savefig.dpi": 110,
            "figure.constrained_layout.use": True,
            "font.size": 12,
            "axes.titlesize": 13,
            "axes.labelsize": 12,
            "legend.fontsize": 11,
            "xtick.labelsize": 11,
            "ytick.labelsize": 11,
            "axes.prop_cycle": cycler(color=list(OKABE_ITO)),
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "lines.linewidth": 2.0,
        }
    )
