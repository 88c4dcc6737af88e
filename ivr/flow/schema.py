"""The JSON Schema of menu_tree.yaml, published as docs/menu-schema.json for editors' YAML language server."""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

from ivr.flow.model import IncludedFile, RootFile

SCHEMA_ID = "https://customer-connect.example.org/menu-schema.json"


def menu_schema() -> dict[str, Any]:
    # menu_tree.yaml is a RootFile; each file under menus/ an IncludedFile.
    schema = TypeAdapter(RootFile | IncludedFile).json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = "Customer Connect call flow (menu_tree.yaml and menus/*.yaml)"
    return schema


def menu_schema_text() -> str:
    return json.dumps(menu_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
