from django.urls import include, path

urlpatterns = [
    path("", include("server.core.urls")),
    path("", include("server.api.urls")),
    path("", include("server.lessons.urls")),
]
