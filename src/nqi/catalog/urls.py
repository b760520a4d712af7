from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("providers/", views.provider_list, name="provider_list"),
    path("providers/<int:pk>/", views.provider_detail, name="provider_detail"),
    path("items/", views.item_list, name="item_list"),
    path("experts/", views.expert_list, name="expert_list"),
    path("my/items/new/", views.item_edit, name="item_new"),
    path("my/items/<int:pk>/", views.item_edit, name="item_edit"),
    path("my/accreditations/new/", views.accreditation_edit, name="accreditation_new"),
    path("my/accreditations/<int:pk>/", views.accreditation_edit, name="accreditation_edit"),
]
