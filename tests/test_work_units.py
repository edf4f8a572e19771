"""How the suite is split across pytest-xdist workers (tests/conftest.py)."""

from __future__ import annotations

from tests.conftest import work_unit


def test_a_module_runs_whole_or_per_database() -> None:
    assert work_unit("tests/a/test_x.py::test_y") == "tests/a/test_x.py"
    assert work_unit("tests/a/test_x.py::Cls::test_y") == "tests/a/test_x.py"
    assert work_unit("tests/a/test_x.py::test_y[sqlite]") == "tests/a/test_x.py:sqlite"
    assert work_unit("tests/a/test_x.py::test_y[postgresql-3]") == "tests/a/test_x.py:postgresql"
    # a parameter that only mentions a database's name is not one
    assert work_unit("tests/a/test_x.py::test_y[sqlite_url]") == "tests/a/test_x.py"
    assert work_unit("tests/a/test_x.py::test_y[a-b]") == "tests/a/test_x.py"
