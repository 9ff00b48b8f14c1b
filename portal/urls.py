from django.urls import path

from portal import views

urlpatterns = [
    path("me/", views.home, name="my_page"),
    path("me/plan/", views.plan_page, name="portal_plan"),
    path("me/sessions/<isodate:day>/", views.session_detail, name="portal_session"),
    path("me/sessions/<isodate:day>/log/", views.session_log, name="portal_log"),
    path("me/sessions/<isodate:day>/morning/", views.session_morning, name="portal_morning"),
    path("me/messages/", views.conversation, name="portal_messages"),
    path("me/settings/", views.portal_settings, name="portal_settings"),
    path("me/settings/calendar/new/", views.calendar_feed_new, name="portal_calendar_new"),
    path("me/settings/calendar/revoke/", views.calendar_feed_revoke, name="portal_calendar_revoke"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("patients/<int:pk>/messages/", views.patient_conversation, name="patient_messages"),
    path("patients/<int:pk>/portal/calendar/revoke/", views.patient_calendar_revoke, name="patient_calendar_revoke"),
]
