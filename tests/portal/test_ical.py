"""The iCalendar writer (RFC 5545): text escaping, line folding at 75 octets, all-day events."""

from datetime import UTC, date, datetime

import pytest

from portal.ical import MAX_LINE_OCTETS, AllDayEvent, calendar, escape_text, fold

STAMP = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("Run: 5 × (walk 5 + run 1)", "Run: 5 × (walk 5 + run 1)"),
        ("Riverside, Kingston; upstairs", "Riverside\\, Kingston\\; upstairs"),
        ("back\\slash", "back\\\\slash"),
        ("two\nlines", "two\\nlines"),
        ("windows\r\nline", "windows\\nline"),
    ],
)
def test_escape_text_escapes_what_rfc_5545_requires(text, escaped):
    assert escape_text(text) == escaped


def test_fold_leaves_a_short_line_alone():
    assert fold("SUMMARY:Run") == "SUMMARY:Run"


def test_fold_breaks_long_lines_at_75_octets_with_a_leading_space():
    folded = fold("DESCRIPTION:" + "x" * 200)
    lines = folded.split("\r\n")
    assert all(len(line.encode()) <= MAX_LINE_OCTETS for line in lines)
    assert all(line.startswith(" ") for line in lines[1:])
    assert "".join(line[1:] if i else line for i, line in enumerate(lines)) == "DESCRIPTION:" + "x" * 200


def test_fold_never_splits_a_multibyte_character():
    text = "SUMMARY:" + "é×" * 60
    lines = fold(text).split("\r\n")
    assert all(len(line.encode("utf-8")) <= MAX_LINE_OCTETS for line in lines)
    lines[-1].encode("utf-8").decode("utf-8")  # every line is whole UTF-8
    assert "".join(line[1:] if i else line for i, line in enumerate(lines)) == text


def test_calendar_has_all_day_events_with_crlf_line_ends():
    body = calendar(
        product="-//Runback//Test//EN",
        name="Plan",
        events=[AllDayEvent(uid="a@runback", day=date(2026, 12, 31), summary="Run", description="x")],
        stamp=STAMP,
    )
    assert body.endswith("END:VCALENDAR\r\n")
    assert "\n" not in body.replace("\r\n", "")
    lines = body.split("\r\n")
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"]
    event = lines[lines.index("BEGIN:VEVENT") : lines.index("END:VEVENT") + 1]
    assert "DTSTART;VALUE=DATE:20261231" in event
    assert "DTEND;VALUE=DATE:20270101" in event
    assert "DTSTAMP:20261201T120000Z" in event
    assert "TRANSP:TRANSPARENT" in event


def test_calendar_without_events_is_still_a_valid_calendar():
    body = calendar(product="-//Runback//Test//EN", name="Plan", events=[], stamp=STAMP)
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert "BEGIN:VEVENT" not in body
