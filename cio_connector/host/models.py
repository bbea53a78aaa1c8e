"""Cargo's custom-integration contract as typed models (getcargohq/dummy-integration ``types.ts``).

Requests are lenient about keys Cargo may add later (``extra="allow"`` on the envelope) but strict
about the ones we read; answers are exactly the contract's shapes, so the OpenAPI document at
``/openapi.json`` describes what a host receives.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ActionEntry",
    "AuthenticatePayload",
    "AuthenticateResult",
    "AutocompleteEntry",
    "AutocompletePayload",
    "AutocompleteResult",
    "AutocompleteResultItem",
    "ConnectorEntry",
    "ConnectorRef",
    "ErrorBody",
    "ExecutePayload",
    "ExecuteResult",
    "FormConfig",
    "Health",
    "IntegrationManifest",
    "ParamsSchema",
    "ProblemBody",
    "RateLimit",
    "Retry",
]

JsonObject = dict[str, Any]


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Payload(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


# -- manifest ------------------------------------------------------------------------------------


class RateLimit(_Answer):
    unit: Literal["day", "hour", "minute", "second"]
    max: int


class Retry(_Answer):
    """Temporal-style retry hints; intervals in seconds."""

    maximumAttempts: int | None = None
    initialInterval: float | None = None
    backoffCoefficient: float | None = None


class FormConfig(_Answer):
    """A react-jsonschema-form pair: the data's JSON Schema and its ``ui:`` hints."""

    jsonSchema: JsonObject
    uiSchema: JsonObject


class ParamsSchema(_Answer):
    jsonSchema: JsonObject


class AutocompleteEntry(_Answer):
    slug: str
    params: ParamsSchema
    cacheExpirationInSeconds: int | None = None


class ConnectorEntry(_Answer):
    config: FormConfig
    rateLimit: RateLimit | None = None


class ActionEntry(_Answer):
    name: str
    description: str
    config: FormConfig
    retry: Retry | None = None


class IntegrationManifest(_Answer):
    name: str
    description: str
    icon: str
    color: str
    url: str
    autocompletes: list[AutocompleteEntry]
    dynamicSchemas: list[JsonObject]
    connector: ConnectorEntry
    actions: dict[str, ActionEntry]


# -- requests ------------------------------------------------------------------------------------


class ConnectorRef(_Payload):
    """The connection as Cargo stores it; ``config`` is what the user typed in our connection form."""

    uuid: str | None = None
    workspaceUuid: str | None = None
    config: JsonObject


class AuthenticatePayload(_Payload):
    connector: ConnectorRef


class AutocompletePayload(_Payload):
    """``value`` (what the user typed) is accepted and not used: a workspace's manual segments are few."""

    connector: ConnectorRef
    slug: str
    params: JsonObject = Field(default_factory=dict)
    value: Any = None


class ExecutePayload(_Payload):
    connector: ConnectorRef
    config: JsonObject
    isDryExecution: bool = False


# -- answers -------------------------------------------------------------------------------------


class AuthenticateResult(_Answer):
    outcome: Literal["success", "error"]
    reason: Literal["unauthenticated"] | None = None
    errorMessage: str | None = None


class AutocompleteResultItem(_Answer):
    label: str
    value: str
    description: str | None = None


class AutocompleteResult(_Answer):
    results: list[AutocompleteResultItem]


class ExecuteResult(_Answer):
    outcome: Literal["executed"]
    title: str
    data: JsonObject | None = None


class ProblemBody(_Answer):
    path: str
    message: str
    label: str | None = None
    code: str | None = None


class ErrorBody(_Answer):
    """Every non-2xx answer: a sentence for people, and the details for programs."""

    errorMessage: str
    problems: list[ProblemBody] = Field(default_factory=list)
    status: int | None = None  # Customer.io's HTTP status, when it answered
    retryable: bool | None = None


class Health(_Answer):
    status: Literal["ok"]
    connector: str
    version: str
    actions: int
