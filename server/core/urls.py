from django.contrib.auth import views as auth_views
from django.urls import path

from server.core import views

urlpatterns = [
    path("healthz", views.health, name="health"),
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
