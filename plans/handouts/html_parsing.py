"""A cache that never hits in tinyhtml5 2.1.0, the HTML parser of WeasyPrint 70, made to hit.

`HTMLUnicodeInputStream.chars_until` reads up to the next character of a set (`<`, `&`, a space…) with a regular
expression that it means to build once per set and keep in `characters_until_regex`. It stores it under the wrong key:
in `characters = characters_until_regex[(characters, opposite)] = regex`, `characters` is bound to the regex before
the key is made of it. So every run of text and every attribute value builds and looks up its regular expression
again: more than half of the time WeasyPrint takes to parse a handout (45 ms, 18 ms with the cache).

`keep_character_classes` puts each set's regular expression where `chars_until` looks for it before it looks. It
changes nothing for a version that has the fix (the entry is already there) and applies only to the version with the
bug; tests/plans/test_pdf.py fails when the installed version is another one, so the workaround is dropped (or kept)
on purpose when tinyhtml5 is upgraded.
"""

import re
from functools import wraps

import tinyhtml5
from tinyhtml5 import inputstream

BUGGY_VERSION = "2.1.0"


def character_class(characters, opposite: bool) -> re.Pattern:
    """The regular expression tinyhtml5 builds for a set: a run of its characters (`opposite`) or of any others."""
    escaped = "".join(f"\\x{ord(character):02x}" for character in characters)
    return re.compile(f"[{'' if opposite else '^'}{escaped}]+")


def keep_character_classes() -> bool:
    """Make `chars_until` find its regular expressions in its cache; True when applied (once per process)."""
    stream = inputstream.HTMLUnicodeInputStream
    if tinyhtml5.__version__ != BUGGY_VERSION or hasattr(stream.chars_until, "__wrapped__"):
        return False
    chars_until, cache = stream.chars_until, inputstream.characters_until_regex

    @wraps(chars_until)
    def chars_until_cached(self, characters, opposite=False):
        if (characters, opposite) not in cache:
            cache[characters, opposite] = character_class(characters, opposite)
        return chars_until(self, characters, opposite)

    stream.chars_until = chars_until_cached
    return True
