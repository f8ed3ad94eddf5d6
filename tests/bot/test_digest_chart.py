"""The portfolio chart: a valid PNG for 0, 1, 10 and 10,000 use cases, hostile titles included.

No timed assertions: bench/ measures speed. 10,000 points draw in well under a second here.
"""

from __future__ import annotations

import io
import random
import struct

import numpy as np
import pytest
from PIL import Image

from advisor import ChartPoint, Tier
from bot.jobs.chart import compact_png, portfolio_chart

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _points(count: int, seed: int = 3) -> list[ChartPoint]:
    rng = random.Random(seed)
    return [
        ChartPoint(
            use_case_id=number,
            title=f"$\\frac{{1}}{{0}}$ <!channel> \x1b[31m {number} " + "x" * rng.randrange(0, 300),
            tier=rng.choice(list(Tier)),
            annual_value_eur=rng.choice([0.0, float(rng.randrange(1_000, 50_000_000))]),
            annual_cost_eur=rng.choice([0.0, float(rng.randrange(1_000, 5_000_000))]),
            mlops_need=rng.randrange(0, 101),
        )
        for number in range(1, count + 1)
    ]


def _size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_SIGNATURE
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


@pytest.mark.parametrize("count", [0, 1, 10, 10_000])
def test_a_valid_png_for_any_size(count: int) -> None:
    png = portfolio_chart(_points(count), title="ML portfolio · 16 Nov – 22 Nov 2026")
    assert _size(png) == (1000, 650)
    with Image.open(io.BytesIO(png)) as image:
        image.verify()
    assert len(png) < 2_000_000  # well under Slack's upload limits


def test_values_of_one_scale_and_all_zero() -> None:
    same = [
        ChartPoint(use_case_id=n, title=f"u{n}", tier=Tier.LIGHTWEIGHT, annual_value_eur=1000.0 * n,
                   annual_cost_eur=0.0, mlops_need=50)
        for n in range(1, 5)
    ]  # fmt: skip
    zero = [point.model_copy(update={"annual_value_eur": 0.0}) for point in same]
    for points in (same, zero):
        assert _size(portfolio_chart(points)) == (1000, 650)


def test_the_same_points_draw_the_same_image() -> None:
    points = _points(10)
    assert portfolio_chart(points) == portfolio_chart(points)


def test_the_compact_chart_is_the_same_picture_in_far_fewer_bytes() -> None:
    full = portfolio_chart(_points(10_000), dpi=80)
    compact = compact_png(full)
    assert _size(compact) == _size(full) == (800, 520)
    # Small enough to travel inline in a Teams card (see bot.teams.posting).
    assert len(compact) < 150_000 < len(full)
    with Image.open(io.BytesIO(full)) as before, Image.open(io.BytesIO(compact)) as after:
        difference = np.abs(
            np.asarray(before.convert("RGB"), dtype=int)
            - np.asarray(after.convert("RGB"), dtype=int)
        )
    # A palette's rounding, not another picture: a few rare shades land a little further off.
    assert difference.mean() < 3
    assert np.percentile(difference, 99) < 40
