"""The exercise library pages: staff browse it; physiotherapists manage their clinic's own exercises.

Patients never use these pages (they see their exercises through their plan); they may only fetch the picture of
one of their clinic's exercises, which is never served from a public media URL.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clinic.access import physio_required, staff_required
from clinic.pictures import content_type_for
from intake.codes import CATEGORY_LABELS, CONTRAINDICATIONS
from plans import services
from plans.access import get_exercise_for_staff, get_exercise_image_for_user, get_own_exercise_for_staff
from plans.library.forms import ExerciseFilterForm, ExerciseForm
from plans.selectors import exercise_list_for_staff, exercises_by_slug

EXERCISES_PER_PAGE = 24
COPIED_FIELDS = [name for name in ExerciseForm.Meta.fields if name not in {"slug", "image"}]


@staff_required
def exercise_list(request):
    member = request.staff_member
    filters = ExerciseFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    exercises = exercise_list_for_staff(
        member=member,
        search=criteria.get("q", ""),
        category=criteria.get("category", ""),
        kind=criteria.get("kind", ""),
        source=criteria.get("source", ""),
        include_inactive=criteria.get("inactive", False),
    )
    page = Paginator(exercises, EXERCISES_PER_PAGE).get_page(request.GET.get("page"))
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    return render(
        request,
        "plans/exercise_list.html",
        {"filters": filters, "page": page, "query_without_page": query_without_page.urlencode()},
    )


@staff_required
def exercise_detail(request, slug):
    member = request.staff_member
    exercise = get_exercise_for_staff(member, slug)
    linked = exercises_by_slug(member=member, slugs=[*exercise.progressions, *exercise.regressions])
    return render(
        request,
        "plans/exercise_detail.html",
        {
            "exercise": exercise,
            "categories": [CATEGORY_LABELS.get(code, code) for code in exercise.categories],
            "contraindications": [CONTRAINDICATIONS.get(code, code) for code in exercise.contraindications],
            "progressions": [linked[s] for s in exercise.progressions if s in linked],
            "regressions": [linked[s] for s in exercise.regressions if s in linked],
            "can_edit": member.is_physio and exercise.clinic_id == member.clinic_id,
        },
    )


@physio_required
def exercise_create(request):
    """A new exercise of the physio's clinic; `?copy=<slug>` starts it from any exercise the clinic can see."""
    member = request.staff_member
    original = get_exercise_for_staff(member, request.GET["copy"]) if request.GET.get("copy") else None
    initial = {name: getattr(original, name) for name in COPIED_FIELDS} if original else {}
    form = ExerciseForm(request.POST or None, request.FILES or None, member=member, initial=initial)
    if form.is_valid():
        exercise = services.exercise_create(clinic=member.clinic, by=member, **form.exercise_fields())
        messages.success(request, f"{exercise.name} has been added to your clinic's library.")
        return redirect(exercise)
    title = f"Copy {original.name} for your clinic" if original else "Add an exercise"
    return render(request, "plans/exercise_form.html", {"form": form, "title": title})


@physio_required
def exercise_edit(request, slug):
    member = request.staff_member
    exercise = get_own_exercise_for_staff(member, slug)
    form = ExerciseForm(request.POST or None, request.FILES or None, instance=exercise, member=member)
    if form.is_valid():
        services.exercise_update(exercise=exercise, **form.exercise_fields())
        messages.success(request, "The exercise has been saved.")
        return redirect(exercise)
    return render(
        request, "plans/exercise_form.html", {"form": form, "exercise": exercise, "title": f"Edit {exercise.name}"}
    )


@physio_required
def exercise_deactivate(request, slug):
    exercise = get_own_exercise_for_staff(request.staff_member, slug)
    if request.method == "POST":
        services.exercise_set_active(exercise=exercise, active=False)
        messages.success(request, f"{exercise.name} has been deactivated. Plans that use it keep it.")
        return redirect(exercise)
    return render(request, "plans/exercise_confirm_deactivate.html", {"exercise": exercise})


@physio_required
@require_POST
def exercise_reactivate(request, slug):
    exercise = get_own_exercise_for_staff(request.staff_member, slug)
    services.exercise_set_active(exercise=exercise, active=True)
    messages.success(request, f"{exercise.name} is active again.")
    return redirect(exercise)


@login_required
def exercise_image(request, slug):
    """A clinic's own exercise picture, for that clinic's staff and patients only."""
    exercise = get_exercise_image_for_user(request.user, slug)
    # Read whole (a re-encoded picture is a few hundred kilobytes) and closed at once, whichever store holds it: on
    # S3 the view passes the object on, so the picture stays private to the clinic and no URL to the bucket is made.
    with exercise.image.open("rb") as stored:
        picture = stored.read()
    response = HttpResponse(picture, content_type=content_type_for(exercise.image.name))
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Disposition"] = "inline"
    return response
