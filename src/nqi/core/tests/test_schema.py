"""The OpenAPI schema is generated without a warning or an error and validates against the OpenAPI 3 spec."""

from django.core.management import call_command


def test_the_openapi_schema_generates_cleanly_and_validates(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(out))
    assert out.read_text(encoding="utf-8").startswith("openapi: 3")
