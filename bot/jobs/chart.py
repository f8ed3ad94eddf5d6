"""The portfolio chart: stated value against MLOps need, one bubble per use case, as a PNG.

Headless (matplotlib's Agg backend, chosen explicitly; no display, no pyplot state machine) and
fast for any size: one `scatter` call per tier, and labels for the most valuable few only, so
10,000 use cases draw in about the time of ten.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure

from advisor import ChartPoint, Tier
from bot.neutralise import clip

__all__ = ["LABELLED_MAX", "compact_png", "portfolio_chart"]

# Only this many bubbles carry a title: the most valuable ones.
LABELLED_MAX: Final = 10
_LABEL_MAX: Final = 40
# Bubble areas in points²: the smallest stays visible, the largest does not hide its neighbours.
_AREA_MIN: Final = 20.0
_AREA_MAX: Final = 900.0
# A value spread wider than this (max over the smallest positive) gets a log scale.
_LOG_SPREAD: Final = 100.0
_TIER_COLOURS: Final = {
    Tier.NO_BUSINESS_CASE: "#9e9e9e",
    Tier.FIX_FOUNDATIONS_FIRST: "#e07b39",
    Tier.LIGHTWEIGHT: "#4c9f70",
    Tier.MINIMUM_VIABLE_PROCESS: "#3b75af",
    Tier.FULL_MLOPS: "#7b3fa0",
}
_TIER_NAMES: Final = {
    Tier.NO_BUSINESS_CASE: "No business case",
    Tier.FIX_FOUNDATIONS_FIRST: "Fix foundations first",
    Tier.LIGHTWEIGHT: "Lightweight",
    Tier.MINIMUM_VIABLE_PROCESS: "Minimum viable process",
    Tier.FULL_MLOPS: "Full MLOps",
}


def portfolio_chart(
    points: Sequence[ChartPoint], *, title: str = "ML portfolio", dpi: int = 100
) -> bytes:
    """The chart as PNG bytes: x the MLOps need (0-100), y the stated yearly value, bubble area
    the yearly cost, colour the tier; the `LABELLED_MAX` most valuable bubbles are labelled.

    The value axis is logarithmic when the values spread over more than two orders of
    magnitude; use cases without a stated value then sit on the axis's floor. Titles are drawn
    as text, never as mathtext, so a `$` in one cannot break the drawing.
    """
    figure = Figure(figsize=(10, 6.5), dpi=dpi, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_title(_label(title, 120), parse_math=False)
    axes.set_xlabel("MLOps need (score, 0-100)")
    axes.set_ylabel("Stated yearly value (EUR)")
    axes.set_xlim(-5, 105)
    axes.grid(visible=True, alpha=0.3)

    if not points:
        axes.set_ylim(0, 1)
        axes.set_yticks([])
        axes.text(50, 0.5, "No assessed use cases yet", ha="center", va="center", color="#666666")
        return _png(figure)

    scale = _Scale.of(points)
    _draw_bubbles(axes, points, scale)
    _draw_value_axis(axes, points, scale)
    _label_most_valuable(axes, points, scale)
    _draw_legend(axes)
    return _png(figure)


@dataclass(frozen=True, slots=True)
class _Scale:
    """How values and costs become heights and bubble areas."""

    log: bool
    floor: float
    largest_cost: float
    smallest_area: float
    largest_area: float

    @classmethod
    def of(cls, points: Sequence[ChartPoint]) -> _Scale:
        positive = [point.annual_value_eur for point in points if point.annual_value_eur > 0]
        log = bool(positive) and max(positive) / min(positive) > _LOG_SPREAD
        # Smaller bubbles in a crowd: 10,000 of the largest size would cover the whole plot.
        crowd = min(1.0, math.sqrt(100 / len(points)))
        return cls(
            log=log,
            floor=min(positive) / 2 if log else 0.0,
            largest_cost=max(point.annual_cost_eur for point in points) or 1.0,
            smallest_area=_AREA_MIN * max(crowd, 0.25),
            largest_area=_AREA_MAX * crowd,
        )

    def area(self, cost: float) -> float:
        # Area grows with cost, by square root so one huge budget does not swallow the rest.
        share = math.sqrt(max(cost, 0.0) / self.largest_cost)
        return self.smallest_area + (self.largest_area - self.smallest_area) * share

    def height(self, value: float) -> float:
        return max(value, self.floor) if self.log else value


def _draw_bubbles(axes: Axes, points: Sequence[ChartPoint], scale: _Scale) -> None:
    # Fewer edges and more transparency as the crowd grows: 10,000 bubbles stay readable.
    alpha = 0.75 if len(points) <= 100 else max(0.15, 0.75 * math.sqrt(100 / len(points)))
    edge = 0.6 if len(points) <= 1_000 else 0.0
    for tier in Tier:
        mine = [point for point in points if point.tier is tier]
        if not mine:
            continue
        axes.scatter(
            [point.mlops_need for point in mine],
            [scale.height(point.annual_value_eur) for point in mine],
            s=[scale.area(point.annual_cost_eur) for point in mine],
            c=_TIER_COLOURS[tier],
            alpha=alpha,
            edgecolors="white",
            linewidths=edge,
            label=f"{_TIER_NAMES[tier]} ({len(mine):,})",
        )


def _draw_value_axis(axes: Axes, points: Sequence[ChartPoint], scale: _Scale) -> None:
    values = [point.annual_value_eur for point in points]
    if scale.log:
        axes.set_yscale("log")
        if any(value <= 0 for value in values):
            axes.axhline(scale.floor, color="#999999", linewidth=0.8, linestyle="--", zorder=0)
            axes.annotate(
                "no value stated",
                (1.0, scale.floor),
                xycoords=("axes fraction", "data"),
                xytext=(-4, 4),
                textcoords="offset points",
                ha="right",
                fontsize=8,
                color="#666666",
            )
    else:
        axes.set_ylim(bottom=0, top=max(max(values) * 1.15, 1.0))
    axes.yaxis.set_major_formatter(_euro)


def _label_most_valuable(axes: Axes, points: Sequence[ChartPoint], scale: _Scale) -> None:
    ranked = sorted(points, key=lambda point: (-point.annual_value_eur, point.use_case_id))
    labelled = LABELLED_MAX if len(points) <= 100 else LABELLED_MAX // 2
    for point in ranked[:labelled]:
        if point.annual_value_eur <= 0:
            break
        axes.annotate(
            _label(point.title, _LABEL_MAX),
            (point.mlops_need, scale.height(point.annual_value_eur)),
            xytext=(6, 6),
            textcoords="offset points",
            fontsize=8,
            parse_math=False,
        )


def _draw_legend(axes: Axes) -> None:
    legend = axes.legend(
        title="Verdict\n(bubble size:\nyearly cost)",
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8,
        title_fontsize=8,
    )
    for handle in legend.legend_handles:
        # The legend shows colours: same-sized, opaque markers, whatever the first bubble was.
        if isinstance(handle, PathCollection):
            handle.set_sizes([60.0])
            handle.set_alpha(0.9)


def _euro(value: float, _position: object = None) -> str:
    for size, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:g}"


def _label(text: str, limit: int) -> str:
    # One line, no control characters; `$` is not math (parse_math=False / usetex=False).
    cleaned = " ".join("".join(ch for ch in text if ch.isprintable()).split())
    return clip(cleaned, limit, "…") or "(untitled)"


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def compact_png(png: bytes, *, colours: int = 64) -> bytes:
    """The same picture as a palette PNG: a quarter of the bytes or less for a chart of a few
    flat colours, which matters where the image travels inline (Teams' cards, as a data URI).

    Pillow comes with matplotlib; anti-aliased edges keep enough shades in 64 colours.
    """
    from PIL import Image  # noqa: PLC0415

    with Image.open(io.BytesIO(png)) as picture:
        palette = picture.convert("RGB").quantize(colors=colours)
    buffer = io.BytesIO()
    palette.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
