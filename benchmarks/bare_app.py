"""The baseline for the throughput benchmark: a bare Flask endpoint that only answers 200."""

from flask import Flask, Response


def create_bare_app() -> Flask:
    """POST /callback -> 200 OK and nothing else; GET /healthz for start-up checks."""
    app = Flask(__name__)

    @app.post("/callback")
    def callback() -> Response:
        return Response("OK", mimetype="text/plain")

    @app.get("/healthz")
    def healthz() -> Response:
        return Response("ok", mimetype="text/plain")

    return app
