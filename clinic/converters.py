"""URL path converters."""

from datetime import date


class IsoDateConverter:
    """A day as YYYY-MM-DD in a URL, e.g. /me/sessions/2026-12-01/; an impossible date does not match (404)."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        return date.fromisoformat(value)  # a ValueError makes the pattern not match

    def to_url(self, value: date) -> str:
        return value.isoformat()
