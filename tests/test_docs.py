"""Each implementation documents itself at /openapi.json and /docs.

Both paths are outside the contract (R2), so only their presence is checked here;
whether the documents match the contract is a later, stricter test.
"""

import httpx


def test_openapi_document_served(client: httpx.Client) -> None:
    """/openapi.json is an OpenAPI document that names the API's paths."""
    response = client.get("/openapi.json")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/")
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert {"/forge/users", "/healthz"} <= set(document["paths"])


def test_docs_page_served(client: httpx.Client) -> None:
    """/docs is an HTML page (Swagger UI)."""
    response = client.get("/docs")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "swagger" in response.text.lower()
