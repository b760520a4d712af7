from django.urls import path

from . import views

app_name = "inspections"
urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/close/", views.plan_close, name="plan_close"),
    path("plans/<int:pk>/reopen/", views.plan_reopen, name="plan_reopen"),
    path("plans/<int:pk>/tasks/", views.plan_task_new, name="plan_task_new"),
    path("plans/<int:pk>/tasks/<int:task_pk>/", views.task_row, name="task_row"),
    path("plans/<int:pk>/tasks/<int:task_pk>/<str:name>/", views.task_change, name="task_change"),
    path("plans/<int:pk>/publish/", views.plan_publish, name="plan_publish"),
    path("plans/<int:plan_pk>/sample/", views.record_new, name="record_new"),
    path("records/", views.record_list, name="record_list"),
    path("records/<int:pk>/", views.record_detail, name="record_detail"),
    path("records/<int:pk>/results/", views.record_results, name="record_results"),
    path("records/<int:pk>/do/<str:name>/", views.record_action, name="record_action"),
    path("mine/", views.my_results, name="my_results"),
    path("follow-ups/", views.follow_up_list, name="follow_up_list"),
    path("imports/new/", views.import_new, name="import_new"),
    path("imports/template.xlsx", views.import_template, name="import_template"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/preview/", views.import_preview, name="import_preview"),
    path("imports/<int:pk>/withdraw/", views.import_withdraw, name="import_withdraw"),
    path("imports/<int:pk>/errors.xlsx", views.import_errors, name="import_errors"),
    path("public/", views.public_index, name="public_index"),
    path("public/<int:pk>/", views.public_plan, name="public_plan"),
]
