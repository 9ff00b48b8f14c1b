from django.urls import path

from plans import outcome_views, views

app_name = "plans"

urlpatterns = [
    path("caseload/", views.caseload, name="caseload"),
    path("outcomes/", outcome_views.outcomes, name="outcomes"),
    path("outcomes/table.csv", outcome_views.outcomes_csv, name="outcomes_csv"),
    path(
        "patients/<int:pk>/intakes/<int:intake_pk>/assessments/<int:assessment_pk>/plan/",
        views.plan_build,
        name="build",
    ),
    path("patients/<int:pk>/plans/<int:plan_pk>/", views.plan_detail, name="detail"),
    path("patients/<int:pk>/plans/<int:plan_pk>/draft/", views.plan_draft, name="draft"),
    path("patients/<int:pk>/plans/<int:plan_pk>/issue/", views.plan_issue, name="issue"),
    path("patients/<int:pk>/plans/<int:plan_pk>/issue/review/", views.plan_issue_review, name="issue_review"),
    path("patients/<int:pk>/plans/<int:plan_pk>/end/", views.plan_end, name="end"),
    path("patients/<int:pk>/plans/<int:plan_pk>/resume/", views.plan_resume, name="resume"),
    path(
        "patients/<int:pk>/plans/<int:plan_pk>/revisions/<int:number>/",
        views.revision_detail,
        name="revision",
    ),
    path(
        "patients/<int:pk>/plans/<int:plan_pk>/revisions/<int:number>/undo/",
        views.revision_undo,
        name="revision_undo",
    ),
    path("patients/<int:pk>/plans/<int:plan_pk>/log/", views.session_log_create, name="log_create"),
    path("patients/<int:pk>/plans/<int:plan_pk>/logs/<int:log_pk>/", views.session_log_detail, name="log"),
    path(
        "patients/<int:pk>/plans/<int:plan_pk>/alerts/<int:alert_pk>/reviewed/",
        views.alert_review,
        name="alert_review",
    ),
]
