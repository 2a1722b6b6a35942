"""[PyExport] naming: snake_case, keywords, collisions."""

from __future__ import annotations

import pytest

from aotwheel.pyexport.naming import check_collisions, export_parameter_name, parameter_name, snake_case


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
