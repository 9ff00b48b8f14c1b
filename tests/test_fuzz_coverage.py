"""Every URL of the project that takes a POST is fuzzed, found by walking the URL list as tests/test_url_access.py does.

Each URL is listed here once, on purpose, as one of:

- FORM_PAGES: a form, fuzzed through its page by the opener named (tests/fuzzing.py says what is sent);
- ACTIONS: a button without fields of its own (or a page that ignores what is posted to it), sent junk fields here;
- NO_POST: answers 405 to a POST, checked here.

A URL added without an entry fails `test_every_url_is_fuzzed_or_takes_no_post`. Filters read from the query string
are fuzzed too (GET_FORMS).
"""

import importlib
import string
from collections import defaultdict
from datetime import date

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import AuthenticatorAppFactory
from tests.fuzzing import FORMS, MARKUP, huge_int, junk, rolled_back_with_cookies
from tests.test_url_access import ACCESS, OK, POST_ONLY, URL_NAMES, objects_named_by_urls

CLINIC, PORTAL = "tests.clinic.test_fuzz_forms", "tests.portal.test_fuzz_portal_forms"
INTAKE, EXERCISES = "tests.intake.test_fuzz_forms", "tests.plans.test_fuzz_exercise_form"
PLANS = "tests.plans.test_fuzz_plan_forms"

# URL name -> (module, the opener or test that fuzzes its form).
FORM_PAGES = {
    "account_login": (CLINIC, "_signing_in"),
    "login": (CLINIC, "_signing_in"),
    "mfa_authenticate": (CLINIC, "_sign_in_code"),
    "mfa_login_webauthn": (CLINIC, "test_signing_in_with_a_passkey_takes_any_answer"),
    "account_reauthenticate": (CLINIC, "_confirming_the_password"),
    "mfa_reauthenticate": (CLINIC, "_confirming_with_a_code"),
    "mfa_reauthenticate_webauthn": (CLINIC, "_confirming_with_a_passkey"),
    "mfa_activate_totp": (CLINIC, "_two_factor_setup"),
    "mfa_add_webauthn": (CLINIC, "_adding_a_passkey"),
    "mfa_edit_webauthn": (CLINIC, "_renaming_a_passkey"),
    "account_change_password": (CLINIC, "_changing_the_password"),
    "account_set_password": (CLINIC, "_choosing_a_first_password"),
    "account_reset_password": (CLINIC, "_asking_for_a_password_reset"),
    "account_reset_password_from_key": (CLINIC, "_setting_a_password_from_a_reset_link"),
    "portal_welcome": (CLINIC, "_setting_the_first_password_from_the_welcome_link"),
    "patient_create": (CLINIC, "_adding_a_patient"),
    "patient_edit": (CLINIC, "_editing_a_patient"),
    "patient_data_rights": (CLINIC, "_data_rights"),
    "portal_log": (PORTAL, "_logging_yesterdays_session"),
    "portal_morning": (PORTAL, "_the_morning_after"),
    "portal_settings": (PORTAL, "_reminders"),
    "portal_messages": (PORTAL, "_writing_to_the_clinic"),
    "patient_messages": (PORTAL, "_answering_the_patient"),
    "intake:start": (INTAKE, "_date_of_birth"),
    "intake:step": (INTAKE, "_questionnaire_step_through_the_link"),
    "intake:staff_step": (INTAKE, "_questionnaire_step"),
    "intake:account": (INTAKE, "_making_a_portal_account"),
    "intake:examination": (INTAKE, "_examination"),
    "intake:assessment": (INTAKE, "_assessment"),
    "intake:follow_up_schedule": (INTAKE, "_scheduling_follow_ups"),
    "intake:questionnaire": (INTAKE, "_answering_a_follow_up"),
    "exercise_create": (EXERCISES, "_adding_an_exercise"),
    "exercise_edit": (EXERCISES, "_editing_an_exercise"),
    "plans:draft": (PLANS, "test_plan_draft_editor"),
    "plans:log_create": (PLANS, "_session_log"),
    "plans:resume": (PLANS, "_resuming_after_a_hold"),
    "handouts:request": (PLANS, "_printing_a_handout"),
    "handouts:queue": (PLANS, "_printing_handouts_together"),
}
# URL name -> (module, the test that fuzzes the filters it reads from the query string).
GET_FORMS = {
    "patient_list": (CLINIC, "test_list_filters_ignore_what_they_do_not_understand"),
    "patient_audit": (CLINIC, "test_list_filters_ignore_what_they_do_not_understand"),
    "plans:caseload": (CLINIC, "test_list_filters_ignore_what_they_do_not_understand"),
    "plans:outcomes": (PLANS, "test_outcome_filters_answer_anything_with_the_figures_or_a_message"),
    "plans:outcomes_csv": (PLANS, "test_outcome_filters_answer_anything_with_the_figures_or_a_message"),
    "exercise_list": (EXERCISES, "test_library_filters_ignore_what_they_do_not_understand"),
    "handouts:queue": (PLANS, "test_print_queue_filters_and_live_status_ignore_what_they_do_not_understand"),
    "handouts:queue_status": (PLANS, "test_print_queue_filters_and_live_status_ignore_what_they_do_not_understand"),
}
# Buttons (a POST without fields of its own) and pages that answer a POST as a GET, ignoring what was sent.
ACTIONS = {
    "home",
    "account_logout",
    "logout",
    "mfa_deactivate_totp",
    "mfa_generate_recovery_codes",
    "mfa_remove_webauthn",
    "healthz",
    "clinic_logo",
    "patient_list",
    "patient_detail",
    "portal_invite",
    "patient_calendar_revoke",
    "portal_calendar_new",
    "portal_calendar_revoke",
    "intake:invite_create",
    "intake:staff_start",
    "intake:review",
    "intake:mark_reviewed",
    "intake:follow_up_stop",
    "intake:follow_up_reviewed",
    "exercise_list",
    "exercise_detail",
    "exercise_image",
    "exercise_deactivate",
    "exercise_reactivate",
    "plans:build",
    "plans:issue",
    "plans:end",
    "plans:revision_undo",
    "plans:alert_review",
    "handouts:retry",
    "handouts:batch_retry",
}
NO_POST = {
    "calendar_feed",
    "plans:caseload",
    "plans:outcomes",
    "plans:outcomes_csv",
    "my_page",
    "portal_plan",
    "portal_session",
    "patient_audit",
    "patient_export",
    "account_inactive",
    "account_reset_password_done",
    "account_reset_password_from_key_done",
    "mfa_index",
    "mfa_view_recovery_codes",
    "mfa_list_webauthn",
    "intake:done",
    "intake:assessment_detail",
    "intake:follow_up",
    "intake:questionnaire_done",
    "plans:detail",
    "plans:issue_review",
    "plans:revision",
    "plans:log",
    "handouts:queue_status",
    "handouts:download",
    "handouts:batch_download",
}


def test_every_url_is_fuzzed_or_takes_no_post():
    listed = set(FORM_PAGES) | ACTIONS | NO_POST
    assert not URL_NAMES - listed, f"URLs that are neither fuzzed nor refuse a POST: {sorted(URL_NAMES - listed)}"
    assert not listed - URL_NAMES, f"listed but not URLs: {sorted(listed - URL_NAMES)}"
    assert not set(FORM_PAGES) & NO_POST and not ACTIONS & NO_POST


def test_every_fuzzer_named_exists():
    missing = [
        f"{module}.{name}"
        for module, name in {*FORM_PAGES.values(), *GET_FORMS.values()}
        if not hasattr(importlib.import_module(module), name)
    ]
    assert not missing, missing


def _poster(url_name, records, cast):
    """The URL of `url_name` built from `records` (as tests/test_url_access.py builds it) and the user of the cast the
    matrix lets post to it (a signed-in user where the cast have nothing there to show: the method is refused
    first)."""
    build_url, expected = ACCESS[url_name]
    roles = [role for role in ("physio", "front_desk", "patient") if expected[role] in (OK, POST_ONLY, 302)]
    return build_url(records), cast[roles[0] if roles else "physio"]


class _AnyRecord:
    """Stands for any record in a URL that takes no POST: the 405 comes before anything is looked up."""

    pk = 1
    session_date = date(2026, 12, 1)

    def get_absolute_url(self):
        return reverse("calendar_feed", args=["any"])


def test_urls_that_take_no_post_refuse_it(cast, request):
    signed_in = request.getfixturevalue("sign_in")
    records = defaultdict(_AnyRecord)
    posters = {name: _poster(name, records, cast) for name in NO_POST - {"intake:done"}}
    posters["intake:done"] = (reverse("intake:done", args=["any"]), None)
    wrong = []
    for url_name, (url, user) in sorted(posters.items()):
        if (status := signed_in(user).post(url, {"x": "1"}).status_code) != 405:
            wrong.append(f"{url_name}: {status}")
    assert not wrong, wrong


@pytest.fixture
def objects(patient, physio):
    """The objects the URLs name, as tests/test_url_access.py makes them, for the cast."""
    return objects_named_by_urls(patient.clinic, patient, physio)


@pytest.fixture
def posters(request, cast):
    """For every URL of ACTIONS: the URL built from the cast's objects and who may post to it."""
    physio = cast["physio"]
    AuthenticatorAppFactory(user=physio)  # so there is an authenticator to remove and recovery codes to make again
    outside_the_matrix = {
        "account_logout": (reverse("account_logout"), physio),
        "logout": (reverse("logout"), physio),
        "mfa_deactivate_totp": (reverse("mfa_deactivate_totp"), physio),
    }
    built = request.getfixturevalue("objects")
    return {name: outside_the_matrix.get(name) or _poster(name, built, cast) for name in ACTIONS}


# A button's POST carries the CSRF token and little else; here it brings junk, a forged version number (the plan's
# issue button reads one) and keys nobody asked for. Few examples: each one presses every button.
JUNK_FIELDS = st.fixed_dictionaries(
    {}, optional={"version": huge_int.map(str) | junk, "action": junk, "next": st.text(max_size=20)}
) | st.dictionaries(st.text(alphabet=string.ascii_letters + "-_", min_size=1, max_size=12), junk, max_size=3)


@settings(FORMS, max_examples=2)
@given(data=st.data())
def test_every_action_takes_junk_without_a_server_error(data, posters, request):
    signed_in = request.getfixturevalue("sign_in")
    wrong = []
    for url_name in sorted(ACTIONS):
        url, user = posters[url_name]
        client, values = signed_in(user), data.draw(JUNK_FIELDS)
        response = rolled_back_with_cookies(client, lambda: client.post(url, values))  # noqa: B023 (called at once)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if response.status_code >= 500 or MARKUP in body.decode(errors="replace"):
            wrong.append(f"{url_name}: {response.status_code}")
    assert not wrong, wrong
