"""Patients read plain words: every page of the portal, every step of the intake, every e-mail to a patient and the
handout hold no "§", no citation, no questionnaire acronym, no ISO date and no internal code.

Where a questionnaire's licence asks for an attribution (reference §3: the KOOS-PF, "free to use with attribution"),
it stands once per page inside one small element marked `data-attribution`, in plain words like the rest: the
questionnaire named in full, no authors, year or web address (those are on the physio's pages and exports). Only
the text a person reads or hears is checked: text nodes, and the alt, title, aria-label and placeholder attributes.
"""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from clinic import services as clinic_services
from intake import services as intake_services
from intake.codes import CAUSE_PATIENT_LABELS, CONDITION_PATIENT_LABELS, Cause, Condition
from intake.models import Intake
from intake.questionnaire import visible_steps
from intake.scoring import instrument
from plans import services as plans_services
from plans.handouts.content import TEMPLATE as HANDOUT_TEMPLATE
from plans.handouts.selectors import handout_context_for
from portal import notices, reminders
from portal import services as portal_services
from portal.models import NoticeKind, NoticeSent, ReminderKind, ReminderSent
from tests.factories import PatientFactory, PortalPatientFactory
from tests.intake.factories import AKPS_BEST, REQUIRED_INTAKE, SAFETY_NO
from tests.plans.plan_factories import day_of, issued_plan, load_shipped_library, move_to, sessions

NOT_PLAIN = {
    "a section sign": re.compile(r"§"),
    "a citation": re.compile(r"\bet al\b|\bPMC\d|\bdoi\b|\b(?:19|20)\d\d;\d|\bBr J\b|\bJ Orthop\b|\bArthroscopy\b"),
    "an acronym": re.compile(r"\b(?:AKPS|KOOS|KOOS-PF|NPRS|VISA-P|LEFS|ICIQ|EPDS|MCID|MIC|PFP|ITBS|BJSM|RF\d+|P\d)\b"),
    "an ISO date": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    "an internal code": re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b"),
}
READ_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class ReadText(HTMLParser):
    """The words a person reads or hears on a page; the attribution's are also collected on their own."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.attributions = [], []
        self._skip = 0  # inside <script> or <style>
        self._attribution_depth = 0  # open elements inside (and including) the data-attribution element

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        if self._attribution_depth:
            self._attribution_depth += tag not in VOID
        elif "data-attribution" in attrs:
            self.attributions.append("")
            self._attribution_depth = 1
        elif not self._skip:
            self.text += [value for name, value in attrs.items() if name in READ_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        if self._attribution_depth:
            self._attribution_depth -= 1

    def handle_data(self, data):
        if self._skip:
            return
        if self._attribution_depth:
            self.attributions[-1] += data
        self.text.append(data)


def not_plain(html: str) -> list[str]:
    """What in the page a patient should not have to read, each with the words around it."""
    reader = ReadText()
    reader.feed(html)
    text = " ".join(" ".join(reader.text).split())
    found = [
        f"{what}: …{text[max(0, m.start() - 40) : m.end() + 40]}…"
        for what, pattern in NOT_PLAIN.items()
        for m in pattern.finditer(text)
    ]
    if len(reader.attributions) > 1:
        found.append(f"{len(reader.attributions)} attributions")
    return found


def test_the_reader_sees_text_and_read_attributes_but_not_code():
    html = (
        '<p title="Check §2">Hello <span data-attribution>from a free questionnaire</span> '
        'world</p><script>var pelvic_floor = 1;</script><img src="/x_y.png" alt="">'
    )
    assert not_plain(html) == ["a section sign: …Check §2 Hello from a free questionnaire world…"]


def test_an_attribution_is_read_like_any_text():
    found = not_plain("<p data-attribution>KOOS-PF by Crossley et al 2018</p>")
    assert [problem.split(":")[0] for problem in found] == ["a citation", "an acronym"]


def test_two_attributions_on_one_page_are_one_too_many():
    assert not_plain("<p data-attribution>One</p><p data-attribution>Two</p>") == ["2 attributions"]


@pytest.fixture
def postpartum_patient(clinic, physio):
    """A woman who gave birth within two years, with a portal account: every intake step applies to her."""
    return PortalPatientFactory(clinic=clinic, physio=physio, sex_at_birth="female", first_name="Amara")


def _intake_pages(client, patient, physio) -> list[str]:
    invite = intake_services.invite_create(patient=patient, by=physio, send_email=False)
    born = patient.date_of_birth
    pages = [client.get(invite.get_absolute_url()).content.decode()]
    client.post(invite.get_absolute_url(), {"day": born.day, "month": born.month, "year": born.year})
    draft = Intake.objects.get(invite=invite)
    intake_services.intake_save_step(intake=draft, step="review", answers={"flow.postpartum_within_24m": True})
    for step in visible_steps(postpartum_within_24m=True):
        pages.append(client.get(reverse("intake:step", args=[invite.token, step.slug])).content.decode())
    return pages


def test_every_intake_step_is_in_plain_words(client, postpartum_patient, physio):
    pages = _intake_pages(client, postpartum_patient, physio)
    assert len(pages) > 8
    found = [problem for html in pages for problem in not_plain(html)]
    assert not found, "\n".join(found)


AKPS_WORST = {item.code: min(item.options, key=lambda option: option.points).code for item in instrument("akps").items}
KOOS_NONE = {f"kpf{n}": 0 for n in range(1, 12)}


def _portal_objects(patient, physio, frozen):
    """A patient on an issued plan who logged a red run, answered two weekly questionnaires (the second much worse)
    and has the next one due, and a message each way with her physio (the answer new to her)."""
    load_shipped_library()
    plan = issued_plan(patient, answers=REQUIRED_INTAKE)
    run_day = day_of(sessions(plan.current_revision.content, "run")[0])
    move_to(frozen, run_day)
    plans_services.session_log_create(plan=plan, by=patient.user, session_date=run_day, pain_during_max=7)
    schedule = intake_services.follow_up_schedule_set(
        patient=patient,
        by=physio,
        instruments=["akps", "koos_pf", "nprs"],
        every_weeks=1,
        start=run_day,
        safety_questions=True,
    )
    answers = {**SAFETY_NO, "nprs_now": 1, "nprs_usual": 2, "nprs_worst_week": 3, "koos_pf": KOOS_NONE}
    intake_services.follow_up_submit(schedule=schedule, due_on=run_day, answers={**answers, "akps": AKPS_BEST})
    move_to(frozen, run_day + timedelta(days=7))
    worse = intake_services.follow_up_submit(
        schedule=schedule, due_on=run_day + timedelta(days=7), answers={**answers, "akps": AKPS_WORST}
    )
    move_to(frozen, run_day + timedelta(days=14))
    portal_services.message_send(patient=patient, by=patient.user, body="Can I run on Sunday?")
    portal_services.message_send(patient=patient, by=physio.user, body="Yes: an easy run, then log it.")
    return run_day, worse


def test_every_portal_page_is_in_plain_words(client, patient, physio, frozen):
    run_day, follow_up = _portal_objects(patient, physio, frozen)
    client.force_login(patient.user)
    urls = [
        reverse("my_page"),
        reverse("portal_plan"),
        reverse("portal_session", args=[run_day]),
        reverse("portal_log", args=[timezone.localdate()]),
        reverse("portal_settings"),
        reverse("portal_messages"),
        reverse("intake:questionnaire"),
        reverse("intake:questionnaire_done", args=[follow_up.pk]),
    ]
    pages = {url: client.get(url).content.decode() for url in urls}
    assert "more than a small change" in pages[urls[-1]] and "<svg" in pages[urls[0]]  # the worsening, the charts
    found = [f"{url}: {problem}" for url, html in pages.items() for problem in not_plain(html)]
    assert not found, "\n".join(found)


def test_every_email_to_a_patient_is_in_plain_words(clinic, physio, patient, django_capture_on_commit_callbacks):
    invited = PatientFactory(clinic=clinic, email="new@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        clinic_services.portal_invite(patient=invited, by=physio)
        intake_services.invite_create(patient=patient, by=physio)
    for kind in ReminderKind:
        reminder = ReminderSent.objects.create(patient=patient, kind=kind, for_date=timezone.localdate())
        reminders.reminder_send(reminder_id=reminder.pk)
    for kind in NoticeKind:
        notices.notice_send(notice_id=NoticeSent.objects.create(patient=patient, kind=kind).pk)
    assert len(mail.outbox) >= 7
    found = [
        f"{message.subject}: {problem}"
        for message in mail.outbox
        for problem in not_plain(message.alternatives[0][0]) + not_plain(f"<p>{message.subject}</p>{message.body}")
    ]
    assert not found, "\n".join(found)


def test_the_handout_is_in_plain_words(patient):
    load_shipped_library()
    plan = issued_plan(patient, answers=REQUIRED_INTAKE)
    html = render_to_string(HANDOUT_TEMPLATE, handout_context_for(revision=plan.current_revision, paper="a4"))
    found = not_plain(html)
    assert not found, "\n".join(found)


def test_every_cause_and_condition_has_a_name_for_patients():
    assert set(CAUSE_PATIENT_LABELS) == set(Cause) and set(CONDITION_PATIENT_LABELS) == set(Condition)
