"""The /stats chart: answers per point, stacked by member, as a PNG that reads on a phone.

matplotlib is imported here, lazily, only when a chart is drawn: the bot starts without it,
and it uses the Agg backend (no display, safe in a server process).
"""

from __future__ import annotations

import io

from bot.stats import Stats
from bot.text import insight as text

MAX_MEMBERS = 8  # the rest are stacked together as "others"
WIDTH_INCHES, DPI = 6.0, 180  # 1080 px wide: a phone screen's width


def chart_png(stats: Stats) -> bytes:
    """Horizontal bars (a point per row, so long titles stay readable on a narrow screen)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    points = list(stats.points)
    shown = list(stats.members[:MAX_MEMBERS])
    others = {m.user_id for m in stats.members[MAX_MEMBERS:]}
    height = 2.4 + 0.5 * max(len(points), 1) + 0.25 * (len(shown) + bool(others))
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    axes = figure.add_subplot()
    labels = [_short(f"{p.number}. {p.title}") for p in points]
    rows = list(range(len(points)))
    left = [0] * len(points)
    series = [(m.name, {m.user_id}) for m in shown]
    if others:
        series.append((text.chart_others(), others))
    for name, users in series:
        values = [sum(stats.grid.get((u, p.number), 0) for u in users) for p in points]
        axes.barh(rows, values, left=left, label=_short(name, 24), height=0.7)
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.set_yticks(rows, labels)
    axes.invert_yaxis()
    axes.set_xlabel(text.chart_axis())
    axes.set_title(_short(text.chart_title(stats.exchange_title, stats.run_number), 60))
    axes.xaxis.get_major_locator().set_params(integer=True)
    if series:
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _short(label: str, limit: int = 34) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
