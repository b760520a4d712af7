from django.urls import path

from . import views

app_name = "planning"
urlpatterns = [
    path("", views.scheme_list, name="scheme_list"),
    path("new/", views.scheme_new, name="scheme_new"),
    path("<int:pk>/", views.scheme_detail, name="scheme_detail"),
    path("<int:pk>/cells/<int:cell_pk>/", views.cell_row, name="cell_row"),
    path("<int:pk>/cells/<int:cell_pk>/edit/", views.cell_edit, name="cell_edit"),
    path("<int:pk>/export.<str:fmt>", views.scheme_export, name="scheme_export"),
    path("<int:pk>/adopt/", views.scheme_adopt, name="scheme_adopt"),
    path("<int:pk>/discard/", views.scheme_discard, name="scheme_discard"),
]
