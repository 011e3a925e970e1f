from django.urls import path

from server.api.api import api
from server.api.receipt import receipt_page

urlpatterns = [
    path("api/v1/", api.urls),
    path("r/<str:code>", receipt_page, name="receipt"),
]
