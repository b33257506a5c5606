from django.urls import path

from . import views

app_name = "seals"
urlpatterns = [
    path("", views.index, name="index"),
    path("residents/<int:resident_id>/", views.person, name="person"),
    path("residents/<int:resident_id>/register/", views.register, name="register"),
    path("registrations/<int:registration_id>/letter/", views.letter, name="letter"),
    path("registrations/<int:registration_id>/answer/", views.answer, name="answer"),
    path("registrations/<int:registration_id>/lost/", views.lost, name="lost"),
    path("registrations/<int:registration_id>/reissue/", views.reissue, name="reissue"),
    path("registrations/<int:registration_id>/abolish/", views.abolish, name="abolish"),
    path("registrations/<int:registration_id>/reregister/", views.reregister, name="reregister"),
]
