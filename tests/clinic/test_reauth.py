"""`reauth_required` (allauth's re-authentication), on a dummy sensitive view defined here (patient export and erasure
use it): the password, or with two-factor sign-in on a code or a passkey, within the window."""

from datetime import timedelta
from urllib.parse import unquote

import pytest
import time_machine
from django.http import HttpResponse
from django.urls import path, reverse

from clinic.access import physio_required, reauth_required
from clinic.urls import urlpatterns as project_urlpatterns
from tests.factories import PASSWORD, AuthenticatorAppFactory, current_code


@physio_required
@reauth_required
def sensitive(request):
    return HttpResponse("exported")


urlpatterns = [path("sensitive/", sensitive, name="sensitive"), *project_urlpatterns]
pytestmark = pytest.mark.urls(__name__)

NOW = "2026-03-02 09:00:00 +0000"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def confirm(client, **data):
    return client.post(f"{reverse('account_reauthenticate')}?next=/sensitive/", {"password": PASSWORD, **data})


def test_a_sensitive_view_asks_to_confirm_first(physio_client):
    response = physio_client.get("/sensitive/")
    assert unquote(response.url) == f"{reverse('account_reauthenticate')}?next=/sensitive/"


def test_confirming_the_password_opens_the_view(physio_client):
    response = confirm(physio_client)
    assert response.url == "/sensitive/"
    assert physio_client.get("/sensitive/").content == b"exported"


def test_a_wrong_password_keeps_the_view_closed(physio_client):
    response = confirm(physio_client, password="wrong")
    assert response.context["form"].errors == {"password": ["That password isn't right."]}
    assert physio_client.get("/sensitive/").status_code == 302


def test_the_confirmation_lasts_for_the_window_only(physio_client, frozen):
    confirm(physio_client)
    frozen.shift(timedelta(minutes=9))
    assert physio_client.get("/sensitive/").status_code == 200
    frozen.shift(timedelta(minutes=2))
    assert physio_client.get("/sensitive/").url.startswith(reverse("account_reauthenticate"))


def test_the_window_is_a_setting(physio_client, settings, frozen):
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 60
    confirm(physio_client)
    frozen.shift(timedelta(minutes=2))
    assert physio_client.get("/sensitive/").status_code == 302


def test_signing_in_is_not_confirming(client, physio):
    client.post(reverse("account_login"), {"login": physio.user.email, "password": PASSWORD})
    assert client.get("/sensitive/").url.startswith(reverse("account_reauthenticate"))


def test_with_two_factor_on_the_code_confirms_and_the_password_alone_does_not(physio_client, physio, frozen):
    authenticator = AuthenticatorAppFactory(user=physio.user)
    response = physio_client.get("/sensitive/")
    assert unquote(response.url) == f"{reverse('mfa_reauthenticate')}?next=/sensitive/"
    # The password page sends them on to the code, and a password sent to it anyway confirms nothing.
    assert confirm(physio_client).url.startswith(reverse("mfa_reauthenticate"))
    assert physio_client.get("/sensitive/").status_code == 302
    wrong = physio_client.post(f"{reverse('mfa_reauthenticate')}?next=/sensitive/", {"code": "000000"})
    assert "code" in wrong.context["form"].errors
    right = physio_client.post(
        f"{reverse('mfa_reauthenticate')}?next=/sensitive/", {"code": current_code(authenticator)}
    )
    assert right.url == "/sensitive/"
    assert physio_client.get("/sensitive/").content == b"exported"


def test_the_role_is_checked_before_asking_for_a_password(desk_client):
    assert desk_client.get("/sensitive/").status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client, db):
    assert client.get("/sensitive/").url.startswith(reverse("account_login"))


def test_the_confirm_page_never_sends_to_another_site(physio_client):
    response = physio_client.post(
        f"{reverse('account_reauthenticate')}?next=https://evil.example/", {"password": PASSWORD}
    )
    assert response.url == reverse("home")


def test_a_stale_post_is_not_replayed_after_confirming(physio_client):
    response = physio_client.post("/sensitive/", {"anything": "1"})
    assert unquote(response.url) == f"{reverse('account_reauthenticate')}?next=/sensitive/"
    assert confirm(physio_client).url == "/sensitive/"  # back with a GET, to press the button again
