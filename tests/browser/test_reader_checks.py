"""Tests of the reader checks (test_reader.py) on made-up facts: each must
fail on the defect it exists for and pass on a good figure. No browser needed."""

from __future__ import annotations

import io
from pathlib import Path

from site_checks import check_alt_text, check_axe, check_figure_text, png_dpi, smallest_font_pt

BASE = "http://127.0.0.1:1/"


def _png(path: Path, width_in: float, dpi: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width_in, 2))
    ax.plot([0, 1])
    fig.savefig(path, dpi=dpi)
    plt.close(fig)


def _fig(src, natural, shown, alt="A line rising from 0 to 1."):
    return {"src": src, "url": BASE + src, "alt": alt, "naturalWidth": natural, "width": shown,
            "visible": True, "figure": True}


def test_png_dpi_reads_what_matplotlib_wrote(tmp_path):
    _png(tmp_path / "a.png", 2, 120)
    assert abs(png_dpi((tmp_path / "a.png").read_bytes()) - 120) < 0.5
    assert png_dpi(b"not a png") is None


def test_a_wide_figure_on_a_phone_fails_and_a_book_style_one_passes(tmp_path):
    _png(tmp_path / "wide.png", 9, 110)   # the old 9-inch figure: 990 px
    _png(tmp_path / "book.png", 5, 120)   # the style's 5-inch figure: 600 px
    font = smallest_font_pt()
    wide = check_figure_text("p", [_fig("wide.png", 990, 358)], "phone", tmp_path, BASE, font)
    book = check_figure_text("p", [_fig("book.png", 600, 358)], "phone", tmp_path, BASE, font)
    assert wide and "CSS px tall" in wide[0].problem
    assert not book
    assert not check_figure_text("p", [_fig("book.png", 600, 600)], "desktop", tmp_path, BASE, font)


def test_an_upscaled_figure_fails(tmp_path):
    _png(tmp_path / "book.png", 5, 120)
    found = check_figure_text("p", [_fig("book.png", 600, 700)], "desktop", tmp_path, BASE, smallest_font_pt())
    assert found and "upscaled" in found[0].problem


def test_alt_text_that_is_a_path_or_empty_fails():
    bad = [_fig("x.png", 1, 1, alt="../_images/049e8e5bced00a7926edf0bbd043a3ade01f5fac.png"),
           _fig("y.png", 1, 1, alt=""), _fig("z.png", 1, 1, alt=None)]
    assert len(check_alt_text("p", bad)) == 3
    assert not check_alt_text("p", [_fig("x.png", 1, 1)])


def test_axe_serious_and_critical_fail_minor_passes():
    v = lambda impact: {"id": "r", "impact": impact, "help": "h", "nodes": 1, "target": ["a"]}
    assert len(check_axe("p", [v("critical"), v("serious"), v("moderate"), v("minor")], "dark")) == 2
