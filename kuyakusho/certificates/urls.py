"""Certificates serve several audiences; each module spells its full paths (included at the site root)."""

from .urls_console import urlpatterns as console_patterns
from .urls_public import urlpatterns as public_patterns

app_name = "certificates"
urlpatterns = console_patterns + public_patterns
