from django.urls import path

from server.workbench import access, views

app_name = "workbench"
urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/poll", views.inbox_poll, name="inbox_poll"),
    path("requests/new/", views.take_request, name="take"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/gather", views.gather, name="gather"),
    path("requests/<int:pk>/<str:action>", views.request_action, name="action"),
    path("tasks/", views.tasks, name="tasks"),
    path("volunteers/", views.volunteers, name="volunteers"),
    path("volunteers/new/", views.volunteer_edit, name="volunteer_new"),
    path("volunteers/<int:pk>/", views.volunteer_edit, name="volunteer"),
    path("volunteers/<int:pk>/access", views.volunteer_access, name="volunteer_access"),
    path("access/<uidb64>/<token>/", access.SetPasswordView.as_view(), name="set_password"),
    path("topics/", views.topics, name="topics"),
    path("topics/new/", views.topic_edit, name="topic_new"),
    path("topics/<int:pk>/", views.topic_edit, name="topic"),
    path("metrics/", views.metrics_page, name="metrics"),
    path("metrics/export.csv", views.metrics_export, name="metrics_export"),
    path("kiosks/", views.kiosks, name="kiosks"),
    path("kiosks/<int:pk>/", views.kiosk_detail, name="kiosk"),
    path("export.<str:fmt>", views.export, name="export"),
    path("daily/", views.daily, name="daily"),
    path("audit/", views.audit_log, name="audit"),
]
