"""The API's documentation page (``/api/docs``): django-ninja's Swagger UI in a page of our own, with the page's
language, a main landmark and a heading, and a stylesheet that lifts Swagger UI's colours to WCAG AA contrast."""

from __future__ import annotations

from ninja.openapi.docs import Swagger


class ApiDocs(Swagger):
    template = "core/api_docs.html"
    default_settings = {
        **Swagger.default_settings,
        # The schema list repeats every request and response body, each with its own unlabelled controls.
        "defaultModelsExpandDepth": -1,
        # A link inside each operation's expand button is a control nested in a control (axe: nested-interactive).
        "deepLinking": False,
    }
