"""The only module that knows the plotting library (pyqtgraph): swap it here if needed.

``TimeSeriesChart`` draws one or more named series over time (Unix seconds on the x axis,
shown as local dates/times). Missing values (``None``) leave gaps: a percentile hidden for
lack of samples is not drawn as zero.

Ranges are set, not left to auto-range: the x axis spans at least ``MIN_SPAN_S`` (a single
minute's point would otherwise get a one-second axis with odd ticks), centred on the
data; the y axis runs from zero (or the lowest value, if negative) to a little above the
highest, so one point sits visibly inside the plot with a marker, not on a ±0.5 sliver.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

_COLOURS = ("#1f6feb", "#d29922", "#cf222e", "#2da44e", "#8250df")
MIN_SPAN_S = 30 * 60.0  # the narrowest time window shown
HEADROOM = 0.15  # above the highest value

pg.setConfigOptions(antialias=False, background="w", foreground="#24292f")


class TimeSeriesChart(QWidget):
    def __init__(self, title: str, y_label: str, parent: QWidget | None = None,
                 y_range: tuple[float, float] | None = None) -> None:
        super().__init__(parent)
        self._plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self._plot.setTitle(title)
        self._plot.setLabel("left", y_label)
        self._plot.showGrid(x=True, y=True, alpha=0.2)
        self._plot.setMouseEnabled(x=False, y=False)
        self._plot.addLegend(offset=(10, 10))
        self._y_range = y_range
        if y_range is not None:
            self._plot.setYRange(*y_range, padding=0.02)
        self._curves: dict[str, pg.PlotDataItem] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._plot)

    def set_series(self, x_seconds: Sequence[float],
                   series: Mapping[str, Sequence[float | None]]) -> None:
        for i, (label, values) in enumerate(series.items()):
            ys = [math.nan if v is None else float(v) for v in values]
            curve = self._curves.get(label)
            if curve is None:
                pen = pg.mkPen(_COLOURS[i % len(_COLOURS)], width=2)
                curve = self._plot.plot([], [], name=label, pen=pen, connect="finite",
                                        symbol="o", symbolSize=7,
                                        symbolBrush=_COLOURS[i % len(_COLOURS)])
                self._curves[label] = curve
            if all(math.isnan(y) for y in ys):  # an all-gap series is normal (p99 hidden)
                curve.setData([], [])
            else:
                curve.setData(list(x_seconds), ys, connect="finite")
        self._fit()

    def _finite_points(self) -> list[tuple[float, float]]:
        points: list[tuple[float, float]] = []
        for curve in self._curves.values():
            xs, ys = curve.getData()
            if xs is None or ys is None:
                continue
            points += [(float(x), float(y)) for x, y in zip(xs, ys, strict=False)
                       if not math.isnan(y)]
        return points

    def _fit(self) -> None:
        points = self._finite_points()
        if not points:
            return
        xs = [x for x, _y in points]
        lo, hi = min(xs), max(xs)
        if hi - lo < MIN_SPAN_S:
            mid = (lo + hi) / 2
            lo, hi = mid - MIN_SPAN_S / 2, mid + MIN_SPAN_S / 2
        self._plot.setXRange(lo, hi, padding=0.02)
        if self._y_range is None:
            ys = [y for _x, y in points]
            bottom, top = min(0.0, min(ys)), max(ys)
            span = top - bottom or max(abs(top), 1.0)
            self._plot.setYRange(bottom, top + span * HEADROOM, padding=0)

    def view_range(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """((x0, x1), (y0, y1)) shown, for tests."""
        (x0, x1), (y0, y1) = self._plot.getViewBox().viewRange()
        return (x0, x1), (y0, y1)

    def point_count(self, label: str) -> int:
        """Drawn (finite) points of a series, for tests."""
        curve = self._curves.get(label)
        if curve is None:
            return 0
        _xs, ys = curve.getData()
        return 0 if ys is None else int(sum(1 for y in ys if not math.isnan(y)))
