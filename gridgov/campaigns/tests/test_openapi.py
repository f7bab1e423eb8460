from gridgov.api import api


def test_openapi_names_every_campaign_schema_once():
    schema = api.get_openapi_schema()
    paths = {p: sorted(ops) for p, ops in schema["paths"].items() if p.startswith("/api/v1/campaigns")}
    assert paths == {
        "/api/v1/campaigns/": ["get"],
        "/api/v1/campaigns/{pk}": ["get"],
        "/api/v1/campaigns/{pk}/progress": ["get"],
        "/api/v1/campaigns/{pk}/households": ["get"],
        "/api/v1/campaigns/{pk}/checks": ["post"],
        "/api/v1/campaigns/checks/{pk}": ["get"],
        "/api/v1/campaigns/sync": ["post"],
    }
    conflict = schema["components"]["schemas"]["CheckConflictOut"]["properties"]
    assert set(conflict) == {"detail", "server", "client"}
    result = schema["components"]["schemas"]["CheckSyncResult"]["properties"]
    assert {"client_uuid", "status", "id", "version", "server"} <= set(result)
