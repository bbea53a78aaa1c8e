"""Contract tests: requests the connector builds, checked against Customer.io's Track OpenAPI spec."""
