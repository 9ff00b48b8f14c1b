"""Finished plans for the load benchmark's clinic, so the outcomes page counts a clinic's worth of histories: every
discharged patient with a sent questionnaire gets an assessment, a 12-week plan issued a few days after the
questionnaire and ended when it ran out (or yesterday), its planned sessions, most of them logged (climbing the
walk/run ladder to the build phase, some amber or red), and follow-up questionnaires every four weeks.

Bulk-created, not built by the services: the rows the outcomes count (issue dates, planned sessions, logged sessions
with their levels, minutes and lights, questionnaire scores) are each patient's own; the schedule every plan shows is
the model plan's (one of the plans seed.py built for real). Ended plans, so neither the caseload nor the measured
plan pages read them. What the services keep for the outcomes is filled in as they would have: each plan's first
issue (the patient's first plan), its counts (`plan_counts_update`, once per batch) and each patient's latest
follow-up responses.
"""

import random
from datetime import date, datetime, time, timedelta

from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from clinic.models import Patient, PatientStatus
from intake.models import (
    Assessment,
    AssessmentStatus,
    FollowUp,
    FollowUpSchedule,
    Intake,
    IntakeStatus,
    OutcomeResponse,
)
from plans.ladder import LadderState
from plans.models import Plan, PlannedSession, PlanRevision, PlanStatus, RevisionKind, SessionLog
from plans.services import plan_counts_update

WEEKS = 12
SESSION_DAYS = (0, 1, 2, 4, 5)  # days of each plan week with a session; runs on days 1 and 4 and, later, 5
RUN_DAYS = (1, 4)
LOGGED_SHARE = 0.8
LIGHTS = {"green": 0.85, "amber": 0.1, "red": 0.05}
CONDITIONS = {"patellofemoral_pain": 0.8, "iliotibial_band_syndrome": 0.1, "patellar_tendinopathy": 0.1}
FOLLOW_UP_WEEKS = 4
BATCH = 2000


def _when(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _pick(rng: random.Random, shares: dict):
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def seed_histories(
    *, clinic, model: Plan, rng: random.Random, today: date, statuses=(PatientStatus.DISCHARGED,)
) -> int:
    """Histories for the clinic's patients of `statuses` without a plan, after `model` (an issued plan); the number
    of plans made."""
    intakes = {
        intake.patient_id: intake
        for intake in Intake.objects.filter(
            patient__clinic=clinic, patient__status__in=statuses, status=IntakeStatus.SUBMITTED
        )
        .exclude(patient__physio=None)
        .exclude(patient__plans__isnull=False)
    }
    patients = list(Patient.objects.filter(pk__in=intakes).select_related("physio"))
    issued = {
        p.pk: timezone.localdate(intakes[p.pk].submitted_at) + timedelta(days=rng.randrange(2, 8)) for p in patients
    }
    patients = [p for p in patients if issued[p.pk] < today]
    result = model.assessment.engine_result
    assessments = Assessment.objects.bulk_create(
        [
            Assessment(
                intake=intakes[p.pk],
                status=AssessmentStatus.CONFIRMED,
                created_by=p.physio,
                confirmed_by=p.physio,
                confirmed_at=_when(issued[p.pk], 9),
                as_of=issued[p.pk],
                engine_result={**result, "condition": _pick(rng, CONDITIONS)},
                engine_version=model.assessment.engine_version,
            )
            for p in patients
        ],
        batch_size=BATCH,
    )
    revision = model.current_revision
    plans = Plan.objects.bulk_create(
        [
            Plan(
                patient=p,
                assessment=assessment,
                created_by=p.physio,
                created_at=_when(issued[p.pk], 9),
                start=issued[p.pk],
                weeks=WEEKS,
                content=model.content,
                draft_saved_by=p.physio,
                issued_at=_when(issued[p.pk], 10),  # as its revision 1 below
                first_for_patient=True,  # these patients had no plan
                # It ran its course, or ended yesterday: issued just below.
                ended_at=_when(min(issued[p.pk] + timedelta(weeks=WEEKS), today - timedelta(days=1)), 17),
            )
            for p, assessment in zip(patients, assessments, strict=True)
        ],
        batch_size=BATCH,
    )
    PlanRevision.objects.bulk_create(
        [
            PlanRevision(
                plan=plan,
                number=1,
                kind=RevisionKind.ISSUED,
                content=revision.content,
                inputs=revision.inputs,
                reason=revision.reason,
                created_at=_when(plan.start, 10),
                builder_version=revision.builder_version,
            )
            for plan in plans
        ],
        batch_size=BATCH,
    )
    first = PlanRevision.objects.filter(plan=OuterRef("pk"), number=1).values("pk")[:1]
    Plan.objects.filter(pk__in=[plan.pk for plan in plans]).update(
        status=PlanStatus.ENDED, current_revision=Subquery(first), issued_draft_version=F("draft_version")
    )
    plans = list(Plan.objects.filter(pk__in=[plan.pk for plan in plans]).order_by("pk"))
    for chunk in range(0, len(plans), BATCH):
        _sessions(plans[chunk : chunk + BATCH], rng=rng)
        plan_counts_update([plan.pk for plan in plans[chunk : chunk + BATCH]])
        _follow_ups(plans[chunk : chunk + BATCH], intakes, rng=rng, today=today)
    return len(plans)


def _sessions(plans: list[Plan], *, rng: random.Random) -> None:
    planned, logs = [], []
    for plan in plans:
        last = timezone.localdate(plan.ended_at)
        ladder = LadderState(rng.randrange(1, 4))
        for week in range(WEEKS):
            for offset in SESSION_DAYS:
                day = plan.start + timedelta(weeks=week, days=offset)
                if day >= last:
                    break
                planned.append(PlannedSession(plan=plan, day=day))
                if rng.random() > LOGGED_SHARE:
                    continue
                log = SessionLog(
                    plan=plan,
                    revision_id=plan.current_revision_id,
                    session_date=day,
                    logged_at=_when(day, 19),
                    pain_during_max=1,
                    traffic_light=_pick(rng, LIGHTS),
                )
                if offset in RUN_DAYS or (offset == SESSION_DAYS[-1] and ladder.in_build):
                    log.level = ladder.level
                    log.planned_run_min = rng.randrange(30, 46) if ladder.in_build else ladder.run()["total_run_min"]
                    log.pain_during_max = {"green": 2, "amber": 4, "red": 6}[log.traffic_light]
                    ladder = {"green": ladder.after_green, "amber": ladder.after_amber, "red": ladder.after_red}[
                        log.traffic_light
                    ]()
                logs.append(log)
    PlannedSession.objects.bulk_create(planned, batch_size=BATCH)
    SessionLog.objects.bulk_create(logs, batch_size=BATCH)


def _follow_ups(plans: list[Plan], intakes: dict, *, rng: random.Random, today: date) -> None:
    """Every four weeks from the plan's start, while it ran: the intake's scores, a little better each time for
    most patients and worse for some."""
    baseline = {
        (response.patient_id, response.instrument): response
        for response in OutcomeResponse.objects.filter(intake__in=[intakes[plan.patient_id] for plan in plans])
    }
    schedules = FollowUpSchedule.objects.bulk_create(
        [
            FollowUpSchedule(
                patient_id=plan.patient_id,
                instruments=["nprs", "koos_pf", "akps"],
                every_weeks=FOLLOW_UP_WEEKS,
                start=plan.start + timedelta(weeks=FOLLOW_UP_WEEKS),
                safety_questions=False,
                created_by=plan.created_by,
                stopped_at=plan.ended_at,
            )
            for plan in plans
        ],
        batch_size=BATCH,
    )
    follow_ups, trends, latest = [], [], set()
    for plan, schedule in zip(plans, schedules, strict=True):
        trend = rng.choice((1, 1, 1, 0, -1))
        day = schedule.start
        while day < timezone.localdate(plan.ended_at) and day < today:
            follow_ups.append(
                FollowUp(schedule=schedule, patient_id=plan.patient_id, due_on=day, completed_at=_when(day, 18))
            )
            trends.append(trend * (day - plan.start).days / 7)
            day += timedelta(weeks=FOLLOW_UP_WEEKS)
        if follow_ups and follow_ups[-1].patient_id == plan.patient_id:
            latest.add(len(follow_ups) - 1)  # the patient's last, so their latest responses
    follow_ups = FollowUp.objects.bulk_create(follow_ups, batch_size=BATCH)
    responses = []
    for index, (answered, weeks) in enumerate(zip(follow_ups, trends, strict=True)):
        for code in ("nprs", "koos_pf", "akps"):
            start = baseline.get((answered.patient_id, code))
            if start is None:
                continue
            answers, value = dict(start.answers), start.value
            if code == "nprs":
                answers = {item: max(0, min(10, round(score - weeks / 3))) for item, score in answers.items()}
            else:
                value = max(0.0, min(100.0, round(value + weeks * 2.5, 1)))
            responses.append(
                OutcomeResponse(
                    patient_id=answered.patient_id,
                    follow_up=answered,
                    instrument=code,
                    instrument_version=start.instrument_version,
                    answers=answers,
                    value=value,
                    answered=start.answered,
                    of=start.of,
                    completed_at=answered.completed_at,
                    latest_follow_up=index in latest,
                )
            )
    OutcomeResponse.objects.bulk_create(responses, batch_size=BATCH)
