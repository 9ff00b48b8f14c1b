from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.demo import DEMO_PASSWORD, seed_demo_clinic
from portal.demo_outcomes import seed_outcome_histories


class Command(BaseCommand):
    help = "Create the demo clinic (idempotent) and print its logins. Refuses to run with DEBUG off."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (creates accounts with a known password).",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates accounts with a published password; use --force to run it here.")
        logins = seed_demo_clinic()
        if settings.DEMO_OUTCOME_HISTORIES:
            histories = seed_outcome_histories()
            self.stdout.write(f"With {histories} patients' histories for the outcomes page.")
        self.stdout.write(self.style.SUCCESS("Demo clinic ready. Sign in at /accounts/login/ with:"))
        width = max(len(role) for role in logins)
        for role, email in logins.items():
            self.stdout.write(f"  {role:<{width}}  {email}")
        self.stdout.write(f"  Password for every demo account: {DEMO_PASSWORD}")
