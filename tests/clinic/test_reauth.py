"""`reauth_required`, on a dummy sensitive view defined here (patient export and erasure will use it)."""

from datetime import timedelta

import pytest
import time_machine
from django.http import HttpResponse
from django.urls import path, reverse

from clinic.access import REAUTH_SESSION_KEY, physio_required, reauth_required
from clinic.urls import urlpatterns as project_urlpatterns
from tests.factories import PASSWORD, TOTPDeviceFactory, current_code


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
    return client.post(f"{reverse('reauth')}?next=/sensitive/", {"password": PASSWORD, **data})


def test_sensitive_view_asks_to_confirm_first(physio_client):
    response = physio_client.get("/sensitive/")
    assert response.url == f"{reverse('reauth')}?next=/sensitive/"


def test_confirming_the_password_opens_the_view(physio_client):
    response = confirm(physio_client)
    assert response.url == "/sensitive/"
    assert physio_client.get("/sensitive/").content == b"exported"


def test_wrong_password_keeps_the_view_closed(physio_client):
    response = confirm(physio_client, password="wrong")
    assert response.context["form"].errors == {"password": ["That password isn't right."]}
    assert REAUTH_SESSION_KEY not in physio_client.session
    assert physio_client.get("/sensitive/").status_code == 302


def test_confirmation_lasts_for_the_window_only(physio_client, frozen):
    confirm(physio_client)
    frozen.shift(timedelta(minutes=9))
    assert physio_client.get("/sensitive/").status_code == 200
    frozen.shift(timedelta(minutes=2))
    assert physio_client.get("/sensitive/").url.startswith(reverse("reauth"))


def test_window_is_a_setting(physio_client, settings, frozen):
    settings.REAUTH_WINDOW = timedelta(minutes=1)
    confirm(physio_client)
    frozen.shift(timedelta(minutes=2))
    assert physio_client.get("/sensitive/").status_code == 302


def test_user_with_two_factor_must_give_a_code_too(physio_client, physio, frozen):
    device = TOTPDeviceFactory(user=physio.user)
    assert confirm(physio_client).context["form"].errors == {"code": ["This field is required."]}
    assert "code" in confirm(physio_client, code="000000").context["form"].errors
    frozen.shift(2)  # past django-otp's back-off after a wrong code
    assert confirm(physio_client, code=current_code(device)).url == "/sensitive/"


def test_role_is_checked_before_asking_for_a_password(desk_client):
    assert desk_client.get("/sensitive/").status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in(client, db):
    assert client.get("/sensitive/").url.startswith(reverse("login"))


def test_confirm_page_never_sends_to_another_site(physio_client):
    response = physio_client.post(f"{reverse('reauth')}?next=https://evil.example/", {"password": PASSWORD})
    assert response.url == reverse("home")
