"""Patients' histories for the clinic's outcomes, built row by row with factories so a test can say exactly what each
patient did and work the figures out by hand: an intake with its scores, the assessment a first plan was built from,
the plan issued on a given day with its planned sessions, logged sessions, and follow-up questionnaires.

The plans and logs here are not built by the plan builder or the progression rules (tests/plans/plan_factories.py
does that): only the fields the outcomes count are meaningful. What the services keep for the outcomes is kept here
by the same functions: each plan's counts (`plan_counts_update`), the first issue and the patient's first plan, and
each patient's latest follow-up responses (`latest_follow_ups_mark`).
"""

from datetime import date, datetime, time

import factory
from django.utils import timezone

from intake.models import FollowUp, FollowUpSchedule, OutcomeResponse
from intake.services import latest_follow_ups_mark
from plans.models import Plan, PlannedSession, PlanRevision, PlanStatus, RevisionKind, SessionLog
from plans.progression import GREEN
from plans.services import plan_counts_update
from tests.factories import PatientFactory
from tests.intake.factories import ConfirmedAssessmentFactory, SubmittedIntakeFactory


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


class PlanFactory(factory.django.DjangoModelFactory):
    """A draft plan: `plan_of` issues it."""

    class Meta:
        model = Plan

    patient = factory.SelfAttribute("assessment.intake.patient")
    status = PlanStatus.DRAFT
    created_by = factory.SelfAttribute("assessment.created_by")
    draft_saved_by = factory.SelfAttribute("created_by")
    start = factory.LazyAttribute(lambda o: o.assessment.as_of)
    weeks = 12
    content = factory.LazyFunction(lambda: {"weeks": []})


class PlanRevisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanRevision

    number = 1
    kind = RevisionKind.ISSUED
    content = factory.LazyFunction(lambda: {"weeks": []})
    inputs = factory.LazyFunction(dict)
    reason = "Issued"
    builder_version = "test"


class SessionLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionLog

    revision = factory.LazyAttribute(lambda o: o.plan.current_revision)
    pain_during_max = 1
    traffic_light = GREEN


class FollowUpScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUpSchedule

    instruments = factory.LazyFunction(lambda: ["nprs", "koos_pf", "akps"])
    every_weeks = 4
    start = factory.LazyAttribute(lambda o: timezone.localdate(o.patient.intakes.first().submitted_at))
    created_by = factory.SelfAttribute("patient.physio")


def patient_on_a_plan(clinic, physio, *, name="", **plan) -> Plan:
    """A patient of `physio` with a first plan (`plan_of` says which)."""
    patient = PatientFactory(clinic=clinic, physio=physio, first_name=name or "Patient")
    return plan_of(patient, **plan)


def plan_of(
    patient, *, issued: date, condition="patellofemoral_pain", postpartum=False, scores=None, draft=False
) -> Plan:
    """A plan of `patient` issued on `issued` at 10:00 (or a draft made that day), built from an assessment
    (concluding `condition`) of an intake sent the day before with `scores` ({instrument: value, or the pain
    scale's answers})."""
    intake = SubmittedIntakeFactory(
        patient=patient, postpartum_within_24m=postpartum, submitted_at=at(date.fromordinal(issued.toordinal() - 1))
    )
    for code, value in (scores or {}).items():
        outcome(patient, code, value, intake=intake, completed_at=intake.submitted_at)
    assessment = assessed(intake, on=issued, condition=condition)
    plan = PlanFactory(assessment=assessment, created_at=at(issued, 9))
    if not draft:  # as issuing does, the patient's other issued plan ends
        Plan.objects.filter(patient=patient, status=PlanStatus.ISSUED).update(
            status=PlanStatus.ENDED, ended_at=at(issued)
        )
        plan.current_revision = PlanRevisionFactory(plan=plan, created_at=at(issued))
        plan.status = PlanStatus.ISSUED
        plan.issued_at = plan.current_revision.created_at
        plan.first_for_patient = not Plan.objects.filter(patient=patient, issued_at__isnull=False).exists()
        plan.save(update_fields=["current_revision", "status", "issued_at", "first_for_patient"])
    return plan


def assessed(intake, *, on: date, condition="patellofemoral_pain", **fields):
    """A decided assessment of `intake` on `on` at 10:00 concluding `condition` (the engine's result stands in)."""
    return ConfirmedAssessmentFactory(
        intake=intake,
        confirmed_at=at(on),
        as_of=on,
        created_by=intake.patient.physio,
        engine_result={"condition": condition, "gates": {}, "causes": [], "red_flags": []},
        engine_version="test",
        **fields,
    )


def outcome(patient, code: str, value, **source) -> OutcomeResponse:
    """A scored questionnaire: `value` is the total, or for the pain scale ("nprs") its answers."""
    answers, total = (value, None) if code == "nprs" else ({}, value)
    return OutcomeResponse.objects.create(
        patient=patient,
        instrument=code,
        instrument_version="1.0",
        answers=answers,
        value=total,
        answered=len(answers) or 1,
        of=len(answers) or 1,
        **source,
    )


def follow_up(patient, on: date, scores: dict) -> FollowUp:
    """A follow-up questionnaire answered on `on` with `scores`, as `outcome` takes them."""
    schedule = FollowUpSchedule.objects.filter(patient=patient).first() or FollowUpScheduleFactory(patient=patient)
    answered = FollowUp.objects.create(schedule=schedule, patient=patient, due_on=on, completed_at=at(on, 18))
    for code, value in scores.items():
        outcome(patient, code, value, follow_up=answered, completed_at=answered.completed_at)
    latest_follow_ups_mark(patient_id=patient.pk)
    return answered


def planned(plan, *days: date) -> None:
    PlannedSession.objects.bulk_create(PlannedSession(plan=plan, day=day) for day in days)
    plan_counts_update([plan.pk])


def logged(plan, day: date, **fields) -> SessionLog:
    """A logged session: a strength day unless `level` and `planned_run_min` make it a run."""
    log = SessionLogFactory(plan=plan, session_date=day, logged_at=at(day, 19), **fields)
    plan_counts_update([plan.pk])
    return log
