"""Seed the load benchmark's clinic into an empty, migrated database and print what the load run needs (JSON).

A clinic of 2,000 patients (by default) spread over six physiotherapists and the stages of the pathway as a busy
clinic has them: new referrals, links sent (half of them with a questionnaire started), intakes waiting for review
(some with red flags), patients further along whose intake was reviewed, some of those on a plan writing to the
clinic (a few messages each, the last not read yet for some), and the discharged ones' finished plans with their
sessions and questionnaires (histories.py).

Fast, and real where it matters: staff are created through the services, and each distinct questionnaire (answer
profile × sex × after a birth or not) is filled in and sent once through the intake services, so it is screened
and scored for real; the patients, their links and the other patients' identical questionnaires are then copied
in bulk from those.

    python bench/load/seed.py --patients 2000 > seeded.json

Run by bench/load/run.sh with the benchmark's production-like environment; never against a real clinic's database.
"""

import argparse
import json
import os
import random
import secrets
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from histories import seed_histories  # noqa: E402 (bench/load/histories.py, beside this script)

from clinic import services  # noqa: E402
from clinic.models import Clinic, Patient, PatientStatus, SexAtBirth, StaffRole  # noqa: E402
from intake import services as intake_services  # noqa: E402
from intake.assessment.decisions import CONFIRM, REJECT, CauseDecision, decisions_for  # noqa: E402
from intake.assessment.live import assessment_now  # noqa: E402
from intake.models import Intake, IntakeInvite, IntakeStatus, OutcomeResponse  # noqa: E402
from intake.questionnaire import answer_paths  # noqa: E402
from intake.questions import REVIEW  # noqa: E402
from plans import services as plan_services  # noqa: E402
from plans.models import Plan  # noqa: E402
from portal import services as portal_services  # noqa: E402
from portal.demo import ALL_CLEAR, DEMO_FINDINGS, PFP_AKPS, PFP_KOOS, POSTPARTUM_ALL_CLEAR  # noqa: E402
from portal.models import Message  # noqa: E402

PHYSIOS = 6
UNASSIGNED_SHARE = 0.05  # referrals not yet given a physiotherapist
WOMEN_SHARE = 0.75
POSTPARTUM_SHARE = 0.3  # of the women who send an intake: gave birth in the last 24 months
STARTED_SHARE = 0.5  # of the links sent: questionnaire started, stopped at the knee step
# Where the clinic's patients are in the pathway (shares add up to 1). Patients past "intake to review" have a
# reviewed intake; up to PLANNED of the measured physio's patients "on a plan" have a confirmed assessment and an
# issued plan, built through the services the pages use (every plan page the benchmark reads is a real one).
STAGES = {
    PatientStatus.NEW: 0.12,
    PatientStatus.INTAKE_SENT: 0.12,
    PatientStatus.INTAKE_RECEIVED: 0.10,
    PatientStatus.ASSESSED: 0.10,
    PatientStatus.ON_PLAN: 0.36,
    PatientStatus.REFERRED: 0.05,
    PatientStatus.DISCHARGED: 0.15,
}
# Names as words in a string: a long list reads better so than one name per line.
FIRST_NAMES = {
    SexAtBirth.FEMALE: (  # noqa: SIM905
        "Amelia Olivia Isla Ava Mia Grace Sophie Emily Lily Freya Chloe Ella Hannah Priya Aisha Zara Laura Emma Ruth "
        "Megan Niamh Fatima Leah Orla Jessica"
    ).split(),
    SexAtBirth.MALE: "Oliver George Harry Jack Noah Leo Arthur Oscar Thomas James Mohammed Daniel Ravi Tom".split(),  # noqa: SIM905
}
LAST_NAMES = (  # noqa: SIM905
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Wright Robinson Thompson Evans Walker White "
    "Roberts Green Hall Wood Jackson Clarke Khan Okafor Nair Kovacs Mendes Liu Reilly Webb Morgan Price Adeyemi "
    "Murphy Kelly Hughes Edwards Turner Hill Moore Ali Shah Begum Campbell Stewart Scott Young Allen King"
).split()

RUNNER = {
    "side": "right",
    "pain_locations": ["around_kneecap"],
    "onset": "gradual",
    "symptom_weeks": 6,
    "aggravators": ["stairs_down", "squatting", "running"],
    "nprs_now": 2,
    "nprs_usual": 3,
    "nprs_worst_week": 6,
    "years_running": 4,
    "runs_per_week": 3,
    "current_weekly_km": 12,
    "goal": "10k",
    **ALL_CLEAR,
    "akps": PFP_AKPS,
    "koos_pf": PFP_KOOS,
}
# Answer sets of sent questionnaires, with their shares: most raise no flag.
PROFILES = {
    "no flag": (0.86, {}),
    "calf pain": (0.04, {"calf_pain_swelling_redness": True}),  # urgent, reference §8 RF8
    "locked knee": (0.04, {"locking": "current", "onset": "sudden_with_injury"}),  # urgent, RF4
    "morning stiffness": (0.04, {"morning_stiffness_over_30min": True}),  # urgent, RF10
    "hot knee and fever": (0.02, {"hot_red_knee": True, "fever_or_unwell": True}),  # emergency, RF1
}
AFTER_BIRTH = {**POSTPARTUM_ALL_CLEAR, "delivery_mode": "vaginal", "fatigue": 6}
BIRTH_WEEKS_AGO = 20
# The examination of the planned patients: the demo's, with the runner's impact tests passed (and the pelvic floor
# check after a birth), so that their plans can be issued.
EXAMINED = DEMO_FINDINGS["Emma"]
EXAMINED_AFTER_BIRTH = DEMO_FINDINGS["Laura"]
# Patients on a plan who write to the clinic: a conversation of a few messages each, the patient's last one not read
# yet for UNREAD_SHARE of them (the clinicians' list puts those first, after the intakes waiting for review).
WRITING_SHARE = 0.3
UNREAD_SHARE = 0.4
PLANNED = 100  # plans built for real (about 40 ms each), enough for the plan page to rotate over


def pick(rng: random.Random, shares: dict):
    """A key of `shares` ({key: share or (share, ...)}), drawn by its share."""
    weights = [value[0] if isinstance(value, tuple) else value for value in shares.values()]
    return rng.choices(list(shares), weights=weights)[0]


def seed(*, patients: int, rng: random.Random) -> dict:
    now = timezone.now()
    clinic = Clinic.objects.create(name="Runback Bench Physiotherapy", slug="bench", phone="020 7946 0100")
    password = secrets.token_urlsafe(16)
    physios = [
        services.staff_member_create(
            clinic=clinic,
            email=f"physio{n}@bench.runback.test",
            first_name=rng.choice(FIRST_NAMES[SexAtBirth.FEMALE]),
            last_name=rng.choice(LAST_NAMES),
            role=StaffRole.PHYSIOTHERAPIST,
            password=password,
        )
        for n in range(1, PHYSIOS + 1)
    ]
    services.staff_member_create(
        clinic=clinic,
        email="desk@bench.runback.test",
        first_name="Carla",
        last_name="Price",
        role=StaffRole.FRONT_DESK,
        password=password,
    )

    people = []
    for n in range(patients):
        sex = SexAtBirth.FEMALE if rng.random() < WOMEN_SHARE else SexAtBirth.MALE
        first, last = rng.choice(FIRST_NAMES[sex]), rng.choice(LAST_NAMES)
        people.append(
            Patient(
                clinic=clinic,
                first_name=first,
                last_name=last,
                date_of_birth=date(1960, 1, 1) + timedelta(days=rng.randrange(45 * 365)),
                sex_at_birth=sex,
                email=f"{first}.{last}.{n}@example.test".lower(),
                phone=f"07700 9{n:05d}",
                physio=None if rng.random() < UNASSIGNED_SHARE else physios[n % PHYSIOS],
                status=pick(rng, STAGES),
            )
        )
    people = Patient.objects.bulk_create(people, batch_size=500)

    # One link each for everyone past "new": recent for those still to answer (half of whom have started), older
    # for the others.
    invited = [p for p in people if p.status != PatientStatus.NEW]
    sent = [p for p in invited if _waiting(p)]
    started = {p.pk for p in sent if rng.random() < STARTED_SHARE}
    invites = []
    for p in invited:
        created_at = now - timedelta(days=rng.randrange(1, 9) if _waiting(p) else rng.randrange(20, 300))
        opened = not _waiting(p) or p.pk in started
        invites.append(_invite(p, physios[0], created_at, opened=opened))
    invite_of = {invite.patient_id: invite for invite in IntakeInvite.objects.bulk_create(invites, batch_size=500)}
    Intake.objects.bulk_create(
        [
            Intake(
                patient=p,
                invite=invite_of[p.pk],
                postpartum_within_24m=None if p.sex_at_birth == SexAtBirth.MALE else False,
                patient_answers={"height_cm": 168, "weight_kg": 64},
                current_step="knee",
            )
            for p in sent
            if p.pk in started
        ],
        batch_size=500,
    )

    answered = [p for p in invited if not _waiting(p)]
    sent_intakes = _send_questionnaires(answered, invite_of, rng=rng, reviewer=physios[0])
    # The copied intakes bypassed intake_submit: their patients' place on the clinicians' list, in one UPDATE.
    intake_services.patients_rank_waiting_intakes(patient_ids=[p.pk for p in answered])

    messages = _exchange_messages(
        [p for p in people if p.status == PatientStatus.ON_PLAN], physios[0].user, rng=rng, now=now
    )

    physio = physios[0]
    plans = _plan_for(
        [p for p in answered if p.physio_id == physio.pk and p.status == PatientStatus.ON_PLAN][:PLANNED], physio
    )
    # The discharged patients' finished plans, after one of those, for the outcomes page (histories.py).
    model = Plan.objects.get(pk=plans[0][1])
    histories = seed_histories(clinic=clinic, model=model, rng=rng, today=timezone.localdate())
    return {
        "clinic": clinic.name,
        "patients": len(people),
        "links_waiting": len(sent),
        "drafts": len(started),
        "intakes_sent": sent_intakes,
        "intakes_to_review": Intake.objects.filter(status=IntakeStatus.SUBMITTED, reviewed_at__isnull=True).count(),
        "finished_plans": histories,
        "messages": messages,
        "password": password,
        "physio": physio.user.email,
        "physio_patients": [p.pk for p in people if p.physio_id == physio.pk],
        "physio_intakes": list(
            Intake.objects.filter(patient__physio=physio, status=IntakeStatus.SUBMITTED).values_list("patient", "pk")
        ),
        "physio_plans": plans,
        "intake_links": [
            {"path": invite_of[p.pk].get_absolute_url(), "date_of_birth": p.date_of_birth.isoformat()}
            for p in sent
            if p.pk in started
        ],
    }


def _exchange_messages(patients: list[Patient], physio_user, *, rng: random.Random, now) -> int:
    """Conversations of two to six messages, alternating from the patient and the clinic, bulk-created; the
    patients' counts of messages waiting for the staff in one UPDATE, as the portal's services keep them."""
    messages = []
    for patient in patients:
        if rng.random() >= WRITING_SHARE:
            continue
        count, unread = rng.randrange(2, 7), rng.random() < UNREAD_SHARE
        start = now - timedelta(days=rng.randrange(1, 60))
        for n in range(count):
            from_patient = n % 2 == 0 or (unread and n == count - 1)
            sent_at = start + timedelta(hours=n * 5)
            read_at = None if unread and n == count - 1 else sent_at + timedelta(hours=2)
            messages.append(
                Message(
                    patient=patient,
                    from_patient=from_patient,
                    author=None if from_patient else physio_user,
                    body="How should the knee feel after the run?" if from_patient else "A little ache is fine.",
                    sent_at=sent_at,
                    read_at=read_at,
                    read_by=physio_user if from_patient and read_at else None,
                )
            )
    Message.objects.bulk_create(messages, batch_size=1000)
    portal_services.patients_count_unread_messages(patient_ids=[p.pk for p in patients])
    return len(messages)


def _waiting(patient: Patient) -> bool:
    return patient.status == PatientStatus.INTAKE_SENT


def _invite(patient: Patient, fallback, created_at, *, opened: bool) -> IntakeInvite:
    return IntakeInvite(
        patient=patient,
        created_by=patient.physio or fallback,
        created_at=created_at,
        expires_at=created_at + timedelta(days=settings.INTAKE_INVITE_DAYS),
        sent_to=patient.email,
        opened_at=created_at + timedelta(hours=2) if opened else None,
    )


# What a copy of a sent questionnaire takes from the one that went through the services.
INTAKE_COPIED = (
    "status",
    "answers",
    "patient_answers",
    "postpartum_within_24m",
    "current_step",
    "red_flags",
    "flag_level",
)
OUTCOME_COPIED = ("instrument", "instrument_version", "answers", "value", "answered", "of")


def _send_questionnaires(patients: list[Patient], invite_of: dict, *, rng: random.Random, reviewer) -> int:
    """Each patient sends one of the profiles' questionnaires. The first patient with each distinct questionnaire
    sends it through the intake services (screened and scored for real); the others get copies of that intake and
    its outcome measures, dated at their own link. Intakes past "intake to review" are marked reviewed."""
    sent = {}
    copies, copied_outcomes = [], []
    for patient in patients:
        after_birth = patient.sex_at_birth != SexAtBirth.MALE and rng.random() < POSTPARTUM_SHARE
        key = (pick(rng, PROFILES), patient.sex_at_birth, after_birth)
        invite = invite_of[patient.pk]
        submitted_at = invite.created_at + timedelta(days=1)
        reviewed = patient.status != PatientStatus.INTAKE_RECEIVED
        if key not in sent:
            intake = _send(patient, invite, *key)
            if reviewed:
                intake_services.intake_mark_reviewed(intake=intake, by=patient.physio or reviewer)
            sent[key] = (intake, list(intake.outcome_responses.all()))
            continue
        model, outcomes = sent[key]
        copy = Intake(
            **{name: getattr(model, name) for name in INTAKE_COPIED},
            patient=patient,
            invite=invite,
            started_at=invite.created_at + timedelta(hours=2),
            submitted_at=submitted_at,
            reviewed_at=submitted_at + timedelta(days=2) if reviewed else None,
            reviewed_by=(patient.physio or reviewer) if reviewed else None,
        )
        copies.append(copy)
        copied_outcomes += [(copy, outcome) for outcome in outcomes]
    Intake.objects.bulk_create(copies, batch_size=500)
    OutcomeResponse.objects.bulk_create(
        [
            OutcomeResponse(
                **{name: getattr(outcome, name) for name in OUTCOME_COPIED},
                patient_id=copy.patient_id,
                intake=copy,
                completed_at=copy.submitted_at,
            )
            for copy, outcome in copied_outcomes
        ],
        batch_size=1000,
    )
    return len(sent) + len(copies)


def _send(patient: Patient, invite: IntakeInvite, profile: str, sex: str, after_birth: bool) -> Intake:
    """Fill in and send a questionnaire through the services the questionnaire's pages use."""
    answers = {**RUNNER, **PROFILES[profile][1]}
    gate = {}
    if sex != SexAtBirth.MALE:
        gate = {"flow.postpartum_within_24m": after_birth}
        if after_birth:
            born = timezone.localdate() - timedelta(weeks=BIRTH_WEEKS_AGO)
            answers["postpartum"] = {**AFTER_BIRTH, "delivery_date": born.isoformat()}
    draft = intake_services.intake_draft_for_invite(invite=invite)
    values = {**answer_paths(answers, "intake"), **answer_paths({"height_cm": 168, "weight_kg": 64}, "patient")}
    draft = intake_services.intake_save_step(intake=draft, step=REVIEW, answers={**values, **gate})
    return intake_services.intake_submit(intake=draft)


def _plan_for(patients: list[Patient], physio) -> list[tuple[int, int]]:
    """Examine each patient (the demo's findings, EXAMINED), assess the intake (the
    engine's likely causes confirmed, the others rejected) and issue the plan the builder proposes, as a physio does
    on the pages. Patients whose result calls for a referral are left out."""
    plans = []
    for patient in patients:
        intake = patient.intakes.get(status=IntakeStatus.SUBMITTED)
        findings = EXAMINED_AFTER_BIRTH if intake.postpartum_within_24m else EXAMINED
        intake_services.examination_save(intake=intake, findings=findings, version=0, by=physio)
        shown = assessment_now(intake, as_of=timezone.localdate())
        if shown.result["action"] in ("emergency", "urgent"):
            continue
        decisions = [
            CauseDecision(d.code, d.verdict or REJECT) if d.verdict != CONFIRM else d
            for d in decisions_for(shown.result["causes"], confirmed=[], rejected=[])
        ]
        assessment = intake_services.assessment_confirm(
            intake=intake, by=physio, shown_digest=shown.digest, decisions=decisions, plan_start=None
        )
        plan, _ = plan_services.plan_create(assessment=assessment, by=physio)
        plan_services.plan_issue(plan=plan, by=physio)
        plans.append((patient.pk, plan.pk))
    return plans


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2026, help="random seed: the same clinic every run")
    args = parser.parse_args()
    if Clinic.objects.exists():
        sys.exit("seed.py fills an empty database only: this one already has a clinic.")
    started = time.perf_counter()
    with transaction.atomic():
        seeded = seed(patients=args.patients, rng=random.Random(args.seed))  # noqa: S311 - made-up data
    seeded["seconds"] = round(time.perf_counter() - started, 1)
    json.dump(seeded, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
