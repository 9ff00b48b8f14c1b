"""`manage.py load_exercise_library`: idempotent loading of the versioned file, and refusal of a bad one."""

import json

import pytest
from django.core.management import CommandError, call_command

from plans.library.exercises import LIBRARY_PATH, default_library
from plans.models import Exercise
from plans.selectors import exercise_library_for_clinic
from tests.plans.library_factories import ExerciseFactory

FEW = ["glute_bridge", "single_leg_bridge", "pogo_jumps"]


def _entries(slugs=FEW):
    raw = json.loads(LIBRARY_PATH.read_text(encoding="utf-8"))
    by_slug = {entry["slug"]: entry for entry in raw["exercises"]}
    entries = [by_slug[slug] for slug in slugs]
    for entry in entries:  # keep links inside the small library
        entry["progressions"] = [s for s in entry["progressions"] if s in slugs]
        entry["regressions"] = [s for s in entry["regressions"] if s in slugs]
    return entries


@pytest.fixture
def library_file(tmp_path):
    def write(entries, version="2026.11.1"):
        path = tmp_path / "exercises.json"
        path.write_text(json.dumps({"version": version, "exercises": entries}), encoding="utf-8")
        return path

    return write


def _load(path, capsys=None):
    call_command("load_exercise_library", "--path", str(path))
    return capsys.readouterr().out if capsys else None


def test_loading_the_shipped_file_creates_the_whole_library(db, capsys):
    call_command("load_exercise_library")
    assert Exercise.objects.shipped().active().count() == len(default_library())
    assert f"{len(default_library())} created" in capsys.readouterr().out


def test_loaded_library_gives_back_the_specs_of_the_file(db):
    call_command("load_exercise_library")
    assert exercise_library_for_clinic(clinic=None) == sorted(default_library(), key=lambda spec: spec.slug)
    loaded = {spec.slug: spec for spec in exercise_library_for_clinic(clinic=None)}
    assert all(loaded[spec.slug].figure == spec.figure for spec in default_library())


def test_loading_twice_changes_nothing(db, library_file, capsys):
    path = library_file(_entries())
    _load(path)
    before = list(Exercise.objects.values_list("slug", "updated_at", "library_version"))
    output = _load(path, capsys)
    assert list(Exercise.objects.values_list("slug", "updated_at", "library_version")) == before
    assert "0 created" in output and "0 updated" in output and "3 unchanged" in output


def test_changing_a_field_updates_that_exercise_and_its_version(db, library_file, capsys):
    _load(library_file(_entries()))
    entries = _entries()
    entries[0]["cues"] = ["Breathe out as you lift."]
    output = _load(library_file(entries, version="2026.12.1"), capsys)
    bridge = Exercise.objects.get(slug="glute_bridge")
    assert (bridge.cues, bridge.library_version) == (["Breathe out as you lift."], "2026.12.1")
    assert Exercise.objects.get(slug="pogo_jumps").library_version == "2026.11.1"
    assert "1 updated: glute_bridge" in output


def test_exercise_removed_from_the_file_is_deactivated_not_deleted(db, library_file, capsys):
    _load(library_file(_entries()))
    output = _load(library_file(_entries(["glute_bridge", "single_leg_bridge"])), capsys)
    pogo = Exercise.objects.get(slug="pogo_jumps")
    assert not pogo.is_active
    assert "1 deactivated: pogo_jumps" in output


def test_exercise_back_in_the_file_is_active_again(db, library_file):
    _load(library_file(_entries()))
    _load(library_file(_entries(["glute_bridge"])))
    _load(library_file(_entries()))
    assert Exercise.objects.shipped().active().count() == 3


def test_clinic_exercises_are_left_alone(db, library_file):
    own = ExerciseFactory(slug="our_bridge")
    _load(library_file(_entries()))
    _load(library_file(_entries(["glute_bridge"])))
    own.refresh_from_db()
    assert own.is_active


def test_invalid_file_is_refused_with_every_problem_and_nothing_written(db, library_file):
    entries = _entries()
    entries[1]["kind"] = "yoga"
    entries[2]["contraindications"] = []  # an impact exercise without its pelvic floor contraindication
    entries[2]["progressions"] = ["moon_jumps"]
    with pytest.raises(CommandError) as error:
        _load(library_file(entries))
    message = str(error.value)
    assert "nothing changed" in message
    assert "exercise single_leg_bridge: kind must be one of" in message
    assert "exercise pogo_jumps: an impact exercise must list pelvic_floor_symptoms" in message
    assert "exercise pogo_jumps: links to unknown exercise moon_jumps" in message
    assert not Exercise.objects.exists()


def test_invalid_update_leaves_the_loaded_library_as_it_was(db, library_file):
    _load(library_file(_entries()))
    entries = _entries()
    entries[0]["name"] = "Bridge " * 30  # longer than the name column
    with pytest.raises(CommandError, match="exercise glute_bridge: name"):
        _load(library_file(entries))
    assert Exercise.objects.get(slug="glute_bridge").name == "Glute bridge"


@pytest.mark.parametrize(
    "text", ["{not json", "[]", '{"version": "1"}', '{"version": "1", "exercises": [{"name": "No slug"}]}']
)
def test_malformed_file_is_refused_with_a_clear_message(db, tmp_path, text):
    path = tmp_path / "broken.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match="nothing changed"):
        _load(path)
    assert not Exercise.objects.exists()


def test_missing_file_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        _load(tmp_path / "missing.json")


def test_shipped_exercise_may_not_take_a_clinics_code(db, library_file):
    ExerciseFactory(slug="glute_bridge", clinic__name="Hilltop")
    with pytest.raises(CommandError, match="clinic Hilltop already has its own exercise with this slug"):
        _load(library_file(_entries()))
    assert not Exercise.objects.shipped().exists()


def test_figures_page_draws_every_exercise_and_prints_them(db, library_file, tmp_path):
    page, pdf = tmp_path / "figures.html", tmp_path / "figures.pdf"
    path = library_file(_entries())
    call_command("exercise_figures_page", "--path", str(path), "--out", str(page), "--pdf", str(pdf), stdout=None)
    html = page.read_text(encoding="utf-8")
    assert html.count('role="img"') == 3
    assert "<title>Pogo jumps</title>" in html
    assert pdf.read_bytes().startswith(b"%PDF")
