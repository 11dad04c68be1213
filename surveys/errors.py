"""Errors that services raise for bad input. Each carries a message a person can act on."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


class ServiceError(Exception):
    """Bad input; nothing was changed."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class FieldsInvalid(ServiceError):
    """Named fields are invalid; nothing was changed."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors  # field -> problem
        super().__init__("; ".join(f"{field}: {problem}" for field, problem in errors.items()))


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based line number in the file, the header being line 1
    column: str
    message: str
    # A summary of many rows (row 0) keeps each row's own error, for readers that want them
    # one by one (the API answers per position).
    details: tuple["RowError", ...] = ()

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "file"
        if self.column:
            return f"{where}, {self.column}: {self.message}"
        return f"{where}: {self.message}"


class ImportRejected(ServiceError):
    """A file import found errors; none of its rows were saved."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        shown = "; ".join(str(e) for e in errors[:20])
        more = f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} error(s), nothing imported: {shown}{more}")


class DefinitionError(ServiceError):
    """An organization definition file is invalid; the organization is unchanged."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors  # (key path, problem)
        super().__init__("; ".join(f"{key}: {problem}" for key, problem in errors))


# One message for an unknown token, a used one and a closed survey, so the answer reveals
# nothing about which tokens exist.
INVALID_TOKEN_MESSAGE = _(
    "This survey link is not valid. It may have been used already, or the survey has closed."
)


class InvalidToken(ServiceError):
    def __init__(self) -> None:
        super().__init__(str(INVALID_TOKEN_MESSAGE))


class AnswersInvalid(ServiceError):
    """Answers failed validation; the token was not used."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors  # question code (or "answers") -> problem
        super().__init__("; ".join(f"{code}: {problem}" for code, problem in errors.items()))
