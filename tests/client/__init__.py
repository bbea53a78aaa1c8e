"""Client, handlers, status policy and connection check, against httpx.MockTransport."""
