"""The Celery app, wired the standard Django way: settings prefixed CELERY_, tasks found in each app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

app = Celery("clinic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()  # plus plans.handouts.tasks, imported by PlansConfig.ready()
