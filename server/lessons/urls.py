from django.urls import path

from server.lessons import views

urlpatterns = [
    path("l/<str:lesson_id>", views.lesson_page, name="lesson_page"),
    path("p/<str:token>", views.practice_page, name="practice_page"),
    path("lessons/", views.overview, name="lessons_overview"),
    path("lessons/sessions/<int:pk>/", views.session_detail, name="lessons_session"),
]
