"""API routes of the analytics app, included under /api/v1/."""

from django.urls import path

from . import views

urlpatterns = [
    path("analytics/pass-rates/", views.PassRatesView.as_view(), name="analytics-pass-rates"),
    path("analytics/alarms/", views.AlarmsView.as_view(), name="analytics-alarms"),
]
