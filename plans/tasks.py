"""Background work of the plans app (the handouts' is in plans.handouts.tasks)."""

from celery import shared_task

from plans import services


@shared_task(name="plans.catch_up_missed_sessions")
def catch_up_missed_sessions_task() -> int:
    """Daily (CELERY_BEAT_SCHEDULE), after midnight: plans whose patient missed sessions go on from the last logged
    one. Safe to run again."""
    return services.missed_sessions_catch_up()
