"""Check, with the standard library only, that this machine can run Runback; say exactly what to install if not.

Run by `make` before it creates the virtual environment.
"""

import ctypes.util
import platform
import sys

problems = []
if sys.version_info[:2] != (3, 11):
    problems.append(
        f"Runback needs Python 3.11 (this is {platform.python_version()}). "
        "Install it (e.g. `pyenv install 3.11` or `apt-get install python3.11 python3.11-venv`) "
        "and run `make PYTHON=python3.11 ...`."
    )
# WeasyPrint renders the PDF handouts with Pango and HarfBuzz, which come from the operating system; without
# HarfBuzz-subset it embeds whole fonts and warns on every import (the test suite treats warnings as errors).
WEASYPRINT_LIBRARIES = ("pango-1.0", "pangoft2-1.0", "harfbuzz", "harfbuzz-subset")
missing = [name for name in WEASYPRINT_LIBRARIES if not ctypes.util.find_library(name)]
if missing:
    if sys.platform == "darwin":
        how = "brew install pango"
    else:
        how = "sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0  (Debian/Ubuntu)"
    problems.append(f"WeasyPrint needs the system libraries {', '.join(missing)}. Install them with:\n    {how}")

if problems:
    print("Runback cannot be set up on this machine yet:\n", file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
    sys.exit(1)
