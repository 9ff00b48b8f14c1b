"""Security headers, the Content Security Policy, and the rule that keeps pages working under it: no inline
script, no inline event handlers and no inline style, in our templates or in what any page renders."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.conftest import mark_reauthenticated
from tests.factories import AuditEventFactory, PatientFactory

ROOT = Path(__file__).resolve().parents[2]

EXPECTED_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}

# What the policy would block (and what must therefore never be written): script elements without a src, inline
# event handlers, style attributes and style elements.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*\btype=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle\s*=|<style[\s>]", re.I)


def inline_content(html: str) -> list[str]:
    return [
        match.group(0) for pattern in (INLINE_SCRIPT, INLINE_HANDLER, INLINE_STYLE) for match in pattern.finditer(html)
    ]


def parse_policy(header: str) -> dict[str, str]:
    return dict(directive.strip().split(" ", 1) for directive in header.split(";"))


def test_pages_send_the_enforced_policy(client, db):
    response = client.get(reverse("login"))
    assert parse_policy(response["Content-Security-Policy"]) == EXPECTED_POLICY
    assert "Content-Security-Policy-Report-Only" not in response
    assert "unsafe" not in response["Content-Security-Policy"]


def test_pages_send_the_other_security_headers(physio_client):
    response = physio_client.get(reverse("patient_list"))
    assert response["Permissions-Policy"] == "camera=(), microphone=(), geolocation=()"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def template_files():
    folders = [ROOT / "templates", *ROOT.glob("*/templates")]
    return sorted(path for folder in folders for path in folder.rglob("*.html"))


def test_template_files_are_found():
    names = {path.name for path in template_files()}
    assert {"base.html", "patient_detail.html", "activate_form.html", "add_form.html"} <= names


@pytest.mark.parametrize("template", template_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_template_has_no_inline_script_handler_or_style(template):
    assert inline_content(template.read_text()) == []


@pytest.mark.parametrize("script", sorted((ROOT / "static" / "js").rglob("*.js")), ids=lambda path: path.name)
def test_our_javascript_needs_no_eval_or_inline_attributes(script):
    source = script.read_text()
    assert not re.search(r"\beval\(|new Function\(|setAttribute\(\s*[\"'](style|on[a-z]+)", source)


@pytest.mark.parametrize("pattern", [INLINE_SCRIPT, INLINE_HANDLER, INLINE_STYLE])
def test_inline_content_check_catches_what_it_must(pattern):
    samples = ["<script>alert(1)</script>", '<a href="#" onclick="x()">', '<p style="color:red">', "<style>p{}</style>"]
    assert any(pattern.search(sample) for sample in samples)
    assert not pattern.search('<script src="/static/js/runback.js"></script><p class="on-time">')


@pytest.fixture
def audited_patient(patient):
    AuditEventFactory(patient=patient)
    return patient


@pytest.mark.parametrize(
    "url_name, args",
    [
        ("patient_list", []),
        ("patient_create", []),
        ("patient_detail", ["patient"]),
        ("patient_edit", ["patient"]),
        ("patient_audit", ["patient"]),
        ("mfa_index", []),
        ("mfa_activate_totp", []),
        ("mfa_add_webauthn", []),
        ("mfa_list_webauthn", []),
        ("account_reauthenticate", []),
        ("account_change_password", []),
    ],
)
def test_rendered_staff_pages_have_no_inline_content(physio_client, audited_patient, url_name, args):
    mark_reauthenticated(physio_client)  # the two-factor set-up pages ask for it first
    url = reverse(url_name, args=[audited_patient.pk for _ in args])
    response = physio_client.get(url)
    assert response.status_code == 200
    assert inline_content(response.content.decode()) == []


@pytest.mark.parametrize("url_name", ["account_login", "account_reset_password"])
def test_rendered_public_pages_have_no_inline_content(client, db, url_name):
    assert inline_content(client.get(reverse(url_name)).content.decode()) == []


@pytest.fixture
def admin_client_under_csp(client, clinic):
    from tests.factories import UserFactory

    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/clinic/patient/",
        "/admin/clinic/patient/add/",
        "/admin/clinic/clinic/",
        "/admin/clinic/auditevent/",
        "/admin/mfa/authenticator/",
    ],
)
def test_admin_pages_work_under_the_same_policy(admin_client_under_csp, url):
    """The admin is not exempted: Django 5.2's admin keeps its script in static files, so it needs no relaxing."""
    PatientFactory()
    response = admin_client_under_csp.get(url)
    assert response.status_code == 200
    assert parse_policy(response["Content-Security-Policy"]) == EXPECTED_POLICY
    assert inline_content(response.content.decode()) == []


def test_admin_change_form_works_under_the_policy(admin_client_under_csp, clinic):
    response = admin_client_under_csp.get(f"/admin/clinic/clinic/{clinic.pk}/change/")
    page = response.content.decode()
    assert "require two-factor sign-in for staff" in page.lower()
    assert inline_content(page) == []
