import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from plans.harness import BAD_INPUT, HarnessError, evaluate, read_case


class Command(BaseCommand):
    help = (
        "Evaluate a clinical case file (../shared/clinical/case-format.md) and print the result as JSON. "
        "Exit status 2, with one line per problem on stderr, when the case cannot be read."
    )

    def add_arguments(self, parser):
        parser.add_argument("case", type=Path, help="a case file (JSON)")
        parser.add_argument("--no-plan", action="store_true", help="leave out the plan (assessment only)")

    def handle(self, *args, case, no_plan, **options):
        try:
            data = read_case(case)
        except HarnessError as error:
            self.stderr.write("\n".join(error.problems))
            sys.exit(BAD_INPUT)
        try:
            result = evaluate(data, with_plan=not no_plan)
        except HarnessError as error:  # a log the plan cannot take
            self.stderr.write("\n".join(f"{case}: {problem}" for problem in error.problems))
            sys.exit(BAD_INPUT)
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))
