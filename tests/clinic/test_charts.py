import xml.etree.ElementTree as ET

from clinic import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg):
    return ET.fromstring(svg)


def test_pain_chart_is_an_accessible_image_with_a_text_alternative():
    svg = parse(charts.pain_chart(chart_id="pain", dates=("1 Dec", "3 Dec"), during=(2, 6), next_morning=(1, None)))
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "Pain during sessions and the next morning"
    assert svg.find(f"{SVG}desc").text == "2 sessions logged; pain during sessions ranged from 2 to 6 out of 10."


def test_pain_chart_draws_traffic_light_bands_and_one_marker_per_value():
    svg = parse(charts.pain_chart(chart_id="p", dates=("a", "b", "c"), during=(2, 4, 7), next_morning=(1, None, 3)))
    fills = [rect.get("fill") for rect in svg.iter(f"{SVG}rect")]
    assert fills[:3] == [charts.ZONE_FILLS["green"], charts.ZONE_FILLS["amber"], charts.ZONE_FILLS["red"]]
    circles = list(svg.iter(f"{SVG}circle"))  # "during" markers
    squares = [rect for rect in svg.iter(f"{SVG}rect") if rect.get("fill") == "#ffffff"]  # "next morning" markers
    assert (len(circles), len(squares)) == (3, 2)


def test_a_gap_in_a_series_breaks_its_line():
    svg = parse(
        charts.line_chart(
            chart_id="g",
            title="t",
            desc="d",
            x_labels=("1", "2", "3", "4", "5"),
            series=(charts.Series("s", (1, 2, None, 3, 4)),),
            y_min=0,
            y_max=5,
            y_ticks=[0, 5],
        )
    )
    assert len(list(svg.iter(f"{SVG}polyline"))) == 2


def test_higher_values_are_drawn_higher():
    svg = parse(charts.pain_chart(chart_id="p", dates=("a", "b"), during=(1, 9), next_morning=(None, None)))
    low, high = (float(c.get("cy")) for c in svg.iter(f"{SVG}circle"))
    assert high < low  # SVG y grows downwards


def test_minutes_chart_scales_to_a_round_maximum_and_describes_totals():
    svg = charts.minutes_chart(chart_id="m", weeks=(1, 2, 3), planned=(15, 30, 33), done=(15, 20, None))
    tree = parse(svg)
    assert tree.find(f"{SVG}desc").text == (
        "3 weeks; 78 running minutes planned in all, rising to 33 minutes in the peak week. 35 minutes done so far."
    )
    tick_labels = [t.text for t in tree.iter(f"{SVG}text")]
    assert "40" in tick_labels and "35" not in tick_labels
    assert {"Week 1", "2", "3"} <= set(tick_labels)  # plain words, never "W1"


def test_chart_text_is_escaped():
    svg = charts.line_chart(
        chart_id="x",
        title="<script>alert(1)</script>",
        desc="a & b",
        x_labels=("<b>",),
        series=(charts.Series("<i>", (1,)),),
        y_min=0,
        y_max=2,
        y_ticks=[0, 2],
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    parse(svg)  # still well-formed XML


def test_charts_use_no_style_attributes_or_external_references():
    svg = charts.minutes_chart(chart_id="m", weeks=(1,), planned=(10,))
    assert "style=" not in svg and "href" not in svg and "<script" not in svg


def test_empty_data_still_renders():
    parse(charts.pain_chart(chart_id="e", dates=(), during=(), next_morning=()))
    parse(charts.minutes_chart(chart_id="e", weeks=(), planned=()))


def test_scores_chart_describes_each_change_against_its_minimal_important_change():
    scores = (charts.Score("KOOS-PF", (60.0, 80.0), 16.4), charts.Score("AKPS", (70.0, 75.0), 10))
    svg = parse(charts.scores_chart(chart_id="s", dates=("1 Dec", "15 Dec"), scores=scores))
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "Questionnaire scores over time"
    desc = svg.find(f"{SVG}desc").text
    assert "KOOS-PF from 60 to 80 (+20; a meaningful improvement" in desc
    assert "AKPS from 70 to 75 (+5; less than a meaningful change, the minimal important change being 10)" in desc


def test_scores_chart_draws_a_guide_at_the_first_score_plus_the_mic():
    svg = parse(charts.scores_chart(chart_id="s", dates=("1 Dec",), scores=(charts.Score("AKPS", (70.0,), 10),)))
    guide_titles = [g.find(f"{SVG}title").text for g in svg.iter(f"{SVG}g")]
    assert guide_titles == ["AKPS: meaningful change (+10)"]


def test_scores_chart_without_scores_says_so():
    svg = parse(charts.scores_chart(chart_id="s", dates=(), scores=()))
    assert svg.find(f"{SVG}desc").text == "No questionnaire scored yet."


def test_pain_figure_carries_the_same_numbers_as_a_table():
    figure = charts.pain_figure(chart_id="p", dates=("1 Dec", "3 Dec"), during=(2, 6), next_morning=(1, None))
    assert figure.svg == charts.pain_chart(
        chart_id="p", dates=("1 Dec", "3 Dec"), during=(2, 6), next_morning=(1, None)
    )
    assert figure.table.caption == "Pain during sessions and the next morning"
    assert figure.table.headings == ("Session", "During", "Next morning")
    assert figure.table.rows == (("1 Dec", "2/10", "1/10"), ("3 Dec", "6/10", "—"))


def test_minutes_figure_table_has_a_row_per_week():
    figure = charts.minutes_figure(chart_id="m", weeks=(1, 2), planned=(10, 20), done=(10, None))
    assert figure.table.headings == ("Week", "Planned", "Done")
    assert figure.table.rows == (("1", "10", "10"), ("2", "20", "—"))


def test_scores_figure_caption_names_each_minimal_important_change():
    figure = charts.scores_figure(chart_id="s", dates=("1 Dec",), scores=(charts.Score("KOOS-PF", (60.0,), 16.4),))
    assert "minimal important change: KOOS-PF 16.4" in figure.table.caption
    assert figure.table.rows == (("1 Dec", "60"),)


def test_chart_text_is_escaped_in_the_svg_and_the_table_keeps_it_as_text():
    figure = charts.pain_figure(chart_id="p", dates=("<b>1</b>",), during=(2,), next_morning=(None,))
    assert "<b>" not in figure.svg and "&lt;b&gt;" in figure.svg
    assert figure.table.rows[0][0] == "<b>1</b>"  # escaped by the template that shows it
