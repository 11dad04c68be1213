"""The roster: importing employees from CSV, and marking leavers."""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from ..errors import ImportRejected, RowError
from ..models import Department, Employee, Organization
from ..selectors import chunks
from .campaigns import exit_invitations_create
from .csvfiles import read_csv, text_problem

ROSTER_COLUMNS = (
    "email",
    "name",
    "department",
    "start_date",
    "location",
    "level",
    "language",
    "leaving_date",
)
EMAIL_MAX_LENGTH = Employee._meta.get_field("email").max_length
# Fields the file may set (every column but the email, which names the person); a column left
# out of the file leaves that field as it is.
ROSTER_FIELDS = tuple(column for column in ROSTER_COLUMNS if column != "email")
DEPARTMENT_NAME_MAX = Department._meta.get_field("name").max_length
MISSING_SHOWN = 10  # department names listed in the summary of missing ones


@dataclass
class RosterImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    new_leavers: list[int] = field(default_factory=list)  # employee ids
    encoding: str = "utf-8"

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def parse_date(value: str) -> dt.date:
    """ISO dates only: 03/04/2025 means different days in different countries."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f'"{value}" is not a date in the form YYYY-MM-DD') from None


def _department_lookup(organization: Organization) -> dict[str, Department]:
    return {d.name.casefold(): d for d in Department.current.filter(organization=organization)}


def roster_validate(
    *,
    organization: Organization,
    content: bytes | str,
    create_departments: bool = False,
    dry_run: bool = False,
) -> tuple[list[dict], list[str], str]:
    """Check every row of a CSV file; returns the cleaned rows, the columns present and the
    encoding. Raises ImportRejected listing every bad row with its line number and reason."""
    table = read_csv(content, required=("email",))
    unknown = [c for c in table.header if c not in ROSTER_COLUMNS]
    if unknown:
        raise ImportRejected(
            [
                RowError(1, column, f"unknown column (known: {', '.join(ROSTER_COLUMNS)})")
                for column in unknown
            ]
        )
    rows = roster_rows_clean(
        organization=organization,
        rows=table.rows,
        create_departments=create_departments,
        dry_run=dry_run,
    )
    return rows, [c for c in ROSTER_FIELDS if c in table.header], table.encoding


def roster_rows_clean(
    *,
    organization: Organization,
    rows: list[tuple[int, dict[str, str]]],
    create_departments: bool = False,
    dry_run: bool = False,
) -> list[dict]:
    """Check rows given as (row number, {column: text}); only the columns a row holds are set.

    Departments named that do not exist are created with `create_departments` (once every
    row is good; not with `dry_run`), else reported in one line after the rows' own problems.
    Raises ImportRejected with every problem and its row number.
    """
    departments = _department_lookup(organization)
    missing: dict[str, tuple[str, list[int]]] = {}  # casefolded name -> (name, lines)
    errors: list[RowError] = []
    cleaned: list[dict] = []
    first_line_of: dict[str, int] = {}
    for line, cells in rows:
        row: dict = {"line": line}
        problems = {column: text_problem(value) for column, value in cells.items()}
        if any(problems.values()):
            errors.extend(RowError(line, c, p) for c, p in problems.items() if p)
            continue
        email = cells.get("email", "").strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            errors.append(
                RowError(line, "email", f'"{cells.get("email", "")}" is not an email address')
            )
        else:
            if len(email) > EMAIL_MAX_LENGTH:  # validate_email allows up to 320
                errors.append(RowError(line, "email", f"longer than {EMAIL_MAX_LENGTH} characters"))
            if email in first_line_of:
                errors.append(
                    RowError(line, "email", f"{email} is already on row {first_line_of[email]}")
                )
            first_line_of.setdefault(email, line)
        row["email"] = email
        if "name" in cells:
            if len(cells["name"]) > 200:
                errors.append(RowError(line, "name", "longer than 200 characters"))
            row["name"] = cells["name"][:200]
        if "department" in cells:
            name = cells["department"].strip()
            key = name.casefold()
            if len(name) > DEPARTMENT_NAME_MAX:
                errors.append(
                    RowError(line, "department", f"longer than {DEPARTMENT_NAME_MAX} characters")
                )
            elif name and key not in departments:
                missing.setdefault(key, (name, []))[1].append(line)
            row["department"] = key if name else None
        for column in ("start_date", "leaving_date"):
            if column in cells:
                value = cells[column]
                try:
                    row[column] = parse_date(value) if value else None
                except ValueError as exc:
                    errors.append(RowError(line, column, str(exc)))
        start, leaving = row.get("start_date"), row.get("leaving_date")
        if start and leaving and leaving < start:
            errors.append(RowError(line, "leaving_date", "is before start_date"))
        for column in ("location", "level"):
            if column in cells:
                if len(cells[column]) > 100:
                    errors.append(RowError(line, column, "longer than 100 characters"))
                row[column] = cells[column][:100]
        if "language" in cells:
            # The language the employee is asked in; empty: the organization's default.
            code = cells["language"].strip().lower()
            if code and code not in dict(settings.LANGUAGES):
                errors.append(
                    RowError(
                        line,
                        "language",
                        f'"{cells["language"]}" is not a language of the product '
                        f"({', '.join(dict(settings.LANGUAGES))})",
                    )
                )
            row["language"] = code
        cleaned.append(row)
    if missing and not create_departments:
        # Rows naming departments that are not there yet come last, as one line: the real
        # problems of single rows stay on top instead of under one error per such row.
        errors.append(missing_departments_error(missing, known=departments))
    if errors:
        raise ImportRejected(errors)
    if missing:
        departments |= _departments_create(
            organization=organization,
            names=[name for name, _lines in missing.values()],
            dry_run=dry_run,
        )
    for row in cleaned:
        if row.get("department") is not None:
            row["department"] = departments[row["department"]]
    return cleaned


def _listed(names: list[str]) -> str:
    more = len(names) - MISSING_SHOWN
    return ", ".join(names[:MISSING_SHOWN]) + (f" and {more} more" if more > 0 else "")


def missing_departments_error(
    missing: dict[str, tuple[str, list[int]]], *, known: dict[str, Department]
) -> RowError:
    """One line for every row that names a department not there yet (a typo shows next to
    the names that exist)."""
    rows = sum(len(lines) for _name, lines in missing.values())
    names = sorted(name for name, _lines in missing.values())
    existing = _listed(sorted(d.name for d in known.values())) or "none yet"
    shown = f"{_listed(names)} (existing: {existing})"
    row_word = "row names" if rows == 1 else "rows name"
    department_word = "department that does" if len(names) == 1 else "departments that do"
    details = tuple(
        RowError(line, "department", f'unknown department "{name}"')
        for name, lines in missing.values()
        for line in lines
    )
    return RowError(
        0,
        "department",
        f"{rows} {row_word} {len(names)} {department_word} not exist yet: {shown} — "
        "tick 'create missing departments' or create them on the Departments page",
        details=tuple(sorted(details, key=lambda e: e.row)),
    )


def _departments_create(
    *, organization: Organization, names: list[str], dry_run: bool
) -> dict[str, Department]:
    """Departments of these names, at the top of the tree (the roster names no parent)."""
    made = [Department(organization=organization, name=name) for name in names]
    if not dry_run:
        made = [Department.objects.create(organization=organization, name=n) for n in names]
    return {d.name.casefold(): d for d in made}


@transaction.atomic
def roster_import(
    *,
    organization: Organization,
    content: bytes | str,
    dry_run: bool = False,
    create_departments: bool = False,
) -> RosterImportResult:
    """Create or update employees by email from a CSV file. All rows or none.

    With dry_run, everything is checked and counted and nothing is saved. Employees given a
    leaving date for the first time are invited to the exit survey. With create_departments,
    departments the file names that do not exist yet are added (at the top of the tree).
    """
    rows, present, encoding = roster_validate(
        organization=organization,
        content=content,
        create_departments=create_departments,
        dry_run=dry_run,
    )
    result = roster_apply(organization=organization, rows=rows, present=present, dry_run=dry_run)
    result.encoding = encoding
    return result


@transaction.atomic
def roster_upsert(
    *,
    organization: Organization,
    people: list[dict[str, str | None]],
    dry_run: bool = False,
    create_departments: bool = False,
) -> RosterImportResult:
    """The same as a CSV import, for a list of people (the HRIS push). Each person sets only
    the fields it holds; the same list twice changes nothing the second time."""
    rows = []
    for index, person in enumerate(people, 1):
        cells = {
            key: ("" if value is None else str(value)).strip()
            for key, value in person.items()
            if key in ROSTER_COLUMNS
        }
        rows.append((index, cells))
    cleaned = roster_rows_clean(
        organization=organization,
        rows=rows,
        create_departments=create_departments,
        dry_run=dry_run,
    )
    fields_present = [f for f in ROSTER_FIELDS if any(f in p for p in people)]
    # A field one person leaves out must stay as it is for them: apply per set of fields.
    result = RosterImportResult()
    groups: dict[tuple[str, ...], list[dict]] = {}
    for person, row in zip(people, cleaned, strict=True):
        groups.setdefault(tuple(f for f in fields_present if f in person), []).append(row)
    for present, group in groups.items():
        part = roster_apply(
            organization=organization, rows=group, present=list(present), dry_run=dry_run
        )
        result.created += part.created
        result.updated += part.updated
        result.unchanged += part.unchanged
        result.new_leavers += part.new_leavers
    return result


def roster_apply(
    *, organization: Organization, rows: list[dict], present: list[str], dry_run: bool = False
) -> RosterImportResult:
    """Create or update checked rows by email, setting the `present` fields."""
    result = RosterImportResult()
    existing = {
        e.email: e
        for emails in chunks([r["email"] for r in rows])
        for e in Employee.objects.filter(
            organization=organization, email__in=emails
        ).select_related("department")  # compared below: one query per chunk, not one per row
    }
    to_create: list[Employee] = []
    to_update: list[Employee] = []
    leavers: list[Employee] = []
    for row in rows:
        employee = existing.get(row["email"])
        if employee is None:
            employee = Employee(organization=organization, email=row["email"])
            for name in present:
                setattr(employee, name, row[name])
            to_create.append(employee)
            if employee.leaving_date:
                leavers.append(employee)
            continue
        changed = False
        for name in present:
            current = getattr(employee, name)
            if current != row[name]:
                if name == "leaving_date" and current is None:
                    leavers.append(employee)
                setattr(employee, name, row[name])
                changed = True
        if changed:
            to_update.append(employee)
        else:
            result.unchanged += 1
    result.created = len(to_create)
    result.updated = len(to_update)
    if dry_run:
        return result
    Employee.objects.bulk_create(to_create, batch_size=1000)
    if to_update:
        Employee.objects.bulk_update(to_update, [*present], batch_size=1000)
    # bulk_create sets primary keys on PostgreSQL and SQLite alike.
    result.new_leavers = [e.pk for e in leavers]
    if result.new_leavers:
        exit_invitations_create(organization=organization, employee_ids=result.new_leavers)
    return result


@transaction.atomic
def employee_mark_leaver(*, employee: Employee, leaving_date: dt.date) -> bool:
    """Record that an employee leaves; invites them to the open exit survey the first time.

    Returns whether an exit invitation was created. Marking the same leaver twice changes
    nothing more.
    """
    if employee.start_date and leaving_date < employee.start_date:
        raise ValidationError({"leaving_date": "The leaving date is before the start date."})
    first_time = employee.leaving_date is None
    employee.leaving_date = leaving_date
    employee.save(update_fields=["leaving_date", "updated_at"])
    if not first_time:
        return False
    return bool(
        exit_invitations_create(organization=employee.organization, employee_ids=[employee.pk])
    )
