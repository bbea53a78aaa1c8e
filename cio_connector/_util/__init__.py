"""Small helpers below every layer: JSON bytes and paths, timestamps, ULIDs, safe YAML, sockets, the bundle."""

__all__: list[str] = []
