"""Validation messages in people's words: the form's label and what to do, never library words."""

import pytest
from pydantic import BaseModel, EmailStr, Field, ValidationError

from core import auth, validation


class Form(BaseModel):
    title_en: str = Field(min_length=1, max_length=5)
    email: EmailStr
    capacity: int = Field(ge=1)
    planned_launch: str | None = None


def _problems(**values):
    with pytest.raises(ValidationError) as caught:
        Form(**({"title_en": "A", "email": "a@example.org", "capacity": 2} | values))
    return validation.problems(caught.value, {"title_en": "Title (English)", "capacity": "Seats"})


def test_each_kind_of_problem_names_the_field_and_what_to_do():
    assert _problems(title_en="") == ["Title (English) is required: fill it in."]
    assert _problems(title_en="Too long") == [
        "Title (English) is too long: keep it to 5 characters at most."
    ]
    assert _problems(capacity=0) == ["Seats must be at least 1."]
    assert _problems(capacity="many") == ["Seats must be a number."]
    said = _problems(email="not-an-email")
    assert said[0].startswith("Email is not a valid e-mail address")
    for sentence in [*said, *_problems(title_en=""), *_problems(capacity=0)]:
        assert "String should" not in sentence and "Input should" not in sentence


def test_the_admin_form_labels_its_fields():
    from ui.admin_users import USER_FIELDS

    with pytest.raises(ValidationError) as caught:
        auth.UserIn(username="Bad Name!", name="", email="x", role="viewer")
    text = validation.explain(caught.value, USER_FIELDS)
    assert "Username is not in the expected form" in text
    assert "Full name is required: fill it in." in text
    assert "E-mail is not a valid e-mail address" in text
