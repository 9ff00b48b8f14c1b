"""Reads for PDF handouts: a plan revision's handout as the plain data `plans.handouts.content` renders, and what
the print queue shows (its pages, the live statuses, and whether the print service is keeping up). Each in a fixed
number of queries."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q
from django.utils import timezone

from clinic.pictures import image_data_url
from plans.calendar import plan_exercise_slugs
from plans.handouts.content import handout_context
from plans.models import Exercise, Handout, HandoutBatch, PlanRevision, PlanStatus, PrintStatus

QUEUE_PAGE_SIZE = 25
RECENT_BATCHES = 10
# The most rows the live status endpoint answers for at once (a page of handouts and the recent batches).
STATUS_MAX_IDS = 100

UNREACHABLE_NOTICE = "The print service is not reachable; your request is saved and will print when it is back."
SLOW_NOTICE = (
    "Some handouts have been waiting for several minutes: the print service may be down. They are saved and will "
    "print when it is back; if this lasts, tell your administrator."
)

# Big fields the queue never shows: the plan JSON and notes behind each handout.
_UNSHOWN_FIELDS = (
    "revision__content",
    "revision__inputs",
    "revision__changes",
    "revision__note_for_patient",
    "revision__plan__content",
    "revision__plan__programme",
    "revision__plan__note_for_patient",
)


def handout_context_for(*, revision: PlanRevision, paper: str, anchor_prefix: str = "") -> dict:
    """The template context of a revision's handout, from the models: the revision's schedule and note, the
    exercises it names from the clinic's library (with the clinic's own pictures), the patient, their physio, the
    clinic (with its logo), and the condition and causes the physio confirmed. Two queries beyond the revision's
    plan, patient, clinic and assessment (the exercises)."""
    plan = revision.plan
    patient = plan.patient
    clinic = patient.clinic
    assessment = plan.assessment
    content = revision.content
    # The clinic's own exercises last, so one of theirs wins over a shipped one of the same code.
    exercises = list(
        Exercise.objects.visible_to(clinic.pk).filter(slug__in=plan_exercise_slugs(content)).order_by("clinic_id", "pk")
    )
    physio = patient.physio or plan.created_by
    return handout_context(
        plan=content,
        exercises={exercise.slug: exercise.as_spec() for exercise in exercises},
        patient_name=patient.full_name,
        clinic={
            "name": clinic.name,
            "phone": clinic.phone,
            "address": clinic.address,
            "logo": image_data_url(clinic.logo) if clinic.logo else None,
        },
        physio={"name": str(physio), "registration": physio.professional_registration},
        condition=assessment.engine_result["condition"],
        causes=assessment.confirmed_cause_codes,
        note=revision.note_for_patient,
        revision=revision.number,
        issued_on=timezone.localdate(revision.created_at),
        paper=paper,
        postpartum=assessment.gates.get("weeks_postpartum") is not None,
        pictures={exercise.slug: image_data_url(exercise.image) for exercise in exercises if exercise.image},
        anchor_prefix=anchor_prefix,
    )


def revision_for_handout(*, revision_id: int) -> PlanRevision:
    """A revision with everything its handout names (plan, assessment, patient, physio, clinic) in one query."""
    return PlanRevision.objects.select_related(
        "plan__assessment", "plan__created_by__user", "plan__patient__clinic", "plan__patient__physio__user"
    ).get(pk=revision_id)


# --- the print queue ------------------------------------------------------------------------------------------------


def print_queue_page(*, clinic_id: int, page_number, status: str = "") -> Page:
    """A page of the clinic's handouts, newest request first, with their patient and plan (two queries)."""
    handouts = (
        Handout.objects.for_clinic(clinic_id)
        .select_related("revision__plan__patient", "requested_by")
        .defer(*_UNSHOWN_FIELDS)
        .order_by("-requested_at", "-pk")
    )
    if status:
        handouts = handouts.filter(status=status)
    return Paginator(handouts, QUEUE_PAGE_SIZE).get_page(page_number)


def recent_batches(*, clinic_id: int) -> list[HandoutBatch]:
    """The clinic's latest batches with their number of handouts (one query)."""
    return list(
        HandoutBatch.objects.filter(clinic_id=clinic_id)
        .select_related("requested_by")
        .annotate(handout_count=Count("handouts"))
        .order_by("-requested_at", "-pk")[:RECENT_BATCHES]
    )


def print_service_notice(*, clinic_id: int, now: datetime | None = None) -> str:
    """What the queue must say about the print service, if anything: unreachable (a waiting job could not be handed
    to it), or slow (a job it was given has waited longer than HANDOUT_REDISPATCH_AFTER). Two queries."""
    waiting_since = (now or timezone.now()) - settings.HANDOUT_REDISPATCH_AFTER
    counts = {"unreachable": 0, "slow": 0}
    for jobs in (Handout.objects.for_clinic(clinic_id), HandoutBatch.objects.filter(clinic_id=clinic_id)):
        found = jobs.filter(status=PrintStatus.QUEUED).aggregate(
            unreachable=Count("pk", filter=Q(dispatched_at__isnull=True)),
            slow=Count("pk", filter=Q(dispatched_at__lt=waiting_since)),
        )
        counts = {name: counts[name] + found[name] for name in counts}
    if counts["unreachable"]:
        return UNREACHABLE_NOTICE
    return SLOW_NOTICE if counts["slow"] else ""


@dataclass(frozen=True)
class JobState:
    """A print job as the queue's live updates see it."""

    id: int
    status: str
    label: str
    outcome: str
    download_url: str


def _states(jobs) -> list[JobState]:
    return [
        JobState(
            id=job.pk,
            status=job.status,
            label=job.get_status_display(),
            outcome=job.outcome,
            download_url=job.download_url(),
        )
        for job in jobs
    ]


def print_job_states(*, clinic_id: int, handout_ids, batch_ids) -> dict:
    """The current state of the given handouts and batches of the clinic (others are left out), and the notice."""
    shown = ("status", "page_count", "size_bytes", "error")
    handouts = (
        Handout.objects.for_clinic(clinic_id)
        .filter(pk__in=list(handout_ids)[:STATUS_MAX_IDS])
        .select_related("revision__plan")
        .only(*shown, "revision__plan__patient")  # the patient's id, for the download link
    )
    batches = HandoutBatch.objects.filter(clinic_id=clinic_id, pk__in=list(batch_ids)[:STATUS_MAX_IDS]).only(*shown)
    return {
        "handouts": _states(handouts),
        "batches": _states(batches),
        "notice": print_service_notice(clinic_id=clinic_id),
    }


def handouts_for_patient(*, patient) -> list[Handout]:
    """The handouts of the plan the patient follows now, ready to download (one query): never an older revision's,
    which would no longer match their schedule."""
    return list(
        Handout.objects.filter(
            revision__plan__patient=patient,
            revision__plan__status=PlanStatus.ISSUED,
            revision=F("revision__plan__current_revision"),
            status=PrintStatus.READY,
        )
        .select_related("revision__plan")
        .defer(*(field for field in _UNSHOWN_FIELDS if not field.startswith("revision__plan__patient")))
        .order_by("paper")
    )


def handouts_of_revision(*, revision_id: int | None) -> list[Handout]:
    """The handouts already asked for of a revision (one per paper size), for the plan page, which gives each the
    revision it is of (a join would cost as much again to compile)."""
    if revision_id is None:
        return []
    return list(Handout.objects.filter(revision_id=revision_id).order_by("paper"))
