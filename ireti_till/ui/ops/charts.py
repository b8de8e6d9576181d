"""The only module that knows the plotting library (pyqtgraph): swap it here if needed.

``TimeSeriesChart`` draws one or more named series over time (Unix seconds on the x axis,
shown as local dates/times). Missing values (``None``) leave gaps: a percentile hidden for
lack of samples is not drawn as zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

_COLOURS = ("#1f6feb", "#d29922", "#cf222e", "#2da44e", "#8250df")

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
                                        symbol="o", symbolSize=4,
                                        symbolBrush=_COLOURS[i % len(_COLOURS)])
                self._curves[label] = curve
            if all(math.isnan(y) for y in ys):  # an all-gap series is normal (p99 hidden)
                curve.setData([], [])
            else:
                curve.setData(list(x_seconds), ys, connect="finite")

    def point_count(self, label: str) -> int:
        """Drawn (finite) points of a series, for tests."""
        curve = self._curves.get(label)
        if curve is None:
            return 0
        _xs, ys = curve.getData()
        return 0 if ys is None else int(sum(1 for y in ys if not math.isnan(y)))
