"""API Gateway's REST proxy integration, locally: HTTP requests in, Lambda proxy events out."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

STAGE = "local"


def proxy_event(request: Request) -> dict[str, Any]:
    """The event API Gateway gives a Lambda proxy integration for this request."""
    body = request.get_data()
    try:
        text, is_base64 = body.decode(), False
    except UnicodeDecodeError:
        text, is_base64 = base64.b64encode(body).decode(), True
    query = {k: request.args.getlist(k) for k in request.args}
    return {
        "resource": "/{proxy+}",
        "path": request.path,
        "httpMethod": request.method,
        "headers": dict(request.headers.items()),
        "multiValueHeaders": {k: request.headers.getlist(k) for k in request.headers.keys()},  # noqa: SIM118
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": {"proxy": request.path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": request.method,
            "path": f"/{STAGE}{request.path}",
            "stage": STAGE,
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": request.remote_addr or "127.0.0.1"},
        },
        "body": text if body else None,
        "isBase64Encoded": is_base64,
    }


def _response(result: dict[str, Any]) -> Response:
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    response = Response(data, status=int(result.get("statusCode", 502)))
    for key, values in (result.get("multiValueHeaders") or {}).items():
        for value in values:
            response.headers.add(key, value)
    for key, value in (result.get("headers") or {}).items():
        response.headers[key] = value
    return response


class LocalApiGateway:
    """Serves the API Lambda on http://127.0.0.1:<port>, as API Gateway's proxy integration does."""

    def __init__(self, invoke: Callable[[dict[str, Any]], Any], port: int) -> None:
        self._invoke = invoke
        self._server: BaseWSGIServer = make_server("127.0.0.1", port, self._app, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name="api-gateway", daemon=True)

    def _app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        try:
            result = self._invoke(proxy_event(request))
            response = _response(result)
        except Exception as exc:  # API Gateway answers 502 when its integration fails
            response = Response(
                json.dumps({"message": f"Internal server error: {type(exc).__name__}"}),
                status=502,
                content_type="application/json",
            )
        return response(environ, start_response)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
