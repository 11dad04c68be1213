"""gunicorn settings for production (docker-compose.yml runs web with this file)."""

import os

from gunicorn.glogging import Logger

bind = os.getenv("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.getenv("GUNICORN_WORKERS", "2"))
# Threads per worker (gthread when above 1). One, a sync worker, by default: the web requests
# are short and CPU-bound, and in the benchmarks (bench/README.md) sync workers gave the same
# throughput as 4 threads with a much shorter tail under load. Each thread keeps its own
# database connection: workers × threads connections per web container.
threads = int(os.getenv("GUNICORN_THREADS", "1"))
timeout = int(os.getenv("GUNICORN_TIMEOUT", "30"))
accesslog = "-"
errorlog = "-"


class MaskingLogger(Logger):
    """Access log lines carry request paths; survey paths hold tokens, so mask them. The
    error log's handlers carry the same mask as every other log handler."""

    def setup(self, cfg) -> None:
        from core.logging import MaskSurveyTokens

        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(f, MaskSurveyTokens) for f in handler.filters):
                    handler.addFilter(MaskSurveyTokens())

    def access(self, resp, req, environ, request_time):
        from core.logging import mask_tokens

        environ = dict(environ)
        for key in ("PATH_INFO", "RAW_URI", "REQUEST_URI"):
            if key in environ:
                environ[key] = mask_tokens(environ[key])
        req.path = mask_tokens(req.path)
        req.uri = mask_tokens(req.uri)
        super().access(resp, req, environ, request_time)


logger_class = MaskingLogger


def post_worker_init(worker) -> None:
    """Each web process imports the PDF engine once, as it starts, rather than in the first
    PDF export it serves (a second of a leader's wait)."""
    import weasyprint  # noqa: F401
