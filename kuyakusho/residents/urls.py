from django.urls import path

from . import views

app_name = "residents"
urlpatterns = [
    path("", views.search, name="search"),
    path("<int:pk>/", views.record, name="record"),
    path("<int:pk>/my-number/", views.my_number, name="my_number"),
    path("<int:pk>/death/", views.death, name="death"),
    path("<int:pk>/correction/", views.correction, name="correction"),
    path("households/<int:pk>/", views.household, name="household"),
    path("households/<int:pk>/move-within/", views.move_within, name="move_within"),
    path("households/<int:pk>/move-out/", views.move_out, name="move_out"),
    path("households/<int:pk>/abroad-out/", views.abroad_out, name="abroad_out"),
    path("households/<int:pk>/birth/", views.birth, name="birth"),
    path("households/<int:pk>/head-change/", views.head_change, name="head_change"),
    path("households/<int:pk>/split/", views.split, name="split"),
    path("households/<int:pk>/merge/", views.merge, name="merge"),
    path("move-in/", views.move_in, name="move_in"),
    path("abroad-in/", views.abroad_in, name="abroad_in"),
    path("events/<int:pk>/receipt/", views.receipt, name="receipt"),
    path("events/<int:pk>/cancel/", views.cancel, name="cancel"),
]
