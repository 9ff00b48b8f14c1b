from django.urls import path

from intake import follow_up_views, views
from intake.assessment import views as assessment_views

app_name = "intake"

urlpatterns = [
    # The patient's questionnaire, behind a signed link and their date of birth (no account needed).
    path("intake/<str:token>/", views.link_start, name="start"),
    path("intake/<str:token>/done/", views.link_done, name="done"),
    path("intake/<str:token>/account/", views.link_account, name="account"),
    path("intake/<str:token>/<slug:step>/", views.link_step, name="step"),
    # Staff, from the patient page.
    path("patients/<int:pk>/intake/invite/", views.invite_create, name="invite_create"),
    path("patients/<int:pk>/intake/fill/", views.staff_fill_start, name="staff_start"),
    path("patients/<int:pk>/intake/fill/<slug:step>/", views.staff_fill_step, name="staff_step"),
    path("patients/<int:pk>/intakes/<int:intake_pk>/", views.intake_review, name="review"),
    path("patients/<int:pk>/intakes/<int:intake_pk>/reviewed/", views.intake_mark_reviewed, name="mark_reviewed"),
    # The physio's examination and assessment of a submitted intake.
    path("patients/<int:pk>/intakes/<int:intake_pk>/examination/", assessment_views.examination, name="examination"),
    path("patients/<int:pk>/intakes/<int:intake_pk>/assessment/", assessment_views.assessment, name="assessment"),
    path(
        "patients/<int:pk>/intakes/<int:intake_pk>/assessments/<int:assessment_pk>/",
        assessment_views.assessment_detail,
        name="assessment_detail",
    ),
    # Follow-up questionnaires: the physio's schedule and reading; the patient answers in the portal.
    path("patients/<int:pk>/follow-ups/schedule/", follow_up_views.follow_up_schedule, name="follow_up_schedule"),
    path("patients/<int:pk>/follow-ups/stop/", follow_up_views.follow_up_stop, name="follow_up_stop"),
    path("patients/<int:pk>/follow-ups/<int:follow_up_pk>/", follow_up_views.follow_up_detail, name="follow_up"),
    path(
        "patients/<int:pk>/follow-ups/<int:follow_up_pk>/reviewed/",
        follow_up_views.follow_up_mark_reviewed,
        name="follow_up_reviewed",
    ),
    path("me/questionnaire/", follow_up_views.questionnaire, name="questionnaire"),
    path("me/questionnaires/<int:pk>/", follow_up_views.questionnaire_done, name="questionnaire_done"),
]
