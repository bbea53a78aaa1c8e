"""The declarative layer: manifests, the JSON Schemas generated from them, and their validation."""

__all__: list[str] = []
