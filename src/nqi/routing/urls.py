from django.urls import path

from . import views

app_name = "routing"
urlpatterns = [
    path("suggest/", views.suggest_partial, name="suggest"),
    path("requests/<int:pk>/dispatch/", views.dispatch_suggested, name="dispatch"),
    path("capability/", views.capability_page, name="capability"),
]
