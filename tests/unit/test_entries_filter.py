import pytest

from plugins.filter.entries import FilterModule, file_entries


def test_file_entries_from_a_dict_keep_its_order_and_attrs() -> None:
    entries = file_entries({"b.yml": "x", "a.yml": "y"}, "/etc/p/", mode="0640", secret=True)
    assert entries == [
        {"dest": "/etc/p/b.yml", "content": "x", "mode": "0640", "secret": True},
        {"dest": "/etc/p/a.yml", "content": "y", "mode": "0640", "secret": True},
    ]


def test_file_entries_from_pairs() -> None:
    assert file_entries([("r.yml", "z")], "/d") == [{"dest": "/d/r.yml", "content": "z"}]


@pytest.mark.parametrize("name", ["", "..", "a/b", "."])
def test_file_entries_refuse_names_that_leave_the_directory(name: str) -> None:
    with pytest.raises(ValueError, match="not a plain file name"):
        file_entries({name: "x"}, "/d")


def test_filter_is_registered() -> None:
    assert set(FilterModule().filters()) == {"file_entries"}
