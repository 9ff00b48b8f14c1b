"""The browser side of the journeys: Chromium settings, the two device profiles, and `Journey`, which keeps a
journey's screenshots, scans every page it is shown with axe-core and fails on browser console errors.

Plain `playwright.sync_api`, driving the system Chromium (never a downloaded browser).
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE_SCRIPT = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("RUNBACK_CHROMIUM", "/usr/bin/chromium")
# The machine's closed network refuses Chromium's own background connections; without these flags they show up as
# console noise and slow starts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
# A phone as our patients hold it: 375 × 812 CSS pixels, touch, a mobile user agent (so pages get their phone
# layout and Playwright's `tap()` works).
PHONE = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/156.0.0.0 Mobile Safari/537.36"
    ),
}
DEVICES = {"desktop": DESKTOP, "phone": PHONE}

# axe-core impacts that fail a journey; "moderate" and "minor" findings are written to the journey's report only.
FAILING_IMPACTS = ("serious", "critical")
AXE_OPTIONS = {"resultTypes": ["violations"]}


def unavailable(reason: str):
    """Skip the browser journeys, unless this run must have them (RUNBACK_REQUIRE_BROWSER=1, as in .ci/run)."""
    if os.environ.get("RUNBACK_REQUIRE_BROWSER"):
        pytest.fail(f"RUNBACK_REQUIRE_BROWSER is set but {reason}", pytrace=False)
    pytest.skip(reason)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def format_violations(violations: list[dict]) -> str:
    """axe-core's findings as lines a person can act on: rule, impact, where, and what the rule asks for."""
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} [{violation['helpUrl']}]")
        for node in violation["nodes"][:10]:
            target = " ".join(" > ".join(part) if isinstance(part, list) else part for part in node["target"])
            lines.append(f"    at {target}")
            summary = node.get("failureSummary", "").strip().replace("\n", "\n       ")
            if summary:
                lines.append(f"       {summary}")
    return "\n".join(lines)


class Journey:
    """One user journey: its browser contexts, numbered screenshots and checks of every page it is shown.

    `check(page, "step name")` saves test-artifacts/screenshots/<journey>/NN-step-name.png, runs axe-core on the
    page (failing on any serious or critical violation) and fails on any console error seen so far.
    """

    def __init__(self, name: str, browser: Browser, base_url: str):
        self.browser = browser
        self.base_url = base_url
        self.folder = SCREENSHOTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.steps = 0
        self.contexts: list[BrowserContext] = []
        self.console_errors: list[str] = []
        self.report: list[str] = []

    # --- Contexts and pages ---------------------------------------------------------------------------------

    def new_page(self, device: str = "desktop") -> Page:
        """A page in a fresh browser context (a new device: no cookies, no session) of the given profile."""
        # Reduced motion switches Bootstrap's transitions off, so no screenshot or contrast check catches a
        # colour half-way through a fade.
        context = self.browser.new_context(
            base_url=self.base_url,
            locale="en-GB",
            timezone_id="Europe/London",
            reduced_motion="reduce",
            **DEVICES[device],
        )
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self.console_errors.append(f"{page.url}: uncaught {error}"))
        return page

    def _console(self, page: Page, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"{page.url}: {message.text}")

    def close_context(self, page: Page) -> None:
        """Leave: close the page's browser context, as a patient closing the browser on their phone."""
        context = page.context
        context.close()
        self.contexts.remove(context)

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        self.contexts.clear()
        if self.report:
            (self.folder / "accessibility.txt").write_text("\n".join(self.report) + "\n")

    # --- Checks ---------------------------------------------------------------------------------------------

    def check(self, page: Page, step: str) -> None:
        """Screenshot the page as the user sees it, then scan it for accessibility problems and console errors."""
        page.wait_for_load_state("load")
        self.steps += 1
        filename = f"{self.steps:02d}-{slug(step)}.png"
        page.screenshot(path=self.folder / filename, full_page=True, animations="disabled")
        self.assert_no_console_errors(f"by step {filename}")
        width = page.evaluate("() => window.innerWidth")
        page_width = page.evaluate("() => document.documentElement.scrollWidth")
        assert page_width <= width, f"The page scrolls sideways: {page_width} px wide in {width} (step {filename})"
        violations = self.scan(page)
        failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
        if violations:
            self.report.append(f"{filename} {page.url}\n{format_violations(violations)}")
        assert not failing, (
            f"Accessibility: {len(failing)} serious or critical problem(s) on {page.url} "
            f"(step {filename}):\n{format_violations(failing)}"
        )

    def scan(self, page: Page) -> list[dict]:
        """axe-core's violations on the page. The script is evaluated through the DevTools protocol, which the
        page's Content Security Policy does not govern: no CSP bypass is needed and the page stays as served."""
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(AXE_SCRIPT.read_text())
        return page.evaluate("options => axe.run(document, options).then(r => r.violations)", AXE_OPTIONS)

    def assert_no_console_errors(self, when: str = "") -> None:
        errors, self.console_errors = self.console_errors, []
        assert not errors, f"Browser console errors {when}:\n" + "\n".join(f"- {e}" for e in errors)
