"""The patient asks her physio a question from her phone (an empty message refused first); the physio sees it waiting
on her patient list, reads and answers it (the front desk sees only that they talk); the patient is e-mailed that an
answer waits (not what it says), follows the link and reads it, and the physio sees it read. Then the physio issues
the patient's plan, and the patient is e-mailed that it is ready and opens it: every page checked."""

import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from portal.models import Message
from tests.factories import PASSWORD
from tests.plans.plan_factories import RUNNER_INTAKE, draft_plan, load_shipped_library

pytestmark = pytest.mark.e2e

QUESTION = "My knee ached on the stairs after Sunday's walk. Should I still run on Tuesday?"
ANSWER = "Thanks for telling me. Walk on Tuesday instead, and log how the stairs feel the next morning."


def link_in(email) -> str:
    return re.search(r"https?://\S+/me/\S*", email.body).group(0)


def test_patient_and_physio_exchange_messages_and_the_patient_hears_of_her_plan(
    journey, sign_in, patient, physio, front_desk, clinic
):
    load_shipped_library()
    plan = draft_plan(patient, by=physio, answers=RUNNER_INTAKE, as_of=timezone.localdate())

    phone = journey.new_page("phone")
    phone.goto("/accounts/login/")
    phone.get_by_label("E-mail address").fill(patient.user.email)
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Sign in").tap()
    expect(phone.get_by_role("heading", name="Hello Emma", level=1)).to_be_visible()
    phone.get_by_role("button", name="Show navigation").tap()
    phone.get_by_role("link", name="Messages").tap()
    expect(phone.get_by_role("heading", name="Messages", level=1)).to_be_visible()
    expect(phone.get_by_text("No messages yet.")).to_be_visible()
    phone.get_by_role("button", name="Send").tap()
    expect(phone.get_by_text("Write your message first: there is nothing to send yet.")).to_be_visible()
    journey.check(phone, "an empty message refused")
    phone.get_by_label("Your message").fill(QUESTION)
    phone.get_by_role("button", name="Send").tap()
    expect(phone.get_by_role("status").first).to_contain_text("Your message is sent.")
    mine = phone.locator(".thread-message").last
    expect(mine).to_contain_text(QUESTION)
    expect(mine).to_contain_text("Not read yet")
    journey.check(phone, "her question sent")
    assert not mail.outbox  # the clinic is not e-mailed the patient's words

    desk = journey.new_page("desktop")
    sign_in(desk, physio.user)
    row = desk.get_by_role("row", name=re.compile("Clarke, Emma"))
    waiting = row.get_by_role("link", name="1 unread message")
    expect(waiting).to_be_visible()
    journey.check(desk, "the patient list with a message waiting")
    waiting.click()
    expect(desk.get_by_role("heading", name="Messages with Emma Clarke", level=1)).to_be_visible()
    question = desk.locator(".thread-message").last
    expect(question).to_contain_text(QUESTION)
    expect(question).to_contain_text("New")
    journey.check(desk, "the physio reads the question")
    desk.get_by_label("Your message to Emma").fill(ANSWER)
    desk.get_by_role("button", name="Send").click()
    expect(desk.get_by_role("status").first).to_contain_text("Emma is told by e-mail that a message is waiting.")
    expect(desk.locator(".thread-message").last).to_contain_text(ANSWER)
    journey.check(desk, "the physio's answer sent")

    desk.get_by_role("link", name="Emma Clarke").click()
    section = desk.get_by_role("region", name="Messages")
    expect(section).to_contain_text(ANSWER)
    journey.check(desk, "the conversation on the patient page")

    front = journey.new_page("desktop")
    sign_in(front, front_desk.user)
    front.goto(patient.get_absolute_url())
    section = front.get_by_role("region", name="Messages")
    expect(section).to_contain_text("2 messages between the patient and the physiotherapists")
    expect(section).not_to_contain_text("Tuesday")
    journey.check(front, "the front desk sees that there is a conversation")

    [notice] = mail.outbox
    assert notice.to == [patient.user.email] and notice.subject == f"A new message from {clinic.name}"
    assert ANSWER not in notice.body and "Tuesday" not in notice.body
    phone.goto("/me/")
    expect(phone.get_by_role("heading", name="A new message from the clinic")).to_be_visible()
    phone.get_by_role("button", name="Show navigation").tap()
    expect(phone.get_by_role("link", name="Messages 1 new")).to_be_visible()
    journey.check(phone, "an answer waits for her")
    phone.goto(link_in(notice))
    answer = phone.locator(".thread-message").last
    expect(answer).to_contain_text(ANSWER)
    expect(answer).to_contain_text("Alice Morgan")
    expect(answer).to_contain_text("New")
    expect(phone.locator(".thread-message").first).to_contain_text("Read by the clinic")
    journey.check(phone, "she reads the answer")
    assert Message.objects.get(body=ANSWER).read_at is not None

    desk.reload()
    expect(desk.locator(".thread-message").last).to_contain_text("Read by Emma")
    journey.check(desk, "the answer read")

    desk.goto(plan.get_absolute_url())
    desk.get_by_role("link", name="Edit and issue the draft").click()
    desk.get_by_role("button", name="Save and review the changes to issue").click()
    desk.get_by_role("button", name="Issue revision 1").click()
    expect(desk.get_by_role("status").first).to_contain_text("Revision 1 is issued")
    journey.check(desk, "the plan issued")

    [_, ready] = mail.outbox
    assert ready.to == [patient.user.email] and ready.subject == f"Your plan from {clinic.name} is ready"
    phone.goto(link_in(ready))
    expect(phone.get_by_role("heading", name=re.compile("plan", re.IGNORECASE), level=1)).to_be_visible()
    journey.check(phone, "she opens her plan from the e-mail")
