"""A small layered layout with orthogonal edges: a readable drawing without Graphviz.

The BPMN export lays its diagram out with Graphviz ``dot`` when it is
installed; this is what it uses otherwise.  Left to right, like dot:

* every box goes into a column by the longest path from the first box over
  the graph without its back edges (found by a depth-first search), and into
  a row near the mean row of its predecessors;
* every row is a band as tall as the tallest box, every column as wide as its
  widest box; between two columns lies a *channel* and between two rows a
  *gap*, where no box ever is;
* an edge leaves its source on the right and enters its target on the left,
  and runs vertically only inside channels and horizontally only inside its
  source's or target's own row band or inside a gap, each on a track (x in a
  channel, y in a gap) of its own -- so no segment can pass through a box it
  does not connect;
* each label goes to the first place along its edge where it overlaps no box
  and no label placed before it, preferring places that cross no other edge.

Coordinates are pixels, y downwards; same input, same output.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Box = tuple[float, float, float, float]
"""x, y (top left), width, height."""
Point = tuple[float, float]

MARGIN = 40.0
STEP = 10.0
"""Distance between two tracks in a channel or a gap."""
PAD = 16.0
"""Room between a box and the first track beside it."""
LABEL_ROOM = 130.0
"""Extra width of a channel, and height of a gap, for the labels placed there."""


@dataclass(frozen=True)
class Item:
    id: str
    width: float
    height: float


@dataclass(frozen=True)
class Link:
    id: str
    source: str
    target: str
    label: tuple[float, float] | None = None
    """Width and height of the edge's label, or None for an edge without one."""


@dataclass(frozen=True)
class Layout:
    boxes: dict[str, Box]
    routes: dict[str, list[Point]]
    labels: dict[str, Box]


def _columns(items: Sequence[Item], links: Sequence[Link]) -> tuple[dict[str, int], set[str]]:
    """Each box's column (longest path from the first box), and the ids of the back edges."""
    out: dict[str, list[Link]] = {i.id: [] for i in items}
    for link in links:
        out[link.source].append(link)
    seen: dict[str, int] = {}  # 1 on the stack, 2 done
    back: set[str] = set()
    finished: list[str] = []
    for root in items:
        if root.id in seen:
            continue
        seen[root.id] = 1
        stack: list[tuple[str, int]] = [(root.id, 0)]
        while stack:
            node, i = stack.pop()
            if i < len(out[node]):
                stack.append((node, i + 1))
                link = out[node][i]
                state = seen.get(link.target)
                if state == 1:
                    back.add(link.id)
                elif state is None:
                    seen[link.target] = 1
                    stack.append((link.target, 0))
            else:
                seen[node] = 2
                finished.append(node)
    column = {i.id: 0 for i in items}
    for node in reversed(finished):  # a topological order of the graph without its back edges
        for link in out[node]:
            if link.id not in back:
                column[link.target] = max(column[link.target], column[node] + 1)
    return column, back


def _rows(items: Sequence[Item], links: Sequence[Link], column: dict[str, int], back: set[str]) -> dict[str, int]:
    """Each box's row: near the mean row of its predecessors, in definition order on a tie."""
    order = {item.id: n for n, item in enumerate(items)}
    preds: dict[str, list[str]] = {i.id: [] for i in items}
    for link in links:
        if link.id not in back and link.source != link.target:
            preds[link.target].append(link.source)
    row: dict[str, int] = {}
    for c in sorted(set(column.values())):
        members = [i.id for i in items if column[i.id] == c]

        def wish(node: str) -> float:
            placed = [row[p] for p in preds[node] if p in row]
            return sum(placed) / len(placed) if placed else float(order[node])

        last = -1
        for node in sorted(members, key=lambda n: (wish(n), order[n])):
            last = max(round(wish(node)) if preds[node] else last + 1, last + 1)
            row[node] = last
    return row


def _overlap(a: Box, b: Box, pad: float = 0.0) -> bool:
    return (a[0] < b[0] + b[2] + pad and b[0] < a[0] + a[2] + pad
            and a[1] < b[1] + b[3] + pad and b[1] < a[1] + a[3] + pad)


def _crosses(box: Box, p: Point, q: Point) -> bool:
    """Whether the axis-parallel segment p-q passes through the inside of ``box``."""
    x, y, w, h = box
    if p[1] == q[1]:
        lo, hi = sorted((p[0], q[0]))
        return y < p[1] < y + h and lo < x + w and hi > x
    lo, hi = sorted((p[1], q[1]))
    return x < p[0] < x + w and lo < y + h and hi > y


def layered(items: Sequence[Item], links: Sequence[Link]) -> Layout:
    """Boxes, orthogonal routes and label places for a directed graph; the first item is the start."""
    column, back = _columns(items, links)
    row = _rows(items, links, column, back)
    size = {i.id: (i.width, i.height) for i in items}
    n_cols = max(column.values(), default=0) + 1
    n_rows = max(row.values(), default=0) + 1
    band = max((i.height for i in items), default=0.0)
    col_width = [max((size[n][0] for n in size if column[n] == c), default=0.0) for c in range(n_cols)]

    # Which tracks each edge needs: x in the channel after its source's column (and before its
    # target's), y in a gap between rows (0 above the first row, n_rows below the last).
    need: dict[str, tuple[int | None, int | None, int | None]] = {}
    for link in links:
        cu, cv, ru, rv = column[link.source], column[link.target], row[link.source], row[link.target]
        if cv == cu + 1:
            need[link.id] = (None if ru == rv else cu, None, None)
        else:
            if ru != rv:
                between = max(ru, rv)  # the gap between the two rows
            else:
                between = ru + 1 if cv > cu else ru  # below for a long jump forward, above for a way back
            need[link.id] = (cu, between, cv - 1)
    channel_tracks: dict[int, list[str]] = {}
    gap_tracks: dict[int, list[str]] = {}
    for link in links:
        first, gap, second = need[link.id]
        if first is not None:
            channel_tracks.setdefault(first, []).append(link.id)
        if gap is not None:
            gap_tracks.setdefault(gap, []).append(link.id)
        if second is not None:  # never the first: a jump or a way back crosses at least one column
            channel_tracks.setdefault(second, []).append(link.id + "\0in")

    def channel_width(k: int) -> float:
        return 2 * PAD + STEP * max(len(channel_tracks.get(k, [])) - 1, 0) + LABEL_ROOM

    def gap_height(g: int) -> float:
        return 2 * PAD + STEP * max(len(gap_tracks.get(g, [])) - 1, 0) + (
            LABEL_ROOM / 4 if 0 < g < n_rows else 0.0)

    col_x: list[float] = []
    x = MARGIN + (channel_width(-1) if -1 in channel_tracks else 0.0)
    for c in range(n_cols):
        col_x.append(x)
        x += col_width[c] + channel_width(c)
    row_y: list[float] = []
    y = MARGIN + (gap_height(0) if 0 in gap_tracks else 0.0)
    for r in range(n_rows):
        row_y.append(y)
        y += band + gap_height(r + 1)

    boxes: dict[str, Box] = {}
    for item in items:
        c, r = column[item.id], row[item.id]
        cx, cy = col_x[c] + col_width[c] / 2, row_y[r] + band / 2
        boxes[item.id] = (cx - item.width / 2, cy - item.height / 2, item.width, item.height)

    def channel_x(k: int, key: str) -> float:
        left = col_x[k] + col_width[k] if k >= 0 else col_x[0] - channel_width(-1)
        return left + PAD + STEP * channel_tracks[k].index(key)

    def gap_y(g: int, key: str) -> float:
        top = row_y[g - 1] + band if g > 0 else row_y[0] - gap_height(0)
        return top + PAD + STEP * gap_tracks[g].index(key)

    routes: dict[str, list[Point]] = {}
    for link in links:
        sx, sy, sw, sh = boxes[link.source]
        tx, ty, tw, th = boxes[link.target]
        start, end = (sx + sw, sy + sh / 2), (tx, ty + th / 2)
        first, gap, second = need[link.id]
        if first is None:
            routes[link.id] = [start, end]
        elif gap is None:
            x1 = channel_x(first, link.id)
            routes[link.id] = [start, (x1, start[1]), (x1, end[1]), end]
        else:
            assert second is not None
            x1, yt, x2 = channel_x(first, link.id), gap_y(gap, link.id), channel_x(second, link.id + "\0in")
            routes[link.id] = [start, (x1, start[1]), (x1, yt), (x2, yt), (x2, end[1]), end]
    return Layout(boxes, routes, _labels(links, boxes, routes))


def _labels(links: Sequence[Link], boxes: dict[str, Box], routes: dict[str, list[Point]]) -> dict[str, Box]:
    """A place for each label next to its edge, overlapping no box and no other label."""
    segments = [(link.id, p, q) for link in links for p, q in zip(routes[link.id], routes[link.id][1:], strict=False)]
    placed: dict[str, Box] = {}
    bottom = max((b[1] + b[3] for b in boxes.values()), default=0.0)
    for link in links:
        if link.label is None:
            continue
        w, h = link.label
        best: tuple[float, Box] | None = None
        route = routes[link.id]
        own = [(p, q) for p, q in zip(route, route[1:], strict=False)]
        # A label goes beside a stretch the edge does not share with another (the stub leaving a
        # gateway is everyone's): there it can only be read as this edge's.
        alone = [not any(other != link.id and _shared(p, q, a, b) for other, a, b in segments) for p, q in own]
        walked = 0.0  # how far along the edge a segment starts: a label is best near the start
        for n, (p, q) in enumerate(own):
            if any(alone) and not alone[n]:
                walked += abs(q[0] - p[0]) + abs(q[1] - p[1])
                continue
            for cand in _candidates(p, q, w, h):
                if any(_overlap(cand, b, 4) for b in boxes.values()) or any(
                        _overlap(cand, b, 2) for b in placed.values()):
                    continue
                near = (cand[0] - 6, cand[1] - 6, cand[2] + 12, cand[3] + 12)  # another edge close by misleads too
                crossings = sum(1 for other, a, b in segments if other != link.id and _crosses(near, a, b))
                score = crossings * 400 + walked + abs(cand[0] + w / 2 - p[0]) + abs(cand[1] + h / 2 - p[1])
                if best is None or score < best[0]:
                    best = (score, cand)
            walked += abs(q[0] - p[0]) + abs(q[1] - p[1])
        if best is None:  # nowhere beside the edge: below the drawing, at the edge's start
            x0 = route[0][0]
            cand = (x0, bottom + 20, w, h)
            while any(_overlap(cand, b, 2) for b in placed.values()):
                cand = (x0, cand[1] + h + 4, w, h)
            best = (0.0, cand)
        placed[link.id] = tuple(round(v, 1) for v in best[1])  # type: ignore[assignment]
    return placed


def _shared(p: Point, q: Point, a: Point, b: Point) -> bool:
    """Whether the axis-parallel segments p-q and a-b lie on one line and overlap."""
    if p[1] == q[1] == a[1] == b[1]:
        return min(max(p[0], q[0]), max(a[0], b[0])) - max(min(p[0], q[0]), min(a[0], b[0])) > 0
    if p[0] == q[0] == a[0] == b[0]:
        return min(max(p[1], q[1]), max(a[1], b[1])) - max(min(p[1], q[1]), min(a[1], b[1])) > 0
    return False


def _candidates(p: Point, q: Point, w: float, h: float) -> list[Box]:
    """Label boxes touching the segment p-q: above and below a horizontal one, beside a vertical one."""
    out: list[Box] = []
    if p[1] == q[1]:
        lo, hi = sorted((p[0], q[0]))
        if hi - lo < 12:
            return out
        for x in (lo + 6, (lo + hi - w) / 2, hi - w - 6):
            out += [(x, p[1] - h - 3, w, h), (x, p[1] + 3, w, h)]
    else:
        lo, hi = sorted((p[1], q[1]))
        if hi - lo < 12:
            return out
        for y in (lo + 4, (lo + hi - h) / 2, hi - h - 4):
            out += [(p[0] + 4, y, w, h), (p[0] - w - 4, y, w, h)]
    return out
