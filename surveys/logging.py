"""Keeps survey tokens out of logs: a token in a logged URL is replaced by a mask."""

import logging
import re

TOKEN_IN_PATH = re.compile(r"(/s/)[A-Za-z0-9_\-]{8,}")
MASK = r"\1[token]"


def mask_tokens(text: str) -> str:
    return TOKEN_IN_PATH.sub(MASK, text)


class MaskSurveyTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_tokens(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
