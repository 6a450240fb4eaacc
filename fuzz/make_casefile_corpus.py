"""Write the seed corpus for fuzz_casefile.py: the example in YAML and JSON, its sections, and hostile case files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from hostile_casefiles import EXAMPLE, HOSTILE_CASE_FILES  # noqa: E402

MAX_SEED_BYTES = 8_192  # the fuzzer's -max_len; larger hostile files are left out (their small twins are in)


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    text = EXAMPLE.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    (folder / "example.yaml").write_text(text, encoding="utf-8")
    (folder / "example.json").write_text(json.dumps(data, default=str, indent=1), encoding="utf-8")
    for key, value in data.items():  # each section alone: small inputs that reach every part of the model
        section = {key: value}
        (folder / f"section_{key}.yaml").write_text(yaml.safe_dump(section, sort_keys=False), encoding="utf-8")
        (folder / f"section_{key}.json").write_text(json.dumps(section, default=str), encoding="utf-8")
    for case in HOSTILE_CASE_FILES.values():
        path = case.build(folder)
        if path.stat().st_size > MAX_SEED_BYTES:
            path.unlink()
    (folder / "deep_small.yaml").write_text("title: " + "[" * 40 + "]" * 40 + "\n", encoding="utf-8")
    (folder / "deep_small.json").write_text('{"title": ' + "{\"a\": " * 40 + "1" + "}" * 41, encoding="utf-8")
    (folder / "long_small.yaml").write_text("assumptions:\n  base_year: " + "1" * 200 + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "fuzz" / "casefile_corpus")
