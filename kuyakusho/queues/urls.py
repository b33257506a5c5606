app_name = "queues"
urlpatterns: list = []
