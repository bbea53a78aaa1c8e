"""The action pipeline: a config rendered and checked, compiled into a plan, built into a request."""

__all__: list[str] = []
