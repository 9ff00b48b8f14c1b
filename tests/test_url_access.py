"""Every URL of the project against every role of the cast, and every URL that names an object against the same URL
built with objects the user may not reach (insecure direct object references).

ACCESS lists, per URL name, how to build the URL from a set of objects and what each role gets with the cast's
own. A URL that is added without an entry here fails `test_every_url_has_an_access_entry`: who may see what is
decided on purpose. A URL that names an object is then tried with another clinic's objects and with another
patient's (`test_object_urls_with_objects_out_of_reach_are_not_found`): the builder gets those objects instead of
the cast's, so every new object URL is tried that way too, and one whose builder ignores the objects it is given
fails there.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from clinic import data_rights
from clinic import services as clinic_services
from clinic.models import AuditEvent
from intake import services as intake_services
from intake.models import Intake
from plans import services as plans_services
from plans.models import PlanAlert
from portal import services as portal_services
from portal.models import Message
from tests.conftest import a_foreign_patient, read_again, the_cast, users_by_role
from tests.factories import PasskeyFactory, UserFactory
from tests.intake.factories import ConfirmedAssessmentFactory, SubmittedIntakeFactory
from tests.plans.handout_factories import stored_batch, stored_handout
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
# Staff actions (physio or front desk), POST only: a GET is refused (405) once the role is checked.
STAFF_ACTION = expect(POST_ONLY, POST_ONLY, POST_ONLY, FORBIDDEN, FORBIDDEN, LOGIN)
# The signed-in user's own account pages, whatever their role.
ACCOUNT_PAGE = expect(OK, OK, OK, OK, OK, LOGIN)
# Account pages that send a user elsewhere until they apply (no two-factor yet, no fresh codes, no recent password).
ACCOUNT_REDIRECT = expect(302, 302, 302, 302, 302, LOGIN)
# The sign-in page: signed-in users are sent home.
SIGNED_IN_SENT_HOME = expect(302, 302, 302, 302, 302, OK)
SIGNED_IN_SENT_HOME_ANONYMOUS_TO_SIGN_IN = expect(302, 302, 302, 302, 302, LOGIN)
# The signed-in user's own two-factor records that the cast have not made: nothing to show.
OWN_NONE_YET = expect(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, LOGIN)
# A record of the patient's own account (her passkey), looked up among the signed-in user's own.
OWN_ACCOUNT_RECORD = expect(NOT_FOUND, NOT_FOUND, NOT_FOUND, OK, NOT_FOUND, LOGIN)

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
    # Behind `reauth_required` too: the matrix signs in with a password just confirmed (see `sign_in`).
    "patient_data_rights": (lambda objs: reverse("patient_data_rights", args=[objs["patient"].pk]), CLINICAL_RECORD),
    "patient_export": (lambda objs: reverse("patient_export", args=[objs["patient"].pk]), CLINICAL_RECORD),
    "my_page": (lambda objs: reverse("my_page"), PATIENT_PAGE),
    "portal_plan": (lambda objs: reverse("portal_plan"), PATIENT_PAGE),
    "portal_settings": (lambda objs: reverse("portal_settings"), PATIENT_PAGE),
    # The patient's own conversation with the clinic: looked up within the signed-in patient, so it is always her own.
    "portal_messages": (lambda objs: reverse("portal_messages"), PATIENT_PAGE),
    # The staff's side of a patient's conversation is clinical: the front desk learns only that there is one (on the
    # patient page).
    "patient_messages": (lambda objs: reverse("patient_messages", args=[objs["patient"].pk]), CLINICAL_RECORD),
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
    "plans:caseload": (lambda objs: reverse("plans:caseload"), PHYSIO_PAGE),
    # The clinic's outcomes, counted: its own physiotherapists only (another clinic's sees its own clinic's).
    "plans:outcomes": (lambda objs: reverse("plans:outcomes"), PHYSIO_PAGE),
    "plans:outcomes_csv": (lambda objs: reverse("plans:outcomes_csv"), PHYSIO_PAGE),
    "intake:follow_up_schedule": (
        lambda objs: reverse("intake:follow_up_schedule", args=[objs["patient"].pk]),
        CLINICAL_RECORD,
    ),
    "intake:follow_up_stop": (lambda objs: reverse("intake:follow_up_stop", args=[objs["patient"].pk]), PHYSIO_ACTION),
    "intake:follow_up": (
        lambda objs: reverse("intake:follow_up", args=[objs["patient"].pk, objs["follow_up"].pk]),
        CLINICAL_RECORD,
    ),
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
    "exercise_reactivate": (lambda objs: reverse("exercise_reactivate", args=[objs["exercise"].slug]), PHYSIO_ACTION),
    # A clinic's own picture: its staff and its patients (who will see it in their plan), nobody else.
    "exercise_image": (
        lambda objs: reverse("exercise_image", args=[objs["exercise"].slug]),
        expect(OK, NOT_FOUND, OK, OK, OK, LOGIN),
    ),
    "healthz": (lambda objs: reverse("healthz"), PUBLIC),
    # A clinic's own branding, fetched by e-mail clients too: public (tests/clinic/test_clinic_logo.py).
    "clinic_logo": (lambda objs: objs["clinic"].logo_url(), PUBLIC),
    # Accounts (allauth's pages, clinic/urls.py). Signing in: signed-in users are sent home.
    "account_login": (lambda objs: reverse("account_login"), SIGNED_IN_SENT_HOME),
    "login": (lambda objs: reverse("login"), SIGNED_IN_SENT_HOME),
    # Signing out asks on a GET (the POST signs out: tests/clinic/test_auth.py); nobody to sign out goes to sign in.
    "account_logout": (lambda objs: reverse("account_logout"), ACCOUNT_PAGE),
    "logout": (lambda objs: reverse("logout"), ACCOUNT_PAGE),
    "account_inactive": (lambda objs: reverse("account_inactive"), PUBLIC),
    "account_reset_password": (lambda objs: reverse("account_reset_password"), PUBLIC),
    "account_reset_password_done": (lambda objs: reverse("account_reset_password_done"), PUBLIC),
    "account_reset_password_from_key_done": (lambda objs: reverse("account_reset_password_from_key_done"), PUBLIC),
    "account_change_password": (lambda objs: reverse("account_change_password"), ACCOUNT_PAGE),
    # The cast have passwords: choosing a first one sends them to changing it.
    "account_set_password": (lambda objs: reverse("account_set_password"), ACCOUNT_REDIRECT),
    # Confirming who it is: the password, but for the patient, whose passkey (objects["passkey"]) confirms instead.
    "account_reauthenticate": (
        lambda objs: reverse("account_reauthenticate"),
        expect(OK, OK, OK, 302, OK, LOGIN),
    ),
    "mfa_index": (lambda objs: reverse("mfa_index"), ACCOUNT_PAGE),
    # The sign-in's second step exists only between the password and the code: otherwise back to signing in (and
    # signed-in users on home). Tested between the two: tests/clinic/test_two_factor.py, test_passkeys.py.
    "mfa_authenticate": (lambda objs: reverse("mfa_authenticate"), ACCOUNT_REDIRECT),
    # Confirming with a code the cast have not set up sends them to the password (the patient to her passkey); with a
    # passkey, only the patient has one. Tested with a code: tests/clinic/test_reauth.py.
    "mfa_reauthenticate": (lambda objs: reverse("mfa_reauthenticate"), ACCOUNT_REDIRECT),
    "mfa_reauthenticate_webauthn": (
        lambda objs: reverse("mfa_reauthenticate_webauthn"),
        expect(302, 302, 302, OK, 302, LOGIN),
    ),
    "mfa_activate_totp": (lambda objs: reverse("mfa_activate_totp"), ACCOUNT_PAGE),
    # The signed-in user's own authenticator app and recovery codes: the cast have none (see test_two_factor.py).
    "mfa_deactivate_totp": (lambda objs: reverse("mfa_deactivate_totp"), OWN_NONE_YET),
    "mfa_view_recovery_codes": (lambda objs: reverse("mfa_view_recovery_codes"), OWN_NONE_YET),
    "mfa_generate_recovery_codes": (lambda objs: reverse("mfa_generate_recovery_codes"), ACCOUNT_PAGE),
    "mfa_list_webauthn": (lambda objs: reverse("mfa_list_webauthn"), ACCOUNT_PAGE),
    "mfa_add_webauthn": (lambda objs: reverse("mfa_add_webauthn"), ACCOUNT_PAGE),
    # A passkey is looked up among the signed-in user's own: the patient's is hers alone.
    "mfa_edit_webauthn": (lambda objs: reverse("mfa_edit_webauthn", args=[objs["passkey"].pk]), OWN_ACCOUNT_RECORD),
    "mfa_remove_webauthn": (lambda objs: reverse("mfa_remove_webauthn", args=[objs["passkey"].pk]), OWN_ACCOUNT_RECORD),
    # Signing in with a passkey is a POST (tests/clinic/test_passkeys.py); its GET answers the browser's script with
    # JSON, sends a page visit to signing in, and signed-in users home.
    "mfa_login_webauthn": (lambda objs: reverse("mfa_login_webauthn"), SIGNED_IN_SENT_HOME_ANONYMOUS_TO_SIGN_IN),
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
    "intake:assessment_detail": (
        lambda objs: reverse(
            "intake:assessment_detail", args=[objs["patient"].pk, objs["intake"].pk, objs["assessment"].pk]
        ),
        CLINICAL_RECORD,
    ),
    "intake:staff_step": (
        lambda objs: reverse("intake:staff_step", args=[objs["patient"].pk, "knee"]),
        CLINICAL_RECORD,
    ),
    # Sending a link is administrative (front desk too); its GET is refused once the role is checked.
    "intake:invite_create": (
        lambda objs: reverse("intake:invite_create", args=[objs["patient"].pk]),
        expect(POST_ONLY, POST_ONLY, POST_ONLY, FORBIDDEN, FORBIDDEN, LOGIN),
    ),
    "intake:staff_start": (lambda objs: reverse("intake:staff_start", args=[objs["patient"].pk]), PHYSIO_ACTION),
    "intake:mark_reviewed": (
        lambda objs: reverse("intake:mark_reviewed", args=[objs["patient"].pk, objs["intake"].pk]),
        PHYSIO_ACTION,
    ),
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
    "plans:issue_review": (lambda objs: reverse("plans:issue_review", args=plan_args(objs)), CLINICAL_RECORD),
    "plans:end": (lambda objs: reverse("plans:end", args=plan_args(objs)), PHYSIO_ACTION),
    "plans:resume": (lambda objs: reverse("plans:resume", args=plan_args(objs)), PHYSIO_ACTION),
    "plans:revision_undo": (lambda objs: reverse("plans:revision_undo", args=[*plan_args(objs), 1]), PHYSIO_ACTION),
    "plans:alert_review": (
        lambda objs: reverse("plans:alert_review", args=[*plan_args(objs), objs["alert"].pk]),
        PHYSIO_ACTION,
    ),
    # Printing handouts is the front desk's work as much as the physios'; a patient downloads their own handouts.
    "handouts:queue": (lambda objs: reverse("handouts:queue"), STAFF_PAGE),
    "handouts:queue_status": (lambda objs: reverse("handouts:queue_status"), STAFF_PAGE),
    "handouts:request": (lambda objs: reverse("handouts:request", args=plan_args(objs)), STAFF_ACTION),
    "handouts:retry": (
        lambda objs: reverse("handouts:retry", args=[objs["patient"].pk, objs["handout"].pk]),
        STAFF_ACTION,
    ),
    "handouts:download": (
        lambda objs: reverse("handouts:download", args=[objs["patient"].pk, objs["handout"].pk]),
        expect(OK, NOT_FOUND, OK, OK, NOT_FOUND, LOGIN),
    ),
    "handouts:batch_download": (
        lambda objs: reverse("handouts:batch_download", args=[objs["batch"].pk]),
        CLINIC_RECORD,
    ),
    "handouts:batch_retry": (lambda objs: reverse("handouts:batch_retry", args=[objs["batch"].pk]), STAFF_ACTION),
}

# URLs that name their object by a signed token, not a number: nobody can build one for an object they were not
# given, and tampered tokens are tested with their views.
SIGNED_LINKS = {
    "account_reset_password_from_key": "a password reset token: tested in tests/clinic/test_auth.py and, against the "
    "welcome token, tests/clinic/test_portal_accounts.py",
    "intake:start": "the patient's signed link, no account: tested in tests/intake/test_link.py",
    "intake:step": "the patient's signed link after the date-of-birth check: tests/intake/test_questionnaire_flow.py",
    "intake:done": "the patient's signed link after sending: tested in tests/intake/test_screening.py",
    "intake:account": "POST only, behind the patient's signed link: tested in tests/clinic/test_portal_accounts.py",
    "portal_welcome": "a one-time welcome token of its own: tested in tests/clinic/test_portal_accounts.py",
    # Not signed but random (256 bits) and revocable: the matrix above shows anyone holding it gets the feed; an
    # unknown or revoked address answers 404 (tests/portal/test_calendar_feed.py).
    "calendar_feed": "a patient's secret calendar address, no sign-in: tested in tests/portal/test_calendar_feed.py",
    # Public branding, named by its stored file's random name; any other name answers 404.
    "clinic_logo": "a clinic's logo, anyone's to see: tested in tests/clinic/test_clinic_logo.py",
}
# The patient's own days in the portal (/me/sessions/<date>/…): a date is looked up in the signed-in patient's own
# plan, so no other patient's record can be named; tests/portal/test_portal.py tries another patient on them.
PORTAL_DAYS = {"portal_session", "portal_log", "portal_morning"}
# Views whose behaviour is tested on their own: they need a token, a POST or are Django's own pages.
TESTED_ELSEWHERE = {**SIGNED_LINKS}


def _url_patterns(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # Django's admin checks is_staff itself
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _url_patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


URL_NAMES = {name for name, _ in _url_patterns(get_resolver().url_patterns)}
# The URLs that name an object (a patient, an intake, an exercise, …) by a number or code in their path.
OBJECT_URL_NAMES = sorted(
    {name for name, pattern in _url_patterns(get_resolver().url_patterns) if pattern.pattern.converters}
    - set(SIGNED_LINKS)
    - PORTAL_DAYS
)


def test_every_url_has_an_access_entry():
    missing = URL_NAMES - set(ACCESS) - set(TESTED_ELSEWHERE)
    assert not missing, f"URLs without an entry in ACCESS: {sorted(missing)}"


def test_every_object_url_is_in_the_matrix():
    missing = set(OBJECT_URL_NAMES) - set(ACCESS)
    assert not missing, f"URLs naming objects without an entry in ACCESS: {sorted(missing)}"


def plan_args(objs):
    return [objs["patient"].pk, objs["plan"].pk]


def _clinic_objects(clinic) -> dict:
    """The clinic's records every URL may name: a clinic exercise with a picture, a batch of handouts printed, its
    logo."""
    clinic.logo = picture_upload("logo.png")
    clinic_services.clinic_save(clinic=clinic)
    return {
        "exercise": ExerciseFactory(clinic=clinic, image=picture_upload()),
        "batch": stored_batch(clinic, []),
        "clinic": clinic,
    }


def _patient_objects(patient, physio) -> dict:
    """A patient's records every URL may name: the patient, a submitted intake and its confirmed assessment (and a
    questionnaire in progress, for the pages that fill one in), an issued plan with a logged session and an alert,
    an answered follow-up questionnaire, a calendar address, the plan's handout, and a message each way."""
    intake = SubmittedIntakeFactory(patient=patient)
    Intake.objects.create(patient=patient)
    plan = issued_plan(patient, as_of=timezone.localdate())
    log = plans_services.session_log_create(plan=plan, by=physio.user, session_date=plan.start, pain_during_max=1).log
    schedule = intake_services.follow_up_schedule_set(
        patient=patient, by=physio, instruments=["akps"], every_weeks=2, start=plan.start, safety_questions=False
    )
    return {
        "follow_up": intake_services.follow_up_submit(schedule=schedule, due_on=plan.start, answers={"akps": {}}),
        "calendar_feed": portal_services.calendar_feed_create(patient=patient, by=patient.user),
        "patient": patient,
        "intake": intake,
        "assessment": ConfirmedAssessmentFactory(intake=intake, created_by=physio),
        "handout": stored_handout(plan.current_revision),
        "plan": plan,
        "log": log,
        "alert": PlanAlert.objects.create(plan=plan, log=log, code="two_reds_in_14_days", rule="P5", reason="Two reds"),
        "passkey": PasskeyFactory(user=patient.user or UserFactory()),
        "messages": [
            Message.objects.create(patient=patient, from_patient=True, author=patient.user, body="Run tomorrow?"),
            Message.objects.create(patient=patient, from_patient=False, author=physio.user, body="Yes, gently."),
        ],
    }


def objects_named_by_urls(clinic, patient, physio) -> dict:
    """The clinic's and the patient's records, printed as a batch, with the shipped exercise library (the plans')."""
    load_shipped_library()
    objects = {**_clinic_objects(clinic), **_patient_objects(patient, physio)}
    objects["batch"].handouts.set([objects["handout"]])
    return objects


@pytest.fixture(scope="module")
def made_once(module_db):
    """The cast and the objects the URLs name, made once for all the tests of the module."""
    with module_db():
        people = the_cast()
        objects = objects_named_by_urls(people["clinic"], people["patient"], people["physio"])
    return people, objects


@pytest.fixture
def people(made_once, db):
    return read_again(made_once[0])


@pytest.fixture
def objects(made_once, db):
    return read_again(made_once[1])


@pytest.fixture
def cast(people):
    return users_by_role(**people)


@pytest.fixture(scope="module")
def sessions(made_once, module_db) -> dict:
    """Each user of the cast signed in once for the module's tests: their session key, by user id."""
    with module_db():
        return {user.pk: _signed_in(user) for user in users_by_role(**made_once[0]).values() if user is not None}


def _signed_in(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def sign_in(client, sessions, reauthenticated):
    """The test client as a user of the cast (None: nobody signed in), in the session they signed in with for the
    module, with a password just confirmed, so the pages behind `reauth_required` answer as they will once it is
    (tests/clinic/test_reauth.py tests the asking)."""

    def sign_in(user):
        client.cookies.clear()
        if user is None:
            return client
        client.cookies[settings.SESSION_COOKIE_NAME] = sessions[user.pk]
        return reauthenticated(client)

    return sign_in


def _answer(response) -> object:
    """A response as ACCESS names it: a status code, or LOGIN for a redirect to the sign-in page."""
    if response.status_code == 302 and response.url.startswith(reverse("login")):
        return LOGIN
    return response.status_code


@pytest.mark.parametrize("url_name", sorted(ACCESS))
def test_url_answers_each_role_as_intended(url_name, cast, objects, sign_in):
    """Each role of the cast in turn; all the wrong answers are listed at once."""
    build_url, expected = ACCESS[url_name]
    url = build_url(objects)
    wrong = []
    for role in ROLES:
        response = sign_in(cast[role]).get(url)
        if response.streaming:
            b"".join(response.streaming_content)  # read to the end, as a browser does, so the download is closed
        if _answer(response) != expected[role]:
            wrong.append(f"{role}: {_answer(response)}, expected {expected[role]}")
    assert not wrong, f"{url}: " + "; ".join(wrong)


# --- Objects out of reach -------------------------------------------------------------------------------------

# The roles whose answers change with objects out of their reach. (The other clinic's physiotherapist is the mirror
# image: the matrix above already gives them the cast's clinic's objects.)
IDOR_ROLES = ["physio", "front_desk", "patient", "other_patient", "anonymous"]


VARIANTS = [
    "another clinic's objects",
    "another clinic's objects under our patient",
    "another patient's objects under our patient",
]


@pytest.fixture
def out_of_reach(request, objects, people):
    """For one way of naming objects the cast must not reach (`request.param`): the objects to build URLs with, and
    the roles to try them with (not the other patient on her own records)."""
    ours = {"patient": objects["patient"]}
    if request.param == "another patient's objects under our patient":
        roles = [role for role in IDOR_ROLES if role != "other_patient"]
        return {**objects, **_patient_objects(people["other_patient"], people["physio"]), **ours}, roles
    foreign_patient = a_foreign_patient(people["other_clinic"], people["other_physio"])
    foreign = {**_clinic_objects(foreign_patient.clinic), **_patient_objects(foreign_patient, people["other_physio"])}
    return (foreign if request.param == "another clinic's objects" else {**foreign, **ours}), IDOR_ROLES


def _answer_out_of_reach(expected_with_own):
    """What a role gets for objects out of its reach: what it gets for its own when it is turned away before any
    object is looked up (403, sign in), otherwise 404, never the object nor a hint that it exists."""
    return expected_with_own if expected_with_own in (FORBIDDEN, LOGIN) else NOT_FOUND


@pytest.mark.parametrize("out_of_reach", VARIANTS, indirect=True)
def test_object_urls_with_objects_out_of_reach_are_not_found(cast, objects, out_of_reach, sign_in):
    """Every object URL, each role of the cast; all the wrong answers are listed at once."""
    others, roles = out_of_reach
    urls = {}
    for url_name in OBJECT_URL_NAMES:
        build_url, _ = ACCESS[url_name]
        url = build_url(others)
        if url == build_url(objects):
            # Only a URL that names the patient alone may stay the same (the variants under our patient keep ours).
            assert others["patient"] == objects["patient"], f"{url_name}: build it from the objects given"
            continue
        urls[url_name] = url
    assert urls
    wrong = []
    for role in roles:
        client = sign_in(cast[role])  # once for every URL: none of them may change anything
        for url_name, url in urls.items():
            expected = ACCESS[url_name][1][role]
            # POST-only actions are tried with a POST: a GET would be refused before any object is looked up.
            response = client.post(url) if expected == POST_ONLY else client.get(url)
            if _answer(response) != _answer_out_of_reach(expected):
                wrong.append(f"{role} on {url} ({url_name}): {_answer(response)}")
    assert not wrong, "\n".join(wrong)


def test_every_url_of_an_erased_patient_is_not_found(cast, objects, sign_in):
    patient = objects["patient"]
    urls = [
        (ACCESS[name][0](objects), ACCESS[name][1]["physio"])
        for name in OBJECT_URL_NAMES
        if ACCESS[name][0](objects).startswith(f"/patients/{patient.pk}/")
    ]
    assert len(urls) >= 8
    data_rights.patient_erase(patient=patient)
    client = sign_in(cast["physio"])
    for url, expected in urls:
        response = client.post(url) if expected == POST_ONLY else client.get(url)
        assert response.status_code == NOT_FOUND, url


# --- Every look at a patient's record is in the audit trail -------------------------------------------------------

# Pages that show no one patient's record: a GET leaves the audit trail as it was. Every other page answered with
# 200 records exactly one event, of the patient it belongs to (clinic.access.patient_record_view).
NOT_A_PATIENT_RECORD = {
    "patient_list": "names and statuses only; each record opened from it is audited",
    "patient_create": "an empty form",
    "patient_audit": "the trail itself: it lists what was done with the records (tests/clinic/test_patient_audit.py)",
    "plans:caseload": "a physio's list of patients; each record opened from it is audited",
    "plans:outcomes": "the clinic's outcomes: counts of patients, no one's record",
    "portal_settings": "the patient's own reminder and calendar choices, not their health record",
    "exercise_list": "the clinic's exercise library",
    "exercise_create": "the clinic's exercise library",
    "exercise_detail": "the clinic's exercise library",
    "exercise_edit": "the clinic's exercise library",
    "exercise_deactivate": "the clinic's exercise library",
    "exercise_image": "the clinic's exercise library",
    "handouts:queue": "the print queue: jobs by patient name, each handout's download is audited",
    "handouts:queue_status": "the print queue's live statuses",
    "healthz": "the service's health",
    "clinic_logo": "the clinic's logo",
    "account_logout": "account pages",
    "logout": "account pages",
    "account_inactive": "account pages",
    "account_reset_password": "account pages",
    "account_reset_password_done": "account pages",
    "account_reset_password_from_key_done": "account pages",
    "account_change_password": "account pages",
    "account_reauthenticate": "account pages",
    "mfa_index": "account pages",
    "mfa_reauthenticate_webauthn": "account pages",
    "mfa_activate_totp": "account pages",
    "mfa_generate_recovery_codes": "account pages",
    "mfa_list_webauthn": "account pages",
    "mfa_add_webauthn": "account pages",
    "mfa_edit_webauthn": "account pages: the patient's own passkey",
    "mfa_remove_webauthn": "account pages: the patient's own passkey",
}


def _reader(expected) -> str | None:
    """The first role of the cast that gets the page itself (200), if any."""
    return next((role for role in ("physio", "front_desk", "patient") if expected[role] == OK), None)


PAGES = sorted(name for name, (_, expected) in ACCESS.items() if _reader(expected))


# Pages that record an event of the clinic as a whole, in no patient's trail (clinic.audit.record_for_clinic).
CLINIC_EVENTS = {
    "plans:outcomes_csv": "the clinic's outcomes as a table of counts, downloaded",
}


def test_every_page_is_audited_or_named_as_no_patients_record():
    assert not (set(NOT_A_PATIENT_RECORD) | set(CLINIC_EVENTS)) - set(PAGES), "not pages, or not in ACCESS"
    assert not set(NOT_A_PATIENT_RECORD) & set(CLINIC_EVENTS)


@pytest.mark.parametrize("url_name", PAGES)
def test_each_look_at_a_patients_record_is_one_event_in_the_audit_trail(url_name, cast, objects, sign_in):
    build_url, expected = ACCESS[url_name]
    client = sign_in(cast[_reader(expected)])
    before = AuditEvent.objects.count()
    response = client.get(build_url(objects))
    if response.streaming:
        b"".join(response.streaming_content)
    assert response.status_code == OK
    events = list(AuditEvent.objects.order_by("pk")[before:]) if before else list(AuditEvent.objects.order_by("pk"))
    if url_name in NOT_A_PATIENT_RECORD:
        assert events == []
    elif url_name in CLINIC_EVENTS:
        assert [(event.clinic_id, event.patient_id) for event in events] == [(objects["patient"].clinic_id, None)]
    else:
        assert [event.patient_id for event in events] == [objects["patient"].pk]


FORM_PAGES = [
    "patient_create",
    "patient_edit",
    "exercise_create",
    "exercise_edit",
    "plans:draft",
    "plans:log_create",
    "intake:examination",
    "intake:follow_up_schedule",
    "portal_settings",
    "portal_messages",
    "patient_messages",
]


@pytest.mark.parametrize("url_name", FORM_PAGES)
def test_no_form_offers_a_choice_of_dashes(url_name, cast, objects, sign_in):
    build_url, expected = ACCESS[url_name]
    page = sign_in(cast[_reader(expected)]).get(build_url(objects)).content.decode()
    assert "<select" in page or "<input" in page
    assert "---------" not in page
