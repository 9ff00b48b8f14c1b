"""Read a rendered form the way a browser would submit it, so a test can press a button on the page as it was
shown: text and hidden inputs, checked radios and check boxes, text areas and selected options."""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, list[str]]] = []
        self._form: dict[str, list[str]] | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "form":
            self._form = {}
            self.forms.append(self._form)
        elif self._form is None or (name is None and tag != "option"):
            return
        elif tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in attrs:
                    self._form.setdefault(name, []).append(attrs.get("value", "on"))
            elif kind not in ("submit", "button", "reset"):
                self._form.setdefault(name, []).append(attrs.get("value", ""))
        elif tag == "textarea":
            self._textarea = name
            self._form.setdefault(name, []).append("")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self._form.setdefault(self._select, []).append(attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form[self._textarea][-1] += data.lstrip("\n") if not self._form[self._textarea][-1] else data


def forms_on(html: str) -> list[dict[str, list[str]]]:
    """The values each form of the page would send (buttons not included), in page order."""
    reader = _FormReader()
    reader.feed(html)
    return reader.forms


def form_data(html: str, *, containing: str) -> dict[str, list[str]]:
    """The values the form holding a field named `containing` would send (buttons not included)."""
    return next(form for form in forms_on(html) if containing in form)
