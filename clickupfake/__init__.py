"""clickupfake: a stand-in for ClickUp's API v2, apart from podbot (it imports nothing of `bot`).

`clickupfake.api.ClickUpApiServer` is a local HTTP server at ``…/api/v2`` that keeps
workspaces, members, lists and their statuses, tasks, comments, custom fields and webhooks;
validates request bodies against the documented fields; answers errors as ClickUp does
(``{"err": ..., "ECODE": ...}``, 401 for a bad token, 404 for a missing task, 429 with the
``X-RateLimit-*`` headers, injected 5xx outages on an injectable clock); and signs the webhook
events it sends (``X-Signature``: hex HMAC-SHA256 of the raw body with the webhook's secret).

Changes "made by a person in ClickUp" (`comment_as`, `set_status_as`, `assign_as`, ...) fire
the webhooks as the API's own changes do; tests redeliver, reorder or corrupt those deliveries
with `deliver`, `deliver_pending(order=...)` and `deliver_with_bad_signature`.
"""

from clickupfake.api import ApiCall, ClickUpApiServer, Delivery, WebhookEvent

__all__ = ["ApiCall", "ClickUpApiServer", "Delivery", "WebhookEvent"]
