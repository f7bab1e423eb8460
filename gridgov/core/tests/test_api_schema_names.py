"""The OpenAPI document names each schema by its class name: two classes of one name would describe
one route with the other's fields. Every API schema of the project has a name of its own."""

from collections import defaultdict

from ninja import Schema

from gridgov.api import api


def _project_schemas(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        if sub.__module__.startswith("gridgov."):
            found.append(sub)
        found.extend(_project_schemas(sub))
    return found


def test_no_two_api_schemas_share_a_name():
    modules = defaultdict(set)
    for schema in _project_schemas(Schema):
        modules[schema.__name__].add(schema.__module__)
    assert {name: sorted(mods) for name, mods in modules.items() if len(mods) > 1} == {}


def test_the_shared_error_body_is_one_schema_in_the_document(db):
    components = api.get_openapi_schema()["components"]["schemas"]
    assert components["ErrorOut"]["required"] == ["detail"]
    assert sorted(components["ErrorOut"]["properties"]) == ["detail", "errors"]
    assert not [name for name in components if name.endswith("ErrorOut") and name != "ErrorOut"]
