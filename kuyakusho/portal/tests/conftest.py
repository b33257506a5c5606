from kuyakusho.identity.tests.conftest import browser_client, provider  # noqa: F401 (fixtures)
