"""The REST service (``droidpilot serve``): submit, watch, approve and cancel tasks.

``create_app(settings)`` builds the FastAPI app over a :class:`~droidpilot.policy.store.Store`
(SQLite) and a :class:`~droidpilot.policy.service.TaskService` (queue, device pool, workers).
Every route but ``/healthz``, the OpenAPI document and the dashboard's static files needs
``Authorization: Bearer TOKEN``. Routes::

    POST /v1/tasks                                   submit (Idempotency-Key) -> 202 {id, status}
    GET  /v1/tasks?status=&limit=&cursor=            newest first, a cursor to page on
    GET  /v1/tasks/{id}                              status, success, progress, result, return
    GET  /v1/tasks/{id}/steps                        the step records (JSON list)
    GET  /v1/tasks/{id}/steps/{n}/screenshot.png     what step n saw
    GET  /v1/tasks/{id}/artifacts/{path}             episode.json, steps.jsonl, screens/NNNN.*
    GET  /v1/tasks/{id}/events                       Server-Sent Events (Last-Event-ID resumes)
    POST /v1/tasks/{id}/cancel
    GET  /v1/tasks/{id}/approvals
    POST /v1/tasks/{id}/approvals/{approval_id}      {"decision": approve|reject, "reason"}
    GET  /v1/devices   GET /v1/catalog   GET /healthz   GET /metrics (Prometheus text)
    GET  /             the dashboard (static HTML + JS)
"""

from __future__ import annotations

from droidpilot.server.app import create_app, pool_devices, serve

__all__ = ["create_app", "pool_devices", "serve"]
