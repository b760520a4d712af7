from django.urls import path

from . import views

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("items/", views.failing_items, name="items"),
    path("alarms/", views.alarms, name="alarms"),
    path("bulletin/", views.bulletin, name="bulletin"),
    path("enterprise/", views.enterprise, name="enterprise"),
]
