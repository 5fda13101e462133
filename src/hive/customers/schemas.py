from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from hive.customers.models import TenantStatus
from hive.platform.permissions import Role
from hive.platform.validation import Line, Text

TENANT_CODE = r"^[a-z0-9][a-z0-9-]{1,31}$"
_USERNAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,63}$"
GRADE_CODE = r"^[a-z][a-z0-9-]{1,31}$"


class GradeCreate(BaseModel):
    """A customer grade. ``code`` is optional here (tests name grades by their name); the
    grades page and ``hive grades create`` require it."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    code: str | None = Field(default=None, pattern=GRADE_CODE)
    name: Line = Field(min_length=1, max_length=64)
    price_coefficient: Decimal = Field(gt=0, lt=100, max_digits=8, decimal_places=4)
    description: Text = Field(default="", max_length=255)


class TenantCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    code: str = Field(
        pattern=TENANT_CODE, description="Short unique code, lower-case letters/digits/-"
    )
    name: Line = Field(min_length=1, max_length=128)
    grade_id: int = Field(gt=0)
    contact_name: Line = Field(default="", max_length=64)
    contact_phone: str = Field(default="", max_length=32, pattern=r"^[0-9+\- ]*$")
    contact_email: EmailStr | None = None


class UserCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    username: str = Field(pattern=_USERNAME)
    display_name: Line = Field(min_length=1, max_length=64)
    password: str = Field(min_length=8, max_length=128)
    role: Role
    tenant_id: int | None = Field(default=None, gt=0)


class TenantStatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: TenantStatus


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=128)
    new_password: str = Field(min_length=8, max_length=128)
