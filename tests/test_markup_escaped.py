"""Whatever people type is shown as text, never as markup, on every page of every role.

Every free text a user can write holds markup here: the clinic's name, phone and address, staff and patient names and
phone numbers, the physiotherapist's registration number, the patient's note on the intake, the physio's cause notes,
override reasons and referral note, a clinic's own exercise (name, steps, cues, muscles, equipment, notes, and the
drawing's text), the plan's note for the patient and reason for more exercises, the patient's comment on a logged
session, an alert's reason, a failed handout's reason, the name of the patient's passkey and the messages between
the patient and the clinic. Then every URL of `tests/test_url_access.py` is opened once by each role the matrix lets
see it (and one page of each kind that turns a role away, which shows the role's own name), plus the pages outside
the matrix that show the clinic or the patient: no HTML answer may hold the markup unescaped (escaped, `&lt;b&gt;`,
is what it should be). The HTML e-mails to patients are read the same way.
"""

from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from clinic import services as clinic_services
from intake import services as intake_services
from intake.assessment.engine import assess
from intake.models import Assessment, AssessmentStatus, Intake
from intake.schema import validate_case
from plans import services as plans_services
from plans.models import PlanAlert, PrintStatus
from plans.selection import DOSE_PARTS
from portal import notices, reminders
from portal import services as portal_services
from portal.models import NoticeKind, NoticeSent, ReminderKind, ReminderSent
from tests.factories import PasskeyFactory, PatientFactory
from tests.intake.factories import ConfirmedAssessmentFactory, ExaminationFactory, intake_from_vignette, vignette
from tests.passkeys import stored_credential
from tests.plans.handout_factories import stored_batch, stored_handout
from tests.plans.library_factories import BRIDGE_FIGURE, ExerciseFactory, picture_upload
from tests.plans.plan_factories import draft_plan, load_shipped_library
from tests.test_url_access import ACCESS, FORBIDDEN, NOT_FOUND, OK, ROLES

MARKUP = '<b>x</b><meta http-equiv="refresh" content="0;url=https://evil.test">"\'&'
SHORT_MARKUP = "<b>x</b><meta http-equiv=r>"  # for fields of 40 characters
UNESCAPED = ("<b>x</b>", "<meta http-equiv")
ESCAPED = "&lt;b&gt;x&lt;/b&gt;"
# A vignette whose red flag a physio may override with a written reason.
CASE = "postpartum-10-weeks-override-12-week-gate"
OVERRIDE = "under_12_weeks_postpartum"


def _mark_up_people(clinic, other_clinic, staff, patients):
    for place in (clinic, other_clinic):
        place.name, place.phone, place.address = MARKUP, SHORT_MARKUP, MARKUP
        place.save()
    for member in staff:
        member.user.first_name, member.user.last_name = MARKUP, MARKUP
        member.user.save()
        member.professional_registration = SHORT_MARKUP
        member.save()
    for patient in patients:
        patient.first_name, patient.last_name, patient.phone = MARKUP, MARKUP, SHORT_MARKUP
        patient.save()
        if patient.user is not None:
            patient.user.first_name, patient.user.last_name = MARKUP, MARKUP
            patient.user.save()


def _marked_up_exercises(clinic) -> dict:
    """A clinic's own exercise with a picture and one drawn, every text of both marked up."""
    texts = {
        "name": MARKUP,
        "instructions": [MARKUP],
        "cues": [MARKUP],
        "target_muscles": [MARKUP],
        "equipment": [MARKUP],
        "notes": MARKUP,
    }
    figure = {**BRIDGE_FIGURE, "description": MARKUP, "labels": ["<b>x</b>", "<b>x</b>"]}
    return {
        "exercise": ExerciseFactory(clinic=clinic, image=picture_upload(), **texts),
        "drawn_exercise": ExerciseFactory(clinic=clinic, figure=figure, **texts),
    }


def _marked_up_assessments(patient, physio) -> dict:
    """A submitted intake with the patient's note, examined, with a confirmed assessment (an override reason and
    cause notes), a referred one (the referral note) and a draft (an override reason)."""
    intake = intake_from_vignette(patient, CASE)
    intake.note = MARKUP
    intake.save()
    case = vignette(CASE)
    examination = ExaminationFactory(intake=intake, findings=case["findings"], examined_by=physio, notes=MARKUP)
    overrides = {OVERRIDE: MARKUP}
    as_of = timezone.localdate()
    result = assess(validate_case(intake.as_case(findings=case["findings"], as_of=as_of)), overrides=overrides)
    decided = {"examination": examination, "examination_version": 1, "findings": case["findings"], "as_of": as_of}
    confirmed = ConfirmedAssessmentFactory(
        intake=intake,
        created_by=physio,
        overrides=overrides,
        engine_result=result,
        confirmed_causes=[{"code": "dynamic_knee_valgus", "origin": "engine", "note": MARKUP}],
        rejected_causes=[{"code": "training_load_error", "note": MARKUP}],
        **decided,
    )
    referred = ConfirmedAssessmentFactory(
        intake=intake,
        created_by=physio,
        status=AssessmentStatus.REFERRED,
        referral_note=MARKUP,
        engine_result=result,
        **decided,
    )
    Assessment.objects.create(intake=intake, created_by=physio, overrides=overrides)
    return {"intake": intake, "assessment": confirmed, "referred": referred}


def _marked_up_plan(patient, physio, exercise):
    """An issued plan with the note for the patient, the clinic's marked-up exercise in its home programme, a logged
    session with the patient's comment and an alert, and a handout that failed with a reason."""
    plan = draft_plan(patient, as_of=timezone.localdate())
    extra = {"code": exercise.slug, **{part: getattr(exercise, part, None) for part in DOSE_PARTS}}
    plan = plans_services.plan_draft_update(
        plan=plan,
        by=physio,
        expected_version=plan.draft_version,
        note_for_patient=MARKUP,
        programme=[*plan.content["programme"], extra],
        more_exercises_reason=MARKUP,
    )
    plans_services.plan_issue(plan=plan, by=physio)
    plan.refresh_from_db()
    log = plans_services.session_log_create(
        plan=plan, by=physio.user, session_date=plan.start, pain_during_max=1, comment=MARKUP
    ).log
    alert = PlanAlert.objects.create(plan=plan, log=log, code="two_reds_in_14_days", rule="P5", reason=MARKUP)
    handout = stored_handout(plan.current_revision, status=PrintStatus.FAILED, error=MARKUP)
    return {"plan": plan, "log": log, "alert": alert, "handout": handout}


def marked_up_objects(*, clinic, other_clinic, staff, patient, patients, physio) -> dict:
    """The objects every URL of the matrix names, with markup in every free text."""
    load_shipped_library()
    _mark_up_people(clinic, other_clinic, staff, patients)
    clinic.logo = picture_upload("logo.png")  # its name is the logo's text alternative in e-mails
    clinic_services.clinic_save(clinic=clinic)
    exercises = _marked_up_exercises(clinic)
    plan_objects = _marked_up_plan(patient, physio, exercises["drawn_exercise"])
    Intake.objects.create(patient=patient)  # a questionnaire in progress, for the pages that fill one in
    schedule = intake_services.follow_up_schedule_set(
        patient=patient,
        by=physio,
        instruments=["akps"],
        every_weeks=2,
        start=plan_objects["plan"].start,
        safety_questions=False,
    )
    return {
        **exercises,
        **plan_objects,
        **_marked_up_assessments(patient, physio),
        "batch": stored_batch(clinic, [plan_objects["handout"]]),
        "patient": patient,
        "follow_up": intake_services.follow_up_submit(
            schedule=schedule, due_on=plan_objects["plan"].start, answers={"akps": {}}
        ),
        "calendar_feed": portal_services.calendar_feed_create(patient=patient, by=patient.user),
        "clinic": clinic,
        "invite": intake_services.invite_create(patient=patient, by=physio, send_email=False),
        # The patient names her passkey herself.
        "passkey": PasskeyFactory(
            user=patient.user, data={"name": MARKUP, "credential": stored_credential(patient.user)}
        ),
        "messages": [
            portal_services.message_send(patient=patient, by=patient.user, body=MARKUP),
            portal_services.message_send(patient=patient, by=physio.user, body=MARKUP),
        ],
    }


def _welcome_link(clinic, physio) -> str:
    """The welcome page of a marked-up patient just invited to the portal."""
    invited = PatientFactory(clinic=clinic, first_name=MARKUP, last_name=MARKUP)
    user = clinic_services.portal_invite(patient=invited, by=physio)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("portal_welcome", args=[uid, clinic_services.welcome_token_generator.make_token(user)])


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode(errors="replace") if response.get("Content-Type", "").startswith("text/html") else ""


def test_no_page_shows_typed_markup_as_markup(
    cast, clinic, other_clinic, physio, colleague_physio, other_physio, front_desk, patient, other_patient, sign_in
):
    objects = marked_up_objects(
        clinic=clinic,
        other_clinic=other_clinic,
        staff=[physio, colleague_physio, other_physio, front_desk],
        patient=patient,
        patients=[patient, other_patient],
        physio=physio,
    )
    pages = [
        (role, build_url(objects)) for build_url, expected in ACCESS.values() for role in ROLES if expected[role] == OK
    ]
    # The pages turning a role away say nothing of the URL's objects (only the role's own name): one of each will do.
    turned_away = {
        (role, expected[role]): build_url(objects)
        for build_url, expected in reversed(ACCESS.values())
        for role in ROLES
        if expected[role] in (FORBIDDEN, NOT_FOUND)
    }
    pages += [(role, url) for (role, _), url in turned_away.items()]
    # Outside the matrix: the referred assessment, and the pages the patient's intake and welcome links open.
    referred = objects["referred"]
    pages += [
        ("physio", reverse("intake:assessment_detail", args=[patient.pk, referred.intake_id, referred.pk])),
        ("anonymous", objects["invite"].get_absolute_url()),
        ("anonymous", _welcome_link(clinic, physio)),
        ("physio", objects["drawn_exercise"].get_absolute_url()),
    ]
    leaks, escaped = [], 0
    for role, url in pages:
        body = _body(sign_in(cast[role]).get(url))
        leaks += [f"{role} on {url}: {raw}" for raw in UNESCAPED if raw in body]
        escaped += ESCAPED in body
    assert not leaks, "\n".join(leaks)
    # The markup was there to be shown: most pages show some of it (as text).
    assert len(pages) > 120 and escaped > 90


def test_no_email_to_a_patient_shows_typed_markup_as_markup(
    clinic, other_clinic, physio, patient, other_patient, django_capture_on_commit_callbacks
):
    _mark_up_people(clinic, other_clinic, [physio], [patient, other_patient])
    invited = PatientFactory(clinic=clinic, first_name=MARKUP, last_name=MARKUP)
    with django_capture_on_commit_callbacks(execute=True):
        clinic_services.portal_invite(patient=invited, by=physio)
        intake_services.invite_create(patient=patient, by=physio)
    reminder = ReminderSent.objects.create(patient=patient, kind=ReminderKind.SESSION, for_date=timezone.localdate())
    reminders.reminder_send(reminder_id=reminder.pk)
    for kind in NoticeKind:
        notices.notice_send(notice_id=NoticeSent.objects.create(patient=patient, kind=kind).pk)
    assert len(mail.outbox) == 6
    for message in mail.outbox:
        [(html, _)] = message.alternatives
        assert not [raw for raw in UNESCAPED if raw in html], message.subject
