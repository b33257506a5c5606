from django.urls import path

from . import views

app_name = "offices"
urlpatterns = [
    path("", views.index, name="index"),
    path("manage/", views.manage, name="manage"),
    path("manage/special-days/<int:pk>/remove", views.remove, name="special_day_remove"),
    path("manage/open-for-demo", views.open_for_demo, name="open_for_demo"),
    path("manage/display-languages", views.display_languages, name="display_languages"),
]
