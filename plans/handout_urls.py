from django.urls import path

from plans import handout_views

app_name = "handouts"

urlpatterns = [
    path("print-queue/", handout_views.print_queue, name="queue"),
    path("print-queue/status/", handout_views.print_queue_status, name="queue_status"),
    path("print-queue/batches/<int:pk>/download/", handout_views.batch_download, name="batch_download"),
    path("print-queue/batches/<int:pk>/retry/", handout_views.batch_retry, name="batch_retry"),
    path("patients/<int:pk>/plans/<int:plan_pk>/handout/", handout_views.handout_request, name="request"),
    path("patients/<int:pk>/handouts/<int:handout_pk>/download/", handout_views.handout_download, name="download"),
    path("patients/<int:pk>/handouts/<int:handout_pk>/retry/", handout_views.handout_retry, name="retry"),
]
