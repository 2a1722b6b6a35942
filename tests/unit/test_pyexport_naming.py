"""Python and native names of .NET members (plan/naming.py): snake_case, keywords, enum members,
symbols, collisions."""

from __future__ import annotations

import enum
import keyword
import re

import pytest

from aotwheel.plan.naming import (
    check_collisions, enum_member_name, export_parameter_name, parameter_name, snake_case, symbol_part,
)


@pytest.mark.parametrize(
    "name, expected",
    [("CountWords", "count_words"), ("AddMany", "add_many"), ("HTMLParser", "html_parser"), ("GetX2", "get_x2"),
     ("IOStream", "io_stream"), ("already_snake", "already_snake"), ("A", "a"), ("ToUTF8", "to_utf8"),
     ("Parse2D", "parse2_d")],
)
def test_snake_case(name, expected):
    assert snake_case(name) == expected


def test_parameter_names_avoid_keywords_private_names_and_self():
    assert [parameter_name(n) for n in ("from", "_hidden", "self", "firstName", "__")] == ["from_", "hidden", "self_", "first_name", "arg"]


def test_raw_export_parameters_keep_their_csharp_spelling():
    # Raw exports are bound as declared: no snake_case, and a leading underscore is kept, made safe by a trailing one.
    assert [export_parameter_name(n) for n in ("from", "_hidden", "self", "firstName", "_lib")] == [
        "from_", "_hidden_", "self", "firstName", "_lib_"]


def test_collisions_name_both_members():
    problems = check_collisions([("add", "Lib.A.Add"), ("add", "Lib.B.add"), ("sub", "Lib.A.Sub")], "the module lib")
    assert problems == [
        "Lib.B.add and Lib.A.Add both map to the Python name 'add' in the module lib; rename one with [PyExport(Name = \"...\")]"
    ]


@pytest.mark.parametrize(
    "name, expected",
    [("Red", "Red"), ("None", "None_"), ("class", "class_"), ("mro", "mro_"), ("_ignore_", "ignore_"),
     ("_Hidden", "Hidden_"), ("__init__", "init_"), ("__", "member_"), ("name", "name"), ("value", "value")],
)
def test_enum_member_names(name, expected):
    assert enum_member_name(name) == expected


def test_every_renamed_enum_member_is_one_python_enum_accepts():
    names = ["None", "class", "mro", "_ignore_", "_Hidden", "__init__", "__", "_missing_", "_generate_next_value_", "True"]
    renamed = {enum_member_name(n): i for i, n in enumerate(names)}
    assert len(renamed) == len(names)
    made = enum.IntEnum("Made", renamed)
    assert [m.name for m in made] == list(renamed) and [m.value for m in made] == list(range(len(names)))


@pytest.mark.parametrize(
    "qualified, expected",
    [("add", "add"), ("Box.area", "Box_area"), ("Box.__init__", "Box___init__"), ("Größe", "Gr_xf6__xdf_e"),
     ("Outer.Größe.get", "Outer_Gr_xf6__xdf_e_get"), ("日本", "_x65e5__x672c_")],
)
def test_symbol_parts_are_ascii_c_identifiers(qualified, expected):
    part = symbol_part(qualified)
    assert part == expected
    assert re.fullmatch(r"[A-Za-z0-9_]+", part) and not keyword.iskeyword(part)

