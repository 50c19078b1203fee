"""Errors as RFC 9457 problem details.

Every error the service answers with has the media type
application/problem+json and a body like

    {"type": "about:blank", "title": "Not Found", "status": 404,
     "detail": "Task 7 does not exist"}

Validation errors (422) add "errors": [{"field": ..., "message": ...}].
install() registers the handlers that turn exceptions into such answers;
the observability middleware answers unexpected exceptions with problem(500).
"""

from http import HTTPStatus

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match

from app import db

MEDIA_TYPE = "application/problem+json"

_LOCATIONS = ("body", "query", "path", "header", "cookie")


def title_of(status):
    """The reason phrase of an HTTP status code."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem(status, detail=None, errors=None, headers=None):
    """A problem+json response."""
    body = {"type": "about:blank", "title": title_of(status), "status": status}
    if detail:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def field_of(error):
    """The field a validation error is about: "title", "limit", "body"."""
    if error.get("type") == "value_error.jsondecode":
        return "body"
    parts = [str(p) for p in error["loc"]]
    if len(parts) > 1 and parts[0] in _LOCATIONS:
        parts = parts[1:]
    return ".".join(parts)


def allowed_methods(request):
    """Every method some route of the application takes at request's path.

    (The router itself names only the methods of the first route that
    matches the path.)
    """
    methods = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


async def _http_error(request, exc):
    detail = exc.detail if isinstance(exc.detail, str) else title_of(exc.status_code)
    headers = getattr(exc, "headers", None)
    if exc.status_code == 405:
        headers = dict(headers or {}, Allow=allowed_methods(request))
    return problem(exc.status_code, detail, headers=headers)


async def _validation_error(request, exc):
    errors = [{"field": field_of(e), "message": e["msg"]} for e in exc.errors()]
    return problem(422, "the request is not valid", errors)


async def _unique_violation(request, exc):
    errors = None
    if exc.field:
        errors = [{"field": exc.field, "message": "this value is already taken"}]
    return problem(409, "a value that must be unique is already taken", errors)


async def _fk_violation(request, exc):
    errors = None
    if exc.field:
        errors = [{"field": exc.field, "message": "no such item"}]
    return problem(422, "a reference points to an item that does not exist", errors)


async def _integrity_error(request, exc):
    errors = None
    if exc.field:
        errors = [{"field": exc.field, "message": "not allowed by the data model"}]
    return problem(422, "the data breaks a rule of the data model", errors)


def install(app):
    """Answer HTTP, validation and data errors of app as problems."""
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(db.UniqueViolation, _unique_violation)
    app.add_exception_handler(db.ForeignKeyViolation, _fk_violation)
    app.add_exception_handler(db.IntegrityError, _integrity_error)
