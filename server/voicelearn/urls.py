from django.urls import path

from server.voicelearn import views

app_name = "voicelearn"
urlpatterns = [
    path("utterances/", views.utterances, name="utterances"),
    path("utterances/<int:pk>/label", views.label, name="label"),
]
