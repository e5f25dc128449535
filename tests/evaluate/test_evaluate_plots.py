"""Charts: each draws the expected lines and bars, saves as PNG and never calls plt.show()."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection

from autorisk.errors import ParameterError, SchemaError
from autorisk.evaluate import (
    compare,
    double_lift,
    gini,
    lift_table,
    lorenz_curve,
    plot_double_lift,
    plot_lift,
    plot_lorenz,
    plot_one_way,
    plot_relativities,
)
from autorisk.models import FrequencyGLM

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _no_show(monkeypatch):
    def show(*args, **kwargs):
        raise AssertionError("plots must not call plt.show()")

    monkeypatch.setattr(plt, "show", show)


@pytest.fixture(scope="module")
def book() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 3_000
    region = rng.choice(["N", "S", "E", "W"], n)
    exposure = rng.uniform(0.2, 1.0, n)
    truth = 0.1 * pd.Series(region).map({"N": 1.0, "S": 1.4, "E": 0.8, "W": 1.1}).to_numpy() * exposure
    return pd.DataFrame(
        {
            "region": pd.Categorical(region, categories=["N", "S", "E", "W"]),
            "exposure": exposure,
            "claims": rng.poisson(truth),
            "truth": truth,
            "flat": 0.1 * exposure,
        }
    )


def saved(ax, tmp_path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    ax.figure.savefig(path)
    assert path.read_bytes()[:8] == PNG


def test_one_way(book, tmp_path):
    ax = plot_one_way(book, "region", "claims", ["truth", "flat"], "exposure")
    assert [line.get_label() for line in ax.lines] == ["actual", "truth", "flat"]
    bars = ax.figure.axes[-1]
    assert bars is not ax and len(bars.patches) == 4
    heights = [patch.get_height() for patch in bars.patches]
    assert heights == pytest.approx(book.groupby("region", observed=True)["exposure"].sum().to_numpy())
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["N", "S", "E", "W"]
    actual_rate = book.groupby("region", observed=True).apply(lambda g: g["claims"].sum() / g["exposure"].sum())
    assert ax.lines[0].get_ydata() == pytest.approx(actual_rate.to_numpy())
    saved(ax, tmp_path, "one_way")


def test_one_way_labels_from_a_mapping_and_given_axes(book):
    _, given = plt.subplots()
    ax = plot_one_way(book, "region", "claims", {"GLM": "truth"}, "exposure", ax=given)
    assert ax is given
    assert [line.get_label() for line in ax.lines] == ["actual", "GLM"]


def test_lift_and_double_lift(book, tmp_path):
    table = lift_table(book["claims"], book["truth"], book["exposure"], n_bins=5)
    ax = plot_lift(table)
    assert len(ax.lines) == 2
    assert list(ax.lines[0].get_xdata()) == list(table.index)
    saved(ax, tmp_path, "lift")
    table = double_lift(book["claims"], book["truth"], book["flat"], book["exposure"], n_bins=4)
    ax = plot_double_lift(table, ("truth", "flat"))
    assert [line.get_label() for line in ax.lines] == ["actual", "truth", "flat"]
    saved(ax, tmp_path, "double_lift")
    with pytest.raises(SchemaError):
        plot_lift(book)


def test_lorenz_several_models_with_gini_in_legend(book, tmp_path):
    curves = {name: lorenz_curve(book["claims"], book[name], book["exposure"]) for name in ("truth", "flat")}
    ax = plot_lorenz(curves)
    assert len(ax.lines) == 3  # two models and the diagonal
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    value = gini(book["claims"], book["truth"], book["exposure"])
    assert labels[0] == f"truth (Gini {value:.3f})"
    assert labels[1] == "flat (Gini 0.000)"
    saved(ax, tmp_path, "lorenz")


def test_relativities_of_a_glm_with_band(book, tmp_path):
    model = FrequencyGLM(["region"]).fit(book[["region"]], book["claims"], exposure=book["exposure"])
    table = model.relativities()
    ax = plot_relativities(table, "region")
    assert len(ax.lines) == 2  # relativities and the reference line at 1
    assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 1  # the confidence band
    assert len(ax.figure.axes[-1].patches) == 4  # exposure bars
    assert ax.lines[0].get_ydata() == pytest.approx(table["relativity"].to_numpy())
    saved(ax, tmp_path, "relativities")


def test_relativities_without_interval_or_exposure_and_inestimable_levels():
    table = pd.DataFrame(
        {"factor": ["age"] * 3, "level": ["young", "mid", "old"], "relativity": [1.5, 1.0, 1e-9]}
    )
    ax = plot_relativities(table, "age")
    assert len(ax.collections) == 0 and len(ax.figure.axes) == 1
    table = table.assign(relativity_lower=[1.2, 1.0, 0.0], relativity_upper=[1.9, 1.0, np.inf])
    ax = plot_relativities(table, "age", exposure=False)
    assert len(ax.collections) == 1
    ax = plot_relativities(table, "age", levels=["old", "mid", "young"])
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["old", "mid", "young"]
    assert list(ax.lines[0].get_ydata()) == [1e-9, 1.0, 1.5]
    numeric = pd.DataFrame({"factor": "ncd", "level": [0, -1, 1, 2], "relativity": [1.0, 0.8, 1.2, 1.3]})
    ax = plot_relativities(numeric, "ncd")
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["-1", "0", "1", "2"]
    with pytest.raises(ParameterError, match="factors: \\['age'\\]"):
        plot_relativities(table, "region")


def test_comparison_charts(book, tmp_path):
    result = compare({"truth": book["truth"], "flat": book["flat"]}, book, target="claims", family="poisson", n_bins=5)
    ax = result.plot_one_way("region")
    assert [line.get_label() for line in ax.lines] == ["actual", "truth", "flat"]
    assert len(ax.figure.axes[-1].patches) == 4
    assert len(result.plot_lorenz().lines) == 3
    assert len(result.plot_lift("truth").lines) == 2
    assert len(result.plot_double_lift("truth", "flat").lines) == 3
    figure = result.plot()
    visible = [ax for ax in figure.axes if ax.get_visible()]
    assert len(visible) == 4  # Lorenz, two lift charts, double lift
    path = tmp_path / "dashboard.png"
    figure.savefig(path)
    assert path.read_bytes()[:8] == PNG
