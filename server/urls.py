from django.urls import include, path

urlpatterns = [
    path("", include("server.core.urls")),
    path("w/", include("server.workbench.urls")),
    path("w/", include("server.voicelearn.urls")),
    path("", include("server.api.urls")),
    path("", include("server.lessons.urls")),
]
