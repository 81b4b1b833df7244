from django.urls import path

from . import views

urlpatterns = [
    path("", views.outbox, name="outbox"),
    path("<int:email_id>/", views.outbox_email, name="outbox_email"),
]
