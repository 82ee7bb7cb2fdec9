"""The cascade as a small server-rendered SVG: the risk on the left, each hop a column to the right,
CAUSES edges as arrows. No JavaScript, nothing fetched from elsewhere."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join

COLUMN, ROW, BOX_W, BOX_H = 190, 46, 160, 32


def cascade_svg(result: dict) -> str:
    origin = result.get("risk")
    if not origin:
        return ""
    nodes = [{**origin, "hops": 0}, *result["reached"]]
    columns: dict[int, list] = {}
    for node in nodes:
        columns.setdefault(node["hops"], []).append(node)
    position = {}
    for hop, members in columns.items():
        for row, node in enumerate(members):
            position[node["key"]] = (10 + hop * COLUMN, 10 + row * ROW)
    width = 20 + (max(columns) + 1) * COLUMN
    height = 20 + max(len(m) for m in columns.values()) * ROW
    lines = [
        (
            position[e["source"]][0] + BOX_W,
            position[e["source"]][1] + BOX_H // 2,
            position[e["target"]][0],
            position[e["target"]][1] + BOX_H // 2,
        )
        for e in result["edges"]
        if e["source"] in position and e["target"] in position
    ]
    boxes = [
        (x, y, BOX_W, BOX_H, x + 6, y + 14, node["code"], node["score"], x + 6, y + 27, (node["title"] or "")[:26])
        for node in nodes
        for x, y in [position[node["key"]]]
    ]
    return format_html(
        '<svg class="riskregister-cascade" xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" '
        'font-family="sans-serif" font-size="11">'
        '<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="8" refY="4" orient="auto">'
        '<path d="M0,0 L8,4 L0,8 z" fill="#888"/></marker></defs>{}{}</svg>',
        width,
        height,
        format_html_join(
            "",
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#888" marker-end="url(#arrow)"/>',
            lines,
        ),
        format_html_join(
            "",
            '<rect x="{}" y="{}" width="{}" height="{}" rx="4" fill="#f2f5f7" stroke="#417690"/>'
            '<text x="{}" y="{}" font-weight="bold">{} ({})</text><text x="{}" y="{}">{}</text>',
            boxes,
        ),
    )
