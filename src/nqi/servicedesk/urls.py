from django.urls import path

from . import views

app_name = "servicedesk"
urlpatterns = [
    path("requests/", views.request_list, name="request_list"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/do/<str:name>/", views.request_action, name="request_action"),
    path("requests/<int:pk>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("overview/", views.overview_page, name="overview"),
]
