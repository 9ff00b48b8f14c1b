from django.core.management.base import BaseCommand, CommandError

from clinic.celery import app
from clinic.tasks import worker_health_task


class Command(BaseCommand):
    help = "Send a task through the broker to a Celery worker and print its answer (exit 1 if none comes)."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=10.0)

    def handle(self, *args, timeout, **options):
        if app.conf.task_always_eager:
            raise CommandError("REDIS_URL is not set: tasks run in-process and there is no worker to check.")
        try:
            answer = worker_health_task.delay().get(timeout=timeout)
        except Exception as error:
            raise CommandError(f"No answer from a worker within {timeout:.0f}s: {error}") from error
        self.stdout.write(self.style.SUCCESS(f"Worker answered: {answer}"))
