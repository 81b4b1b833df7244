"""Usernames come out the same every time, handle non-ASCII names, and resolve collisions."""

import pytest

from accounts.models import User
from accounts.usernames import base_username, check_template, unique_username


def person(first, last, email):
    return User(first_name=first, last_name=last, email=email)


JOSE = person("José", "Ñúñez", "Jose.Nunez@TestCo.example")
WANG = person("小明", "王", "wang.xm@testco.example")
ANNE = person("Anne-Marie", "O'Brien Smith", "anne@testco.example")
ZOE = person("Zoë", "Løvås", "zoe@testco.example")


@pytest.mark.parametrize(
    "convention, expected",
    [
        ("email", "jose.nunez@testco.example"),
        ("first.last", "jose.nunez"),
        ("firstlast", "josenunez"),
        ("flast", "jnunez"),
        ("first", "jose"),
    ],
)
def test_every_convention_folds_accents(convention, expected):
    assert base_username(JOSE, convention) == expected


@pytest.mark.parametrize("convention", ["first.last", "firstlast", "flast", "first"])
def test_a_name_in_another_script_uses_the_emails_local_part(convention):
    assert base_username(WANG, convention) == "wangxm"
    assert base_username(WANG, "email") == "wang.xm@testco.example"


def test_punctuation_is_dropped_and_letters_without_decomposition_are_skipped():
    assert base_username(ANNE, "first.last") == "annemarie.obriensmith"
    assert base_username(ZOE, "first.last") == "zoe.lvas"  # ø has no ASCII decomposition


@pytest.mark.parametrize(
    "template, expected",
    [
        ("{first}.{last}", "jose.nunez"),
        ("{f}{last}", "jnunez"),
        ("{last}_{first}", "nunez_jose"),
        ("{local}", "jose.nunez"),
    ],
)
def test_templates(template, expected):
    assert base_username(JOSE, "template", template) == expected


def test_bad_templates_are_explained():
    assert check_template("{first}.{last}") == []
    assert check_template("plain") == ["Use at least one of {first}, {last}, {f}, {l}, {local}."]
    assert "Unknown placeholder {middle}" in check_template("{first}{middle}")[0]


def test_the_same_person_gets_the_same_username_every_time():
    assert {base_username(JOSE, "first.last") for _ in range(5)} == {"jose.nunez"}


def test_collisions_get_a_visible_deterministic_suffix():
    taken = {"jose.nunez"}
    assert unique_username("jose.nunez", taken) == "jose.nunez2"
    taken |= {"jose.nunez2"}
    assert unique_username("jose.nunez", taken) == "jose.nunez3"
    assert unique_username("jose@x.example", {"jose@x.example"}) == "jose2@x.example"
    assert unique_username("Jose.Nunez", {"jose.nunez"}) == "Jose.Nunez2"  # case-insensitive
