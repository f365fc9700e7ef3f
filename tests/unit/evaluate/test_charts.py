"""Figure builders: the clickable confusion matrix, probability bars, calibration charts."""

from __future__ import annotations

from lib.evaluate import charts, metrics
from lib.evaluate.metrics import INVALID


def test_confusion_matrix_has_a_clickable_point_on_every_cell() -> None:
    report = metrics.classification_report(["a", "a", "b"], ["a", "zz", "b"])
    fig = charts.confusion_figure(report.confusion_labels, report.confusion, title="m")
    heat, overlay = fig.data
    assert heat.type == "heatmap" and overlay.type == "scatter"
    assert list(heat.y) == ["a", "b"] and list(heat.x) == [
        "a",
        "b",
        INVALID,
    ]  # no empty invalid row
    assert [tuple(c) for c in overlay.customdata] == [
        (g, p) for g in ("a", "b") for p in ("a", "b", INVALID)
    ]
    assert overlay.marker.opacity == 0 and overlay.hoverinfo != "skip"  # "skip" would drop clicks
    assert [list(r) for r in heat.z] == [[1, 0, 1], [0, 1, 0]]
    normalised = charts.confusion_figure(
        report.confusion_labels, report.confusion, title="m", normalise=True
    )
    assert list(normalised.data[0].z[0]) == [0.5, 0.0, 0.5]


def test_selected_cell_reads_streamlits_selection_event() -> None:
    event = {"selection": {"points": [{"x": "b", "y": "a", "customdata": ["a", "b"]}]}}
    assert charts.selected_cell(event) == ("a", "b")
    assert charts.selected_cell({"selection": {"points": []}}) is None
    assert charts.selected_cell(None) is None


def test_token_bars_side_by_side() -> None:
    fig = charts.token_bars(
        {"base": [(" 4", 0.9831), (" 5", 0.0165)], "tuned": [("4", 0.5)]}, title="t"
    )
    assert [trace.name for trace in fig.data] == ["base", "tuned"]
    assert list(fig.data[0].x) == ["' 4'", "' 5'"]  # a leading space stays visible
    assert list(fig.data[0].text) == ["0.9831", "0.0165"]


def test_calibration_and_coverage_figures() -> None:
    cal = metrics.calibration([0.9, 0.2], [True, False], n_bins=5)
    fig = charts.reliability_diagram({"m": cal})
    assert "ECE" in fig.data[1].name
    curve = metrics.coverage_curve([0.9, 0.2], [True, False])
    assert len(charts.coverage_figure({"m": curve}, threshold=0.5).data) == 1
    assert len(charts.confidence_histogram({"a": [0.1], "b": [0.9]}).data) == 2
