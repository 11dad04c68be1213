"""Keeps survey tokens (and staff's one-time links) out of logs: a token in a logged line is
replaced by a mask.

Every handler a server process writes through carries `MaskSurveyTokens`: the handlers of
our LOGGING setting (Django's request and server logs), gunicorn's error and access logs
(`culturesurvey/gunicorn.conf.py`), Celery's worker logs (`culturesurvey/celery.py`), and
logging's last resort. `mask_every_handler` adds it to any handler something else set up.
"""

import logging
import re

# A survey link's path (/s/<token>/), a token given as a query parameter, and the JSON API's
# header, should a client's request or a dump of its headers reach a log line.
PATTERNS = [
    (re.compile(r"(/s/)[A-Za-z0-9_\-]{8,}"), r"\1[token]"),
    # The one-time links of staff: an HR admin's or leader's invitation, a password reset.
    (re.compile(r"(/invite/)[A-Za-z0-9_\-:]{8,}"), r"\1[token]"),
    (re.compile(r"(/accounts/password-reset/[A-Za-z0-9_\-]+/)[A-Za-z0-9\-]{8,}"), r"\1[token]"),
    (re.compile(r"([?&;](?:survey_)?token=)[^&;\s\"'#]+", re.IGNORECASE), r"\1[token]"),
    (
        re.compile(r"((?:HTTP_)?X[-_]SURVEY[-_]TOKEN['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+", re.I),
        r"\1[token]",
    ),
]


def mask_tokens(text: str) -> str:
    for pattern, mask in PATTERNS:
        text = pattern.sub(mask, text)
    return text


class MaskSurveyTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_tokens(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def mask_every_handler() -> None:
    """Adds the mask to every handler of every logger (and to logging's last resort, which
    prints what reaches no handler): for handlers set up by something other than LOGGING."""
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    handlers = {handler for logger in loggers for handler in logger.handlers}
    if logging.lastResort is not None:
        handlers.add(logging.lastResort)
    for handler in handlers:
        if not any(isinstance(f, MaskSurveyTokens) for f in handler.filters):
            handler.addFilter(MaskSurveyTokens())
