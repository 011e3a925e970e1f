from django.contrib.auth import views as auth_views
from django.urls import path

from server.core import views

urlpatterns = [
    path("healthz", views.health, name="health"),
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="core/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
