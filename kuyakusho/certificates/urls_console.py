"""Console pages: /console/certificates/… (counter, postal desk, alerts, policies, statistics)."""

urlpatterns: list = []
