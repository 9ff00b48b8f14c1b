"""The checks every journey step runs can fail: a page with a serious accessibility problem or a Content Security
Policy violation fails its step with a message that says what and where."""

import pytest

pytestmark = pytest.mark.e2e


def test_a_serious_accessibility_problem_fails_the_step(journey):
    page = journey.new_page("desktop")
    page.goto("/accounts/login/")
    page.evaluate(
        """() => {
            const picture = document.createElement("img");  // no alt text: axe's image-alt, critical
            picture.src = "/static/img/favicon.svg";
            document.querySelector("main").append(picture);
        }"""
    )
    with pytest.raises(AssertionError, match=r"(?s)image-alt \(critical\).*at #main > img") as failure:
        journey.check(page, "picture without alt text")
    assert "Images must have alternative text" in str(failure.value)
    assert (journey.folder / "01-picture-without-alt-text.png").exists()


def test_a_content_security_policy_violation_fails_the_step(journey):
    page = journey.new_page("phone")
    page.goto("/accounts/login/")
    page.evaluate(
        """() => {
            const inline = document.createElement("script");  // inline script: the policy refuses it
            inline.textContent = "window.ran = true";
            document.body.append(inline);
        }"""
    )
    assert page.evaluate("() => window.ran") is None
    with pytest.raises(AssertionError, match=r"(?s)Browser console errors.*Content Security Policy"):
        journey.check(page, "inline script refused")
