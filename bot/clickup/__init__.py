"""ClickUp, both ways (issue 31): the API client (`client.py`), what a request's task is
told (`mirror.py`: the rows the consequences table queues; `deliver.py`: the worker's sender),
what ClickUp tells podbot (`inbound.py`: the webhook's events) and the CLI's verbs
(`admin.py`: doctor's checks, webhooks, the day-one import)."""
