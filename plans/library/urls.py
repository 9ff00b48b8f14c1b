from django.urls import path

from plans.library import views

urlpatterns = [
    path("", views.exercise_list, name="exercise_list"),
    path("new/", views.exercise_create, name="exercise_create"),
    path("<slug:slug>/", views.exercise_detail, name="exercise_detail"),
    path("<slug:slug>/edit/", views.exercise_edit, name="exercise_edit"),
    path("<slug:slug>/deactivate/", views.exercise_deactivate, name="exercise_deactivate"),
    path("<slug:slug>/reactivate/", views.exercise_reactivate, name="exercise_reactivate"),
    path("<slug:slug>/image/", views.exercise_image, name="exercise_image"),
]
