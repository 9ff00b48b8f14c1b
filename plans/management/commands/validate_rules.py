import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from plans.harness import BAD_INPUT, FAILED, FAILED_CHECK, HELD, SKIPPED, HarnessError, show, validate_cases


class Command(BaseCommand):
    help = (
        "Evaluate every case file with an expect block (folders are searched recursively) and report each "
        "expectation that does not hold. Exit status 1 if any fails, 2 if a case cannot be read."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="case files or folders of case files")
        parser.add_argument(
            "--no-plan", action="store_true", help="assessment only: expectations about the plan are skipped"
        )

    def handle(self, *args, paths, no_plan, **options):
        try:
            reports, without_expect = validate_cases(paths, with_plan=not no_plan)
        except HarnessError as error:
            self.stderr.write("\n".join(error.problems))
            sys.exit(BAD_INPUT)
        for report in reports:
            failed, skipped = report.with_status(FAILED_CHECK), report.with_status(SKIPPED)
            for check in failed:
                self.stdout.write(
                    f"FAIL {report.path}: {check.key}: expected {show(check.expected)}, got {show(check.got)}"
                )
            if not failed:
                held = f"{len(report.with_status(HELD))} held"
                if skipped:
                    held += f", {len(skipped)} skipped: {', '.join(check.key for check in skipped)}"
                self.stdout.write(f"ok   {report.path} ({held})")
        for path in without_expect:
            self.stdout.write(f"--   {path} (no expect block)")
        checks = [check for report in reports for check in report.checks]
        failures = sum(check.status == FAILED_CHECK for check in checks)
        skipped_count = sum(check.status == SKIPPED for check in checks)
        summary = (
            f"{_count(len(reports), 'case')} run, {_count(len(checks) - skipped_count, 'expectation')} checked, "
            f"{failures} failed"
        )
        if skipped_count:
            summary += f", {skipped_count} skipped (no plan)"
        self.stdout.write(summary)
        if failures:
            sys.exit(FAILED)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
