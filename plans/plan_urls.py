from django.urls import path

from plans import caseload_views, plan_views

app_name = "plans"

urlpatterns = [
    path("caseload/", caseload_views.caseload, name="caseload"),
    path(
        "patients/<int:pk>/intakes/<int:intake_pk>/assessments/<int:assessment_pk>/plan/",
        plan_views.plan_build,
        name="build",
    ),
    path("patients/<int:pk>/plans/<int:plan_pk>/", plan_views.plan_detail, name="detail"),
    path("patients/<int:pk>/plans/<int:plan_pk>/draft/", plan_views.plan_draft, name="draft"),
    path("patients/<int:pk>/plans/<int:plan_pk>/issue/", plan_views.plan_issue, name="issue"),
    path("patients/<int:pk>/plans/<int:plan_pk>/end/", plan_views.plan_end, name="end"),
    path("patients/<int:pk>/plans/<int:plan_pk>/resume/", plan_views.plan_resume, name="resume"),
    path(
        "patients/<int:pk>/plans/<int:plan_pk>/revisions/<int:number>/",
        plan_views.revision_detail,
        name="revision",
    ),
    path(
        "patients/<int:pk>/plans/<int:plan_pk>/revisions/<int:number>/undo/",
        plan_views.revision_undo,
        name="revision_undo",
    ),
    path("patients/<int:pk>/plans/<int:plan_pk>/log/", plan_views.session_log_create, name="log_create"),
    path("patients/<int:pk>/plans/<int:plan_pk>/logs/<int:log_pk>/", plan_views.session_log_detail, name="log"),
    path(
        "patients/<int:pk>/plans/<int:plan_pk>/alerts/<int:alert_pk>/reviewed/",
        plan_views.alert_review,
        name="alert_review",
    ),
]
