"""Check, with the standard library only, that this machine can run Runback, and install what it lacks when it can.

Run by `make` before it creates the virtual environment:

    python3 scripts/check_system.py            # check only: say exactly what to install
    python3 scripts/check_system.py --install  # on Debian/Ubuntu, install what is missing (as root, or with sudo
                                               # when it asks no password); otherwise stop with the one command
    python3 scripts/check_system.py --install --for-tests   # also poppler, which the tests read PDFs back with
                                                            # (without it those tests skip, so only a warning)
    python3 scripts/check_system.py --install --for-bench   # also wrk and psql, which the load benchmark needs

Exit status 0 when everything Runback needs is there (perhaps after installing it), 1 with what to do otherwise.
"""

import argparse
import ctypes.util
import importlib.util
import os
import platform
import shutil
import subprocess
import sys

# WeasyPrint renders the PDF handouts with Pango and HarfBuzz, which come from the operating system; without
# HarfBuzz-subset it embeds whole fonts and warns on every import (the test suite treats warnings as errors).
WEASYPRINT_LIBRARIES = {
    "pango-1.0": "libpango-1.0-0",
    "pangoft2-1.0": "libpangoft2-1.0-0",
    "harfbuzz": "libharfbuzz0b",
    "harfbuzz-subset": "libharfbuzz-subset0",
}
TEST_TOOLS = {"pdftotext": "poppler-utils"}  # the tests read the rendered handouts back
BENCH_TOOLS = {"wrk": "wrk", "psql": "postgresql-client"}  # the load benchmark (bench/load/run.sh)


def missing_packages(*, for_tests: bool, for_bench: bool = False) -> list[str]:
    """The Debian packages this machine lacks for Runback (and its tests, and the load benchmark)."""
    packages = [package for library, package in WEASYPRINT_LIBRARIES.items() if not ctypes.util.find_library(library)]
    if importlib.util.find_spec("ensurepip") is None:  # Debian splits `python3 -m venv` into its own package
        packages.append(f"python{sys.version_info.major}.{sys.version_info.minor}-venv")
    if for_tests:
        packages += [package for tool, package in TEST_TOOLS.items() if shutil.which(tool) is None]
    if for_bench:
        packages += [package for tool, package in BENCH_TOOLS.items() if shutil.which(tool) is None]
    return packages


def install_command(packages: list[str]) -> list[str] | None:
    """How this process can install `packages` without asking anyone: as root, or with a password-less sudo."""
    if shutil.which("apt-get") is None:
        return None
    apt = ["apt-get", "install", "-y", "-q", *packages]
    if os.geteuid() == 0:
        return apt
    sudo = shutil.which("sudo")
    if sudo and subprocess.run([sudo, "-n", "true"], capture_output=True, check=False).returncode == 0:  # noqa: S603
        return [sudo, "-n", *apt]
    return None


def install(packages: list[str]) -> bool:
    command = install_command(packages)
    if command is None:
        return False
    print(f"Installing the system packages Runback needs: {' '.join(packages)}", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    update = [*command[: command.index("apt-get")], "apt-get", "update", "-q"]
    # Fixed commands naming Debian packages from this file's own tables.
    return all(subprocess.run(step, env=env, check=False).returncode == 0 for step in (update, command))  # noqa: S603


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--install", action="store_true", help="install what is missing when this process can")
    parser.add_argument("--for-tests", action="store_true", help="also what the tests need (poppler)")
    parser.add_argument("--for-bench", action="store_true", help="also what the load benchmark needs (wrk, psql)")
    options = parser.parse_args()

    if sys.version_info[:2] != (3, 11):
        print(
            f"Runback needs Python 3.11 (this is {platform.python_version()}). Install it (e.g. `pyenv install 3.11` "
            "or `apt-get install python3.11 python3.11-venv`) and run `make PYTHON=python3.11 ...`.",
            file=sys.stderr,
        )
        return 1
    packages = missing_packages(for_tests=options.for_tests, for_bench=options.for_bench)
    if packages and options.install and install(packages):
        packages = missing_packages(for_tests=options.for_tests, for_bench=options.for_bench)
    needed = missing_packages(for_tests=False, for_bench=options.for_bench)
    brew = "brew install pango poppler" + (" wrk libpq" if options.for_bench else "")
    how = brew if sys.platform == "darwin" else f"sudo apt-get install {' '.join(packages)}"
    if needed:
        print(
            f"Runback {'cannot be set up' if not options.for_bench else 'or its load benchmark cannot run'} on this "
            f"machine yet: it needs system packages. Run:\n\n    {how}\n",
            file=sys.stderr,
        )
        return 1
    if packages:
        print(f"The tests that read PDFs back will skip without poppler: `{how}` installs it.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
