from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("providers/", views.provider_list, name="provider_list"),
    path("providers/<int:pk>/", views.provider_detail, name="provider_detail"),
    path("items/", views.item_list, name="item_list"),
    path("experts/", views.expert_list, name="expert_list"),
]
