"""The types of the fields of request and response bodies (pydantic 1).

Input types are strict where JSON has a type of its own: a string must be a
JSON string, an integer a JSON integer, a boolean true or false; nothing is
turned into one of these on the way.  Numbers and money also take numbers
written as strings, dates and times ISO 8601 strings.  Integers, ids and
references fit in 64 bits, like the columns that hold them; money has at
most 12 digits, 2 of them after the point.
"""

import datetime
import decimal
import enum

import pydantic
from pydantic import datetime_parse

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

# The kinds of string fields.
STRING, TEXT, EMAIL, URL = "string", "text", "email", "url"

# What an email address and a URL must look like: a sanity check, not RFC 5322.
PATTERNS = {
    EMAIL: r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    URL: r"^[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#]+[^\s]*$",
}

Id = int
Date = datetime.date
DateTime = datetime.datetime
Decimal = decimal.Decimal
Integer = pydantic.conint(strict=True, ge=INT64_MIN, le=INT64_MAX)
Number = pydantic.confloat(allow_inf_nan=False)
Boolean = pydantic.StrictBool
Money = pydantic.condecimal(max_digits=12, decimal_places=2)


def _json_string(value):
    """Let only a JSON string through: a number is not a date."""
    if not isinstance(value, str):
        raise TypeError("an ISO 8601 string is required")
    return value


class DateInput(datetime.date):
    """A date in a request body: an ISO 8601 string, never a number."""

    @classmethod
    def __get_validators__(cls):
        yield _json_string
        yield datetime_parse.parse_date


class DateTimeInput(datetime.datetime):
    """A date and time in a request body: an ISO 8601 string, never a number."""

    @classmethod
    def __get_validators__(cls):
        yield _json_string
        yield datetime_parse.parse_datetime


class Body(pydantic.BaseModel):
    """The base of request bodies: a JSON object, nothing that merely turns
    into one (pydantic 1 would take [] for an object whose fields are all
    optional)."""

    @classmethod
    def validate(cls, value):
        if not isinstance(value, (dict, cls)):
            raise TypeError("a JSON object is required")
        return super().validate(value)


def text(kind, min_length=None, max_length=None):
    """The input type of a string field of kind STRING, TEXT, EMAIL or URL."""
    return pydantic.constr(strict=True, min_length=min_length, max_length=max_length,
                           regex=PATTERNS.get(kind))


class Choice(str, enum.Enum):
    """The base of enumerations: each member is a string, its wire value."""
