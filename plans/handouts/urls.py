from django.urls import path

from plans.handouts import views

app_name = "handouts"

urlpatterns = [
    path("print-queue/", views.print_queue, name="queue"),
    path("print-queue/status/", views.print_queue_status, name="queue_status"),
    path("print-queue/batches/<int:pk>/download/", views.batch_download, name="batch_download"),
    path("print-queue/batches/<int:pk>/retry/", views.batch_retry, name="batch_retry"),
    path("patients/<int:pk>/plans/<int:plan_pk>/handout/", views.handout_request, name="request"),
    path("patients/<int:pk>/handouts/<int:handout_pk>/download/", views.handout_download, name="download"),
    path("patients/<int:pk>/handouts/<int:handout_pk>/retry/", views.handout_retry, name="retry"),
]
