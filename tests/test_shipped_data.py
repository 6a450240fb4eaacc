"""The JSON copies of the shipped YAML files: current, and never used once the YAML changes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from xlcase.shipped_data import ShippedYamlError, copy_path, is_current, load_shipped_yaml, shipped_files, write_copy


@pytest.mark.parametrize("path", shipped_files(), ids=lambda p: p.name)
def test_every_shipped_yaml_file_has_a_current_copy_with_the_same_data(path: Path) -> None:
    assert is_current(path), f"{path.name} changed: remake the copies with `python -m xlcase.shipped_data`"
    assert load_shipped_yaml(path) == yaml.safe_load(path.read_text(encoding="utf-8"))


def test_a_copy_made_from_other_bytes_is_not_used(tmp_path: Path) -> None:
    source = tmp_path / "data.yaml"
    source.write_text("start: 2026-04-01\nrates: [0.035, 0.03]\n", encoding="utf-8")
    write_copy(source)
    assert load_shipped_yaml(source) == {"start": dt.date(2026, 4, 1), "rates": [0.035, 0.03]}
    source.write_text("start: 2027-04-01\n", encoding="utf-8")
    assert not is_current(source)
    assert load_shipped_yaml(source) == {"start": dt.date(2027, 4, 1)}


def test_data_that_json_cannot_carry_gets_no_copy(tmp_path: Path) -> None:
    source = tmp_path / "years.yaml"
    source.write_text("2026: 0.02\n", encoding="utf-8")  # an integer key would come back as text
    with pytest.raises(ValueError, match="does not survive JSON"):
        write_copy(source)
    assert not copy_path(source).exists()


def test_yaml_that_does_not_parse_names_its_line(tmp_path: Path) -> None:
    source = tmp_path / "broken.yaml"
    source.write_text("a: 1\nb: [unclosed\n", encoding="utf-8")
    with pytest.raises(ShippedYamlError) as caught:
        load_shipped_yaml(source)
    assert caught.value.line is not None
