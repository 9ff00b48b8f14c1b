"""Exercise illustrations drawn from data: an exercise's `figure` becomes an accessible inline SVG.

Pure Python. The same SVG is embedded in the library pages and in the PDF handouts. It uses presentation
attributes only (no `style`, no scripts, no ids, no links), so it passes a strict Content Security Policy and
two figures never clash on one page. Every text is escaped.

A figure shows a line drawing of a person in two frames side by side, start then end:

    {"view": "side",                       # "side" or "front"
     "near": "right",                      # side view only: the body side nearer the viewer (the other is paler)
     "description": "Lying on your back …",  # the text alternative: what the two drawings show
     "moving": ["trunk", "right_leg"],     # body parts drawn in the highlight colour (BODY_PARTS)
     "labels": ["Start", "End"],           # optional captions under the frames (default "Start", "End")
     "crop": [40, 100],                    # optional: the band of y shown, for lying poses (default [0, 100])
     "start": {pose}, "end": {pose},
     "props": [{"type": "floor", "y": 94}, …],   # optional, see PROP_FIELDS
     "arrows": [{"frame": "start", "from": [40, 60], "to": [40, 40], "bend": 0.3, "both": false}]}  # optional

A pose gives every joint of JOINTS as [x, y] in a 100 × 100 frame, x to the right and y downwards; the floor is
usually at y = 94. `left_*` and `right_*` are the person's own left and right. Body parts join the joints: the
head is a circle around `head`, the trunk runs from `neck` to `hip`, an arm from `neck` through the elbow to the
hand, a leg from `hip` through the knee and ankle to the toe.

Props stay put between the frames, except those anchored to a joint (a band from "left_knee" to "right_knee"
stretches with the knees). An anchor is a joint name or a point [x, y]. An arrow's `bend` curves it (a fraction
of its length, to the left of its direction when positive); `both` puts a head on each end.
"""

import math
from html import escape

JOINTS = (
    "head",
    "neck",
    "hip",
    "left_elbow",
    "left_hand",
    "right_elbow",
    "right_hand",
    "left_knee",
    "left_ankle",
    "left_toe",
    "right_knee",
    "right_ankle",
    "right_toe",
)
LIMBS = {
    "left_arm": ("neck", "left_elbow", "left_hand"),
    "right_arm": ("neck", "right_elbow", "right_hand"),
    "left_leg": ("hip", "left_knee", "left_ankle", "left_toe"),
    "right_leg": ("hip", "right_knee", "right_ankle", "right_toe"),
}
BODY_PARTS = ("head", "trunk", *LIMBS)
VIEWS = ("side", "front")
SIDES = ("left", "right")
FRAMES = ("start", "end")

# What each prop type needs: "number", "point" [x, y], "anchor" (a joint name or a point), "range" [from, to]
# or "side" ("left"/"right").
PROP_FIELDS = {
    "floor": {"y": "number"},
    "mat": {"x": "range", "y": "number"},
    "wall": {"x": "number", "y": "number"},
    "step": {"x": "number", "y": "number", "width": "number", "height": "number"},
    "cushion": {"x": "number", "y": "number", "width": "number", "height": "number"},
    "mirror": {"x": "number", "y": "number", "width": "number", "height": "number"},
    "chair": {"x": "range", "y": "number", "back": "side", "floor": "number"},
    "ball": {"at": "anchor", "r": "number"},
    "roller": {"at": "anchor", "r": "number"},
    "band": {"from": "anchor", "to": "anchor"},
    "strap": {"from": "anchor", "to": "anchor"},
    "weight": {"at": "anchor"},
    "bike": {"seat": "point", "bars": "point", "crank": "point", "floor": "number"},
    "cross_trainer": {"column": "point", "floor": "number"},
    "water": {"y": "number"},
    "metronome": {"at": "point"},
}
# Drawn after the person (the rest are drawn behind).
FRONT_PROPS = {"band", "strap", "weight", "water", "metronome"}
FIGURE_KEYS = {"view", "near", "description", "moving", "labels", "crop", "start", "end", "props", "arrows"}
ARROW_KEYS = {"frame", "from", "to", "bend", "both"}
MAX_TEXT = 300
MAX_LABEL = 24
MAX_PROPS = 12
MAX_ARROWS = 3
MIN_CROP = 30

FRAME = 100  # a frame is FRAME × FRAME units
GAP = 24  # between the frames, with a chevron in it
CAPTION = 16  # below the frames
WIDTH = 2 * FRAME + GAP

# Colours: the body and arrows keep at least 4.5:1 contrast on the frame's background, pale parts at least 3:1.
INK = "#1f2d3d"
INK_FAR = "#6f7d8c"
HIGHLIGHT = "#c2410c"
HIGHLIGHT_FAR = "#e07a4a"
ARROW = "#0b5552"
BACKGROUND = "#f4f7f9"
PROP_LINE = "#7d8fa3"
PROP_FILL = "#e1e8ef"
MAT_FILL = "#c9e2df"
BAND = "#1c6fc4"
STRAP = "#9a6b4f"
WATER = "#4a9fd8"
CAPTION_INK = "#334155"
FONT = "'Source Sans 3', Helvetica, Arial, sans-serif"

TRUNK_WIDTH = 7
LIMB_WIDTH = 5.5
HEAD_RADIUS = 6.5


def figure_problems(figure) -> list[str]:
    """What is wrong with a figure's data, one line each; empty when `render_figure` can draw it."""
    if not isinstance(figure, dict):
        return ["figure must be an object"]
    problems = [f"figure: unknown key {key}" for key in sorted(set(figure) - FIGURE_KEYS)]
    if figure.get("view") not in VIEWS:
        problems.append(f"figure: view must be one of {', '.join(VIEWS)}")
    if figure.get("view") == "side" and figure.get("near") not in SIDES:
        problems.append("figure: a side view needs near: left or right")
    if not _is_text(figure.get("description"), MAX_TEXT):
        problems.append(f"figure: description must be text of 1 to {MAX_TEXT} characters")
    moving = figure.get("moving", [])
    if not (isinstance(moving, list) and all(isinstance(part, str) and part in BODY_PARTS for part in moving)):
        problems.append(f"figure: moving must list body parts from {', '.join(BODY_PARTS)}")
    crop = figure.get("crop", [0, FRAME])
    if not (_is_point(crop) and crop[0] >= 0 and crop[1] <= FRAME and crop[1] - crop[0] >= MIN_CROP):
        problems.append(f"figure: crop must be [top, bottom] within 0 to {FRAME}, at least {MIN_CROP} apart")
    labels = figure.get("labels", ["Start", "End"])
    if not (isinstance(labels, list) and len(labels) == 2 and all(_is_text(label, MAX_LABEL) for label in labels)):
        problems.append(f"figure: labels must be two texts of up to {MAX_LABEL} characters")
    for frame in FRAMES:
        problems += _pose_problems(figure.get(frame), frame)
    problems += _list_problems(figure.get("props", []), "props", MAX_PROPS, _prop_problems)
    problems += _list_problems(figure.get("arrows", []), "arrows", MAX_ARROWS, _arrow_problems)
    return problems


def render_figure(figure: dict, *, title: str) -> str:
    """The figure as an inline SVG string with a title and a text alternative.

    `figure` must be valid (see `figure_problems`); raises ValueError otherwise.
    """
    problems = figure_problems(figure)
    if problems:
        raise ValueError("; ".join(problems))
    top, bottom = figure.get("crop", [0, FRAME])
    height = bottom - top
    labels = figure.get("labels", ["Start", "End"])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height + CAPTION:g}" role="img" '
        'class="exercise-figure">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(figure['description'])}</desc>",
    ]
    for index, frame in enumerate(FRAMES):
        left = index * (FRAME + GAP)
        # A nested viewport shows the cropped band and clips whatever lies outside it.
        parts.append(
            f'<svg x="{left}" y="0" width="{FRAME}" height="{height:g}" viewBox="0 {top:g} {FRAME} {height:g}">'
        )
        parts.append(f'<rect x="0" y="{top:g}" width="{FRAME}" height="{height:g}" rx="8" fill="{BACKGROUND}"/>')
        parts += _frame(figure, frame)
        parts.append("</svg>")
        parts.append(
            f'<text x="{left + FRAME / 2:g}" y="{height + 12:g}" text-anchor="middle" font-family="{FONT}" '
            f'font-size="10" fill="{CAPTION_INK}">{escape(labels[index])}</text>'
        )
    middle_x, middle_y = FRAME + GAP / 2, height / 2
    chevron = [[middle_x - 3, middle_y - 7], [middle_x + 4, middle_y], [middle_x - 3, middle_y + 7]]
    parts.append(_line(chevron, PROP_LINE, 3))
    parts.append("</svg>")
    return "".join(parts)


# --- validation helpers ---------------------------------------------------------------------------------------


def _is_number(value) -> bool:
    if isinstance(value, bool):
        return False
    # A whole number is always finite (math.isfinite would overflow on one of hundreds of digits).
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def _is_coordinate(value) -> bool:
    return _is_number(value) and -FRAME <= value <= 2 * FRAME


def _is_point(value) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(_is_coordinate(v) for v in value)


def _is_text(value, limit) -> bool:
    return isinstance(value, str) and len(value.strip()) > 0 and len(value) <= limit


FIELD_KINDS = {
    "number": "a number",
    "point": "a point [x, y]",
    "anchor": "a joint name or a point [x, y]",
    "range": "a range [from, to]",
    "side": "left or right",
}
FIELD_CHECKS = {
    "number": _is_coordinate,
    "point": _is_point,
    "anchor": lambda value: value in JOINTS or _is_point(value),
    "range": _is_point,
    "side": lambda value: value in SIDES,
}


def _list_problems(items, name, limit, item_problems) -> list[str]:
    if not isinstance(items, list) or len(items) > limit:
        return [f"figure: {name} must be a list of up to {limit}"]
    return [problem for number, item in enumerate(items, start=1) for problem in item_problems(item, number)]


def _pose_problems(pose, frame) -> list[str]:
    if not isinstance(pose, dict):
        return [f"figure: {frame} pose is missing"]
    problems = [f"figure: {frame} pose has unknown joint {name}" for name in sorted(set(pose) - set(JOINTS))]
    for joint in JOINTS:
        if not _is_point(pose.get(joint)):
            problems.append(f"figure: {frame} pose needs {joint} as [x, y]")
    return problems


def _prop_problems(prop, number) -> list[str]:
    where = f"figure: prop {number}"
    if not (isinstance(prop, dict) and isinstance(prop.get("type"), str) and prop["type"] in PROP_FIELDS):
        return [f"{where}: type must be one of {', '.join(PROP_FIELDS)}"]
    fields = PROP_FIELDS[prop["type"]]
    problems = [f"{where}: unknown key {key}" for key in sorted(set(prop) - set(fields) - {"type"})]
    for key, kind in fields.items():
        if not FIELD_CHECKS[kind](prop.get(key)):
            problems.append(f"{where} ({prop['type']}): {key} must be {FIELD_KINDS[kind]}")
    return problems


def _arrow_problems(arrow, number) -> list[str]:
    where = f"figure: arrow {number}"
    if not isinstance(arrow, dict):
        return [f"{where} must be an object"]
    problems = [f"{where}: unknown key {key}" for key in sorted(set(arrow) - ARROW_KEYS)]
    if arrow.get("frame", "start") not in FRAMES:
        problems.append(f"{where}: frame must be start or end")
    if not (_is_point(arrow.get("from")) and _is_point(arrow.get("to"))):
        problems.append(f"{where}: from and to must be points [x, y]")
    bend = arrow.get("bend", 0)
    if not (_is_number(bend) and -1 <= bend <= 1):
        problems.append(f"{where}: bend must be a number from -1 to 1")
    if not isinstance(arrow.get("both", False), bool):
        problems.append(f"{where}: both must be true or false")
    return problems


# --- drawing --------------------------------------------------------------------------------------------------


def _frame(figure: dict, frame: str) -> list[str]:
    pose = figure[frame]
    props = figure.get("props", [])
    moving = set(figure.get("moving", []))
    far = ("left" if figure.get("near") == "right" else "right") if figure["view"] == "side" else None
    parts = [_prop(prop, pose) for prop in props if prop["type"] not in FRONT_PROPS]
    far_limbs = [limb for limb in LIMBS if far and limb.startswith(far)]
    parts += [_limb(pose, limb, _colour(limb in moving, far=True)) for limb in far_limbs]
    parts.append(_line([pose["neck"], pose["hip"]], _colour("trunk" in moving), TRUNK_WIDTH))
    parts += [_limb(pose, limb, _colour(limb in moving)) for limb in LIMBS if limb not in far_limbs]
    head_x, head_y = pose["head"]
    parts.append(f'<circle cx="{head_x:g}" cy="{head_y:g}" r="{HEAD_RADIUS}" fill="{_colour("head" in moving)}"/>')
    parts += [_prop(prop, pose) for prop in props if prop["type"] in FRONT_PROPS]
    parts += [_arrow(arrow) for arrow in figure.get("arrows", []) if arrow.get("frame", "start") == frame]
    return parts


def _colour(moving: bool, *, far: bool = False) -> str:
    if moving:
        return HIGHLIGHT_FAR if far else HIGHLIGHT
    return INK_FAR if far else INK


def _limb(pose, limb, colour) -> str:
    return _line([pose[joint] for joint in LIMBS[limb]], colour, LIMB_WIDTH)


def _points(points) -> str:
    return " ".join(f"{x:g},{y:g}" for x, y in points)


def _line(points, colour, width, extra="") -> str:
    return (
        f'<polyline points="{_points(points)}" fill="none" stroke="{colour}" stroke-width="{width:g}" '
        f'stroke-linecap="round" stroke-linejoin="round"{extra}/>'
    )


def _rect(x, y, width, height, fill, rx=2) -> str:
    return (
        f'<rect x="{x:g}" y="{y:g}" width="{width:g}" height="{height:g}" rx="{rx:g}" fill="{fill}" '
        f'stroke="{PROP_LINE}" stroke-width="1.5"/>'
    )


def _circle(x, y, r, fill, stroke=PROP_LINE) -> str:
    return f'<circle cx="{x:g}" cy="{y:g}" r="{r:g}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'


def _anchor(value, pose):
    return pose[value] if isinstance(value, str) else value


def _prop(prop: dict, pose: dict) -> str:
    return PROP_DRAWERS[prop["type"]](prop, pose)


def _floor(prop, pose):
    return _line([[2, prop["y"]], [FRAME - 2, prop["y"]]], PROP_LINE, 2)


def _mat(prop, pose):
    start, end = sorted(prop["x"])
    return _rect(start, prop["y"] - 3, end - start, 3, MAT_FILL, rx=1.5)


def _wall(prop, pose):
    return _line([[prop["x"], 4], [prop["x"], prop["y"]]], PROP_LINE, 3)


def _box(prop, pose):
    rx = 4 if prop["type"] == "cushion" else 1.5
    fill = MAT_FILL if prop["type"] == "cushion" else PROP_FILL
    return _rect(prop["x"], prop["y"], prop["width"], prop["height"], fill, rx=rx)


def _mirror(prop, pose):
    x, y, width, height = prop["x"], prop["y"], prop["width"], prop["height"]
    glint = [[x + width * 0.3, y + height * 0.35], [x + width * 0.7, y + height * 0.2]]
    return _rect(x, y, width, height, "#eef6fb", rx=1.5) + _line(glint, PROP_LINE, 1.2)


def _chair(prop, pose):
    start, end = sorted(prop["x"])
    seat, floor = prop["y"], prop["floor"]
    back = start if prop["back"] == "left" else end
    front = end if prop["back"] == "left" else start
    return "".join(
        [
            _line([[back, seat - 26], [back, floor]], PROP_LINE, 2.5),
            _line([[start, seat], [end, seat]], PROP_LINE, 3.5),
            _line([[front, seat], [front, floor]], PROP_LINE, 2.5),
        ]
    )


def _ball(prop, pose):
    x, y = _anchor(prop["at"], pose)
    return _circle(x, y, prop["r"], "#d8ecf7")


def _roller(prop, pose):
    x, y = _anchor(prop["at"], pose)
    return _circle(x, y, prop["r"], PROP_FILL) + _circle(x, y, prop["r"] * 0.4, PROP_FILL)


def _band(prop, pose):
    colour = BAND if prop["type"] == "band" else STRAP
    width = 2 if prop["type"] == "band" else 2.5
    return _line([_anchor(prop["from"], pose), _anchor(prop["to"], pose)], colour, width)


def _weight(prop, pose):
    x, y = _anchor(prop["at"], pose)
    return f'<rect x="{x - 4:g}" y="{y - 3:g}" width="8" height="6" rx="2" fill="{INK_FAR}"/>'


def _bike(prop, pose):
    (seat_x, seat_y), (bars_x, bars_y), (crank_x, crank_y) = prop["seat"], prop["bars"], prop["crank"]
    floor = prop["floor"]
    return "".join(
        [
            _line([[seat_x - 5, seat_y], [seat_x + 4, seat_y]], PROP_LINE, 3.5),
            _line([[seat_x, seat_y], [crank_x, crank_y], [crank_x - 10, floor]], PROP_LINE, 3),
            _line([[crank_x, crank_y], [bars_x - 6, floor - 10], [bars_x, bars_y], [bars_x + 4, bars_y]], PROP_LINE, 3),
            _line([[crank_x - 16, floor], [bars_x + 6, floor]], PROP_LINE, 3),
            _circle(bars_x - 6, floor - 10, 7, PROP_FILL),
            _circle(crank_x, crank_y, 3, PROP_FILL),
        ]
    )


def _cross_trainer(prop, pose):
    top_x, top_y = prop["column"]
    floor = prop["floor"]
    parts = [
        _line([[top_x - 34, floor], [top_x + 6, floor]], PROP_LINE, 3),
        _line([[top_x, floor], [top_x, top_y]], PROP_LINE, 3),
    ]
    for side in SIDES:
        parts.append(_line([[top_x, top_y], pose[f"{side}_hand"]], PROP_LINE, 2.5))
        ankle_x, ankle_y = pose[f"{side}_ankle"]
        parts.append(_line([[ankle_x - 5, ankle_y + 3], [ankle_x + 8, ankle_y + 3]], PROP_LINE, 3))
    return "".join(parts)


def _water(prop, pose):
    y = prop["y"]
    wave = " ".join(f"Q {x + 5:g} {y - 3:g} {x + 10:g} {y:g} T {x + 20:g} {y:g}" for x in range(2, FRAME - 20, 20))
    return (
        f'<path d="M 2 {y:g} {wave}" fill="none" stroke="{WATER}" stroke-width="2.5" stroke-linecap="round"/>'
        f'<rect x="2" y="{y:g}" width="{FRAME - 4}" height="{FRAME - 6 - y:g}" rx="4" fill="{WATER}" '
        'fill-opacity="0.18"/>'
    )


def _metronome(prop, pose):
    x, y = prop["at"]
    body = [[x - 7, y + 10], [x - 3, y - 10], [x + 3, y - 10], [x + 7, y + 10]]
    return (
        f'<polygon points="{_points(body)}" fill="{PROP_FILL}" stroke="{PROP_LINE}" stroke-width="1.5" '
        f'stroke-linejoin="round"/>' + _line([[x, y + 7], [x + 4, y - 8]], INK, 1.8)
    )


PROP_DRAWERS = {
    "floor": _floor,
    "mat": _mat,
    "wall": _wall,
    "step": _box,
    "cushion": _box,
    "mirror": _mirror,
    "chair": _chair,
    "ball": _ball,
    "roller": _roller,
    "band": _band,
    "strap": _band,
    "weight": _weight,
    "bike": _bike,
    "cross_trainer": _cross_trainer,
    "water": _water,
    "metronome": _metronome,
}


def _arrow(arrow: dict) -> str:
    (x1, y1), (x2, y2) = arrow["from"], arrow["to"]
    bend = arrow.get("bend", 0)
    # The control point sits off the middle of the chord, to its left for a positive bend.
    control_x = (x1 + x2) / 2 + (y2 - y1) * bend
    control_y = (y1 + y2) / 2 - (x2 - x1) * bend
    parts = [
        f'<path d="M {x1:g} {y1:g} Q {control_x:g} {control_y:g} {x2:g} {y2:g}" fill="none" stroke="{ARROW}" '
        f'stroke-width="2.2" stroke-linecap="round"/>',
        _arrowhead((x2, y2), (control_x, control_y)),
    ]
    if arrow.get("both"):
        parts.append(_arrowhead((x1, y1), (control_x, control_y)))
    return "".join(parts)


def _arrowhead(tip, towards) -> str:
    """A filled triangle at `tip`, pointing away from `towards`."""
    angle = math.atan2(tip[1] - towards[1], tip[0] - towards[0])
    size = 5
    corners = [
        tip,
        (tip[0] - size * math.cos(angle - 0.45), tip[1] - size * math.sin(angle - 0.45)),
        (tip[0] - size * math.cos(angle + 0.45), tip[1] - size * math.sin(angle + 0.45)),
    ]
    return f'<polygon points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in corners)}" fill="{ARROW}"/>'
