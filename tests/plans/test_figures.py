"""The figure renderer: every shipped figure draws as safe, accessible SVG; bad figure data is refused."""

import copy
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings

from plans.library.exercises import default_library
from plans.library.figures import JOINTS, figure_problems, render_figure
from tests.fuzzing import HARNESS, examples, json_values, with_a_value_replaced

SVG = "{http://www.w3.org/2000/svg}"
LIBRARY = default_library()
# Every shipped drawing: between them they have every prop and arrow the validator knows.
SHIPPED_FIGURES = [spec.figure for spec in LIBRARY if spec.figure]


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _figure(**changes) -> dict:
    figure = copy.deepcopy(next(spec.figure for spec in LIBRARY if spec.slug == "glute_bridge"))
    figure.update(changes)
    return figure


@pytest.mark.parametrize("spec", LIBRARY, ids=lambda spec: spec.slug)
def test_every_shipped_figure_renders_accessible_svg(spec):
    root = _parse(render_figure(spec.figure, title=spec.name))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img" and root.get("viewBox")
    assert root.find(f"{SVG}title").text == spec.name
    assert root.find(f"{SVG}desc").text == spec.figure["description"]


@pytest.mark.parametrize("spec", LIBRARY, ids=lambda spec: spec.slug)
def test_every_shipped_figure_uses_presentation_attributes_only(spec):
    root = _parse(render_figure(spec.figure, title=spec.name))
    for element in root.iter():
        assert element.tag not in {f"{SVG}script", f"{SVG}style", f"{SVG}image", f"{SVG}a", f"{SVG}foreignObject"}
        names = {name.split("}")[-1] for name in element.attrib}
        assert not names & {"style", "href", "id"}, element.tag
        assert not any(name.startswith("on") for name in names)
        assert not any("url(" in value for value in element.attrib.values())


def test_figure_shows_two_frames_with_their_captions():
    svg = render_figure(_figure(labels=["Lie down", "Lift"]), title="Glute bridge")
    frames = _parse(svg).findall(f"{SVG}svg")
    captions = [text.text for text in _parse(svg).findall(f"{SVG}text")]
    assert len(frames) == 2
    assert captions == ["Lie down", "Lift"]


def test_figure_draws_the_moving_part_in_the_highlight_colour():
    still = render_figure(_figure(moving=[]), title="x")
    moving = render_figure(_figure(moving=["trunk"]), title="x")
    assert "#c2410c" not in still
    assert moving.count('stroke="#c2410c"') == 2  # the trunk, once in each frame


def test_figure_crop_sets_the_drawing_height():
    root = _parse(render_figure(_figure(crop=[40, 100]), title="x"))
    assert root.get("viewBox") == "0 0 224 76"


def test_figure_text_is_escaped():
    svg = render_figure(
        _figure(description='<script>alert("x")</script> & more', labels=["<b>", "ok"]), title="<img src=x>"
    )
    root = _parse(svg)
    assert root.find(f"{SVG}title").text == "<img src=x>"
    assert "<script>" not in svg and "<img" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg


def test_figure_refuses_to_render_bad_data():
    with pytest.raises(ValueError, match="view"):
        render_figure(_figure(view="top"), title="x")


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"view": "back"}, "view must be one of"),
        ({"near": None}, "side view needs near"),
        ({"description": ""}, "description must be text"),
        ({"moving": ["tail"]}, "moving must list body parts"),
        ({"labels": ["only one"]}, "labels must be two texts"),
        ({"crop": [0, 10]}, "crop must be"),
        ({"props": [{"type": "trampoline"}]}, "type must be one of"),
        ({"props": [{"type": "floor", "y": "94"}]}, "y must be a number"),
        (
            {"props": [{"type": "band", "from": "left_wing", "to": "right_knee"}]},
            "from must be a joint name or a point",
        ),
        ({"props": [{"type": "floor", "y": 94, "colour": "red"}]}, "unknown key colour"),
        ({"arrows": [{"from": [1, 2], "to": [3]}]}, "from and to must be points"),
        ({"arrows": [{"from": [1, 2], "to": [3, 4], "bend": 5}]}, "bend must be a number"),
        ({"arrows": [{"from": [1, 2], "to": [3, 4], "frame": "middle"}]}, "frame must be start or end"),
        ({"shadow": True}, "unknown key shadow"),
    ],
)
def test_figure_problems_name_what_is_wrong(changes, problem):
    problems = figure_problems(_figure(**changes))
    assert any(problem in line for line in problems), problems


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        # Values of the wrong type where the validator used them as set members, dict keys or numbers.
        ({"moving": [["trunk"]]}, "moving must list body parts"),
        ({"moving": [{"part": "trunk"}]}, "moving must list body parts"),
        ({"props": [{"type": []}]}, "prop 1: type must be one of"),
        ({"props": [{"type": {"floor": 1}}]}, "prop 1: type must be one of"),
        ({"crop": [0, 10**400]}, "crop must be"),
        ({"props": [{"type": "floor", "y": 10**400}]}, "y must be a number"),
        ({"arrows": [{"from": [1, 2], "to": [3, 4], "bend": -(10**400)}]}, "bend must be a number"),
    ],
)
def test_figure_problems_name_values_of_the_wrong_type(changes, problem):
    problems = figure_problems(_figure(**changes))
    assert any(problem in line for line in problems), problems


@pytest.mark.parametrize("bad", [None, "1", True, float("nan"), float("inf"), 1e6])
def test_figure_problems_refuse_a_joint_that_is_not_a_finite_coordinate(bad):
    figure = _figure()
    figure["start"]["left_knee"] = [bad, 50]
    assert "figure: start pose needs left_knee as [x, y]" in figure_problems(figure)


def test_figure_problems_require_every_joint_in_both_poses():
    figure = _figure()
    del figure["end"]["head"]
    figure["start"]["tail"] = [1, 1]
    problems = figure_problems(figure)
    assert "figure: end pose needs head as [x, y]" in problems
    assert "figure: start pose has unknown joint tail" in problems


def test_figure_problems_accept_every_shipped_figure():
    assert all(not figure_problems(spec.figure) for spec in LIBRARY)
    assert set(LIBRARY[0].figure["start"]) == set(JOINTS)


@settings(HARNESS, max_examples=examples(100))
@given(figure=json_values() | with_a_value_replaced(SHIPPED_FIGURES))
def test_figure_problems_answer_any_json_with_problem_lines_or_a_drawing(figure):
    problems = figure_problems(figure)
    assert all(isinstance(line, str) and line.startswith("figure") for line in problems)
    if not problems:
        assert _parse(render_figure(figure, title="x")).tag == f"{SVG}svg"
