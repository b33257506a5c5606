app_name = "seals"
urlpatterns: list = []
