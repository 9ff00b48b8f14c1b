"""Every URL of the project against every role of the cast.

ACCESS lists, per URL name, how to build the URL from the cast's objects and what each role gets. A URL that is
added without an entry here fails `test_every_url_has_an_access_entry`: who may see what is decided on purpose.
"""

from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from clinic import services as clinic_services
from intake import services as intake_services
from intake.models import Intake
from plans import services as plans_services
from plans.models import PlanAlert
from tests.intake.factories import ConfirmedAssessmentFactory, SubmittedIntakeFactory
from tests.plans.library_factories import ExerciseFactory, picture_upload
from tests.plans.plan_factories import issued_plan, load_shipped_library

OK, FORBIDDEN, NOT_FOUND, LOGIN, POST_ONLY = 200, 403, 404, "login", 405
ROLES = ["physio", "other_clinic_physio", "front_desk", "patient", "other_patient", "anonymous"]


def expect(physio, other_clinic_physio, front_desk, patient, other_patient, anonymous):
    return dict(zip(ROLES, [physio, other_clinic_physio, front_desk, patient, other_patient, anonymous], strict=True))


STAFF_PAGE = expect(OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN)
# A record of the cast's clinic: other clinics get 404 so they cannot even learn it exists.
CLINIC_RECORD = expect(OK, NOT_FOUND, OK, FORBIDDEN, FORBIDDEN, LOGIN)
PATIENT_PAGE = expect(FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK, LOGIN)
PUBLIC = expect(OK, OK, OK, OK, OK, OK)
# Clinical data of the cast's clinic: its physiotherapists only; the front desk sees administrative data only.
CLINICAL_RECORD = expect(OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, LOGIN)
# Pages only physiotherapists use (front desk may look, not change).
PHYSIO_PAGE = expect(OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, LOGIN)
# Physiotherapists' POST-only actions: a GET is refused (405) once the role is checked.
PHYSIO_ACTION = expect(POST_ONLY, POST_ONLY, FORBIDDEN, FORBIDDEN, FORBIDDEN, LOGIN)
# A patient's own record in the portal: looked up within the signed-in patient, so another patient finds nothing.
OWN_PORTAL_RECORD = expect(FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, NOT_FOUND, LOGIN)
# The portal's POST-only actions: a GET is refused (405) once the patient is recognised.
PORTAL_ACTION = expect(FORBIDDEN, FORBIDDEN, FORBIDDEN, POST_ONLY, POST_ONLY, LOGIN)
# Staff actions on a patient (physio or front desk), POST only.
STAFF_ACTION = expect(POST_ONLY, POST_ONLY, POST_ONLY, FORBIDDEN, FORBIDDEN, LOGIN)
# The signed-in user's own account pages, whatever their role.
ACCOUNT_PAGE = expect(OK, OK, OK, OK, OK, LOGIN)
# Account pages that send a user elsewhere until they apply (no two-factor yet, no fresh codes, no recent password).
ACCOUNT_REDIRECT = expect(302, 302, 302, 302, 302, LOGIN)

ACCESS = {
    "home": (lambda objs: reverse("home"), expect(302, 302, 302, 302, 302, LOGIN)),
    "patient_list": (lambda objs: reverse("patient_list"), STAFF_PAGE),
    "patient_create": (lambda objs: reverse("patient_create"), STAFF_PAGE),
    "patient_detail": (lambda objs: reverse("patient_detail", args=[objs["patient"].pk]), CLINIC_RECORD),
    "patient_edit": (lambda objs: reverse("patient_edit", args=[objs["patient"].pk]), CLINIC_RECORD),
    # The audit trail is clinical: the clinic's physiotherapists only, not the front desk.
    "patient_audit": (
        lambda objs: reverse("patient_audit", args=[objs["patient"].pk]),
        expect(OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, LOGIN),
    ),
    "my_page": (lambda objs: reverse("my_page"), PATIENT_PAGE),
    "portal_plan": (lambda objs: reverse("portal_plan"), PATIENT_PAGE),
    "portal_settings": (lambda objs: reverse("portal_settings"), PATIENT_PAGE),
    "portal_session": (lambda objs: reverse("portal_session", args=[objs["log"].session_date]), OWN_PORTAL_RECORD),
    # A day of the plan not logged yet (tomorrow: the page says why it cannot be logged yet).
    "portal_log": (
        lambda objs: reverse("portal_log", args=[objs["log"].session_date + timedelta(days=1)]),
        OWN_PORTAL_RECORD,
    ),
    "portal_morning": (lambda objs: reverse("portal_morning", args=[objs["log"].session_date]), PORTAL_ACTION),
    "portal_calendar_new": (lambda objs: reverse("portal_calendar_new"), PORTAL_ACTION),
    "portal_calendar_revoke": (lambda objs: reverse("portal_calendar_revoke"), PORTAL_ACTION),
    # The calendar feed needs no sign-in (calendar apps cannot): its secret address is the key, for whoever holds it.
    "calendar_feed": (lambda objs: objs["calendar_feed"].get_absolute_url(), PUBLIC),
    "portal_invite": (lambda objs: reverse("portal_invite", args=[objs["patient"].pk]), STAFF_ACTION),
    "patient_calendar_revoke": (
        lambda objs: reverse("patient_calendar_revoke", args=[objs["patient"].pk]),
        STAFF_ACTION,
    ),
    # Each physio's own caseload (or their clinic's); nothing for the front desk or patients.
    "caseload": (lambda objs: reverse("caseload"), PHYSIO_PAGE),
    "intake:follow_up_schedule": (
        lambda objs: reverse("intake:follow_up_schedule", args=[objs["patient"].pk]),
        CLINICAL_RECORD,
    ),
    "intake:follow_up_stop": (lambda objs: reverse("intake:follow_up_stop", args=[objs["patient"].pk]), PHYSIO_ACTION),
    "intake:follow_up": (lambda objs: objs["follow_up"].get_absolute_url(), CLINICAL_RECORD),
    "intake:follow_up_reviewed": (
        lambda objs: reverse("intake:follow_up_reviewed", args=[objs["patient"].pk, objs["follow_up"].pk]),
        PHYSIO_ACTION,
    ),
    "intake:questionnaire": (lambda objs: reverse("intake:questionnaire"), PATIENT_PAGE),
    "intake:questionnaire_done": (
        lambda objs: reverse("intake:questionnaire_done", args=[objs["follow_up"].pk]),
        OWN_PORTAL_RECORD,
    ),
    "exercise_list": (lambda objs: reverse("exercise_list"), STAFF_PAGE),
    "exercise_create": (lambda objs: reverse("exercise_create"), PHYSIO_PAGE),
    "exercise_detail": (lambda objs: reverse("exercise_detail", args=[objs["exercise"].slug]), CLINIC_RECORD),
    "exercise_edit": (lambda objs: reverse("exercise_edit", args=[objs["exercise"].slug]), CLINICAL_RECORD),
    "exercise_deactivate": (lambda objs: reverse("exercise_deactivate", args=[objs["exercise"].slug]), CLINICAL_RECORD),
    "exercise_reactivate": (
        lambda objs: reverse("exercise_reactivate", args=[objs["exercise"].slug]),
        expect(POST_ONLY, POST_ONLY, FORBIDDEN, FORBIDDEN, FORBIDDEN, LOGIN),
    ),
    # A clinic's own picture: its staff and its patients (who will see it in their plan), nobody else.
    "exercise_image": (
        lambda objs: reverse("exercise_image", args=[objs["exercise"].slug]),
        expect(OK, NOT_FOUND, OK, OK, OK, LOGIN),
    ),
    "healthz": (lambda objs: reverse("healthz"), PUBLIC),
    "password_reset": (lambda objs: reverse("password_reset"), PUBLIC),
    "password_reset_done": (lambda objs: reverse("password_reset_done"), PUBLIC),
    "password_reset_complete": (lambda objs: reverse("password_reset_complete"), PUBLIC),
    "password_change": (lambda objs: reverse("password_change"), expect(OK, OK, OK, OK, OK, LOGIN)),
    "password_change_done": (lambda objs: reverse("password_change_done"), expect(OK, OK, OK, OK, OK, LOGIN)),
    "intake:review": (
        lambda objs: reverse("intake:review", args=[objs["patient"].pk, objs["intake"].pk]),
        CLINICAL_RECORD,
    ),
    "intake:examination": (
        lambda objs: reverse("intake:examination", args=[objs["patient"].pk, objs["intake"].pk]),
        CLINICAL_RECORD,
    ),
    "intake:assessment": (
        lambda objs: reverse("intake:assessment", args=[objs["patient"].pk, objs["intake"].pk]),
        CLINICAL_RECORD,
    ),
    "intake:assessment_detail": (lambda objs: objs["assessment"].get_absolute_url(), CLINICAL_RECORD),
    "intake:staff_step": (
        lambda objs: reverse("intake:staff_step", args=[objs["draft"].patient_id, "knee"]),
        CLINICAL_RECORD,
    ),
    # Without a password step just passed, the code page sends everyone back to sign in (signed-in users home).
    "sign_in_code": (lambda objs: reverse("sign_in_code"), ACCOUNT_REDIRECT),
    "reauth": (lambda objs: reverse("reauth"), ACCOUNT_PAGE),
    "account_security": (lambda objs: reverse("account_security"), ACCOUNT_PAGE),
    "two_factor_setup": (lambda objs: reverse("two_factor_setup"), ACCOUNT_PAGE),
    "two_factor_disable": (lambda objs: reverse("two_factor_disable"), ACCOUNT_REDIRECT),
    "recovery_codes": (lambda objs: reverse("recovery_codes"), ACCOUNT_REDIRECT),
    "recovery_codes_regenerate": (lambda objs: reverse("recovery_codes_regenerate"), ACCOUNT_REDIRECT),
    # A plan's status and revision list are administrative (front desk too); its schedule, logs and editor clinical.
    "plans:detail": (lambda objs: reverse("plans:detail", args=plan_args(objs)), CLINIC_RECORD),
    "plans:draft": (lambda objs: reverse("plans:draft", args=plan_args(objs)), CLINICAL_RECORD),
    "plans:revision": (lambda objs: reverse("plans:revision", args=[*plan_args(objs), 1]), CLINICAL_RECORD),
    "plans:log_create": (lambda objs: reverse("plans:log_create", args=plan_args(objs)), CLINICAL_RECORD),
    "plans:log": (lambda objs: reverse("plans:log", args=[*plan_args(objs), objs["log"].pk]), CLINICAL_RECORD),
    "plans:build": (
        lambda objs: reverse(
            "plans:build",
            args=[objs["patient"].pk, objs["plan"].assessment.intake_id, objs["plan"].assessment_id],
        ),
        PHYSIO_ACTION,
    ),
    "plans:issue": (lambda objs: reverse("plans:issue", args=plan_args(objs)), PHYSIO_ACTION),
    "plans:end": (lambda objs: reverse("plans:end", args=plan_args(objs)), PHYSIO_ACTION),
    "plans:revision_undo": (lambda objs: reverse("plans:revision_undo", args=[*plan_args(objs), 1]), PHYSIO_ACTION),
    "plans:alert_review": (
        lambda objs: reverse("plans:alert_review", args=[*plan_args(objs), objs["alert"].pk]),
        PHYSIO_ACTION,
    ),
}

# Views whose behaviour is tested on their own: they need a token, a POST or are Django's own pages.
TESTED_ELSEWHERE = {
    "login": "signed-in users are redirected; tested in tests/clinic/test_auth.py",
    "logout": "POST only; tested in tests/clinic/test_auth.py",
    "password_reset_confirm": "needs a token; tested in tests/clinic/test_auth.py",
    "intake:start": "the patient's signed link, no account: tested in tests/intake/test_link.py",
    "intake:step": "the patient's signed link after the date-of-birth check: tests/intake/test_questionnaire_flow.py",
    "intake:done": "the patient's signed link after sending: tested in tests/intake/test_screening.py",
    "intake:invite_create": "POST only; every role tested in tests/intake/test_invites.py",
    "intake:staff_start": "POST only; every role tested in tests/intake/test_review.py",
    "intake:mark_reviewed": "POST only; every role tested in tests/intake/test_review.py",
    "intake:account": "POST only, behind the patient's signed link: tested in tests/clinic/test_portal_accounts.py",
    "portal_welcome": "needs a one-time token; tested in tests/clinic/test_portal_accounts.py",
}


def _url_names(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # Django's admin checks is_staff itself
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _url_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def test_every_url_has_an_access_entry():
    missing = set(_url_names(get_resolver().url_patterns)) - set(ACCESS) - set(TESTED_ELSEWHERE)
    assert not missing, f"URLs without an entry in ACCESS: {sorted(missing)}"


def plan_args(objs):
    return [objs["patient"].pk, objs["plan"].pk]


@pytest.fixture
def objects(patient, other_patient, foreign_patient, physio):
    exercise = ExerciseFactory(clinic=patient.clinic, image=picture_upload())
    load_shipped_library()
    plan = issued_plan(patient, as_of=timezone.localdate())
    log = plans_services.session_log_create(
        plan=plan, by=patient.physio.user, session_date=plan.start, pain_during_max=1
    ).log
    intake = SubmittedIntakeFactory(patient=patient)
    schedule = intake_services.follow_up_schedule_set(
        patient=patient, by=physio, instruments=["akps"], every_weeks=2, start=plan.start, safety_questions=False
    )
    return {
        "follow_up": intake_services.follow_up_submit(schedule=schedule, due_on=plan.start, answers={"akps": {}}),
        "calendar_feed": clinic_services.calendar_feed_create(patient=patient, by=patient.user),
        "plan": plan,
        "log": log,
        "alert": PlanAlert.objects.create(plan=plan, log=log, code="two_reds_in_14_days", rule="P5", reason="Two reds"),
        "patient": patient,
        "other_patient": other_patient,
        "foreign_patient": foreign_patient,
        "exercise": exercise,
        "intake": intake,
        "draft": Intake.objects.create(patient=other_patient),
        "assessment": ConfirmedAssessmentFactory(intake=intake, created_by=physio),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", sorted(ACCESS))
def test_url_answers_each_role_as_intended(url_name, role, cast, objects, login_as):
    build_url, expected = ACCESS[url_name]
    url = build_url(objects)
    response = login_as(cast[role]).get(url)
    if expected[role] == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    else:
        assert response.status_code == expected[role], f"{role} on {url}"


@pytest.mark.parametrize("url_name", ["patient_detail", "patient_edit", "patient_audit"])
def test_patient_of_another_clinic_is_not_found(url_name, physio_client, foreign_patient):
    response = physio_client.get(reverse(url_name, args=[foreign_patient.pk]))
    assert response.status_code == 404
