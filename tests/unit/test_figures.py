"""Figures are written as non-empty PNG and SVG files, atomically, and refuse what they cannot draw."""
import xml.etree.ElementTree as ElementTree

import pytest

from simnet.projection.fits import fit_power_law
from simnet.projection.ladder import LADDER_ML, LADDER_PROJECTION, LADDER_STATED, LadderEntry
from simnet.report.figures import plot_ladder, plot_scaling

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_figure_files(paths, stem):
    assert [p.name for p in paths] == [f"{stem.name}.png", f"{stem.name}.svg"]
    png, svg = paths
    assert png.read_bytes()[:8] == PNG_SIGNATURE and png.stat().st_size > 1000
    root = ElementTree.parse(svg).getroot()
    assert root.tag.endswith("svg")
    leftovers = [p for p in stem.parent.iterdir() if p.name.endswith(".tmp")]
    assert not leftovers


def test_plot_scaling_writes_png_and_svg(tmp_path):
    x = [1e3, 2e3, 4e3, 8e3]
    y = [0.1, 0.21, 0.39, 0.85]
    two_points = fit_power_law(x[:2], y[:2])  # no interval: drawn without a band
    stem = tmp_path / "sub" / "scaling"
    paths = plot_scaling({"cpp": list(zip(x, y)), "runtime": [(1e3, 1.0), (2e3, 2.2)]},
                         {"cpp": fit_power_law(x, y), "runtime": two_points}, "neurons", "wall s per bio s",
                         "test", stem)
    assert_figure_files(paths, stem)
    assert "exponent" in paths[1].read_text()  # the legend states the exponent


def test_plot_scaling_refuses_non_positive_points(tmp_path):
    with pytest.raises(ValueError):
        plot_scaling({"cpp": [(0.0, 1.0)]}, {}, "x", "y", "t", tmp_path / "bad")
    assert not list(tmp_path.iterdir())


def test_plot_ladder_writes_png_and_svg(tmp_path):
    entries = [LadderEntry("GPT-3", 3.14e23, LADDER_ML), LadderEntry("doc", 3.82e24, LADDER_STATED),
               LadderEntry("simnet", 3.7e24, LADDER_PROJECTION), LadderEntry("nothing", 0.0, LADDER_ML)]
    stem = tmp_path / "ladder"
    paths = plot_ladder(entries, stem)
    assert_figure_files(paths, stem)
    svg = paths[1].read_text()
    assert "GPT-3" in svg and "simnet" in svg
    with pytest.raises(ValueError):
        plot_ladder([LadderEntry("nothing", 0.0, LADDER_ML)], tmp_path / "empty")
