"""The summary chart of report.html: findings by code and by the template's quota group, as inline SVG.

One horizontal bar per finding code, split into one segment per group (kczg-2020: 所属领域); a
legend under it. Plain SVG written here (no JS library, nothing fetched), so
the report stays one self-contained file and prints as drawn.
"""

from __future__ import annotations

from html import escape

from reports.model import code_name

DOMAIN_COLOURS: tuple[str, ...] = ("#1f6fb2", "#2a9d5c", "#d9822b", "#8e44ad", "#16a0a0", "#c0392b", "#7f8c8d")
"""Distinct hues that stay apart in grey print too (different lightness)."""

UNKNOWN_GROUP = "{label}不详"
"""The segment of findings whose nomination's group is not known, by the group's label (所属领域不详)."""
LABEL_WIDTH = 190  # px: the longest code name (技术就绪水平量值无效) at 13 px
BAR_WIDTH = 420  # px for the largest count
ROW_HEIGHT = 26
LEGEND_ROW = 22
FONT = "'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','SimHei',sans-serif"


def findings_chart_svg(counts: dict[str, dict[str, int]], domains: list[str], group_label: str) -> str:
    """SVG markup for ``counts[code][group]``; ``domains`` (the groups) fixes the segment order and colours;
    ``group_label`` is what the form calls them.

    An empty ``counts`` draws a one-line "no findings" figure, so the chart is
    never silently missing.
    """
    codes = sorted(counts, key=lambda c: (-sum(counts[c].values()), c))
    if not codes:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="400" height="40" font-family="{FONT}">'
            '<title>问题分布</title><text x="8" y="26" font-size="14">本批次未发现问题</text></svg>'
        )
    top = max(sum(counts[c].values()) for c in codes)
    scale = BAR_WIDTH / top
    colour = {d: DOMAIN_COLOURS[i % len(DOMAIN_COLOURS)] for i, d in enumerate(domains)}
    width = LABEL_WIDTH + BAR_WIDTH + 60
    legend_top = len(codes) * ROW_HEIGHT + 16
    height = legend_top + LEGEND_ROW * ((len(domains) + 3) // 4) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="{FONT}" font-size="13">',
        f"<title>按问题类型与{escape(group_label)}统计的问题数</title>",
    ]
    for row, code in enumerate(codes):
        y = row * ROW_HEIGHT + 4
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">{escape(code_name(code))}</text>')
        x = float(LABEL_WIDTH)
        for domain in domains:
            n = counts[code].get(domain, 0)
            if not n:
                continue
            w = n * scale
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{ROW_HEIGHT - 8}" fill="{colour[domain]}">'
                f"<title>{escape(code_name(code))} · {escape(domain)}：{n}</title></rect>"
            )
            x += w
        total = sum(counts[code].values())
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 15}" class="chart-total">{total}</text>')
    for i, domain in enumerate(domains):
        lx = 8 + (i % 4) * 160
        ly = legend_top + (i // 4) * LEGEND_ROW
        parts.append(f'<rect x="{lx}" y="{ly}" width="14" height="14" fill="{colour[domain]}"/>')
        parts.append(f'<text x="{lx + 20}" y="{ly + 12}">{escape(domain)}</text>')
    parts.append("</svg>")
    return "".join(parts)
