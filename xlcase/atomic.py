"""Outputs written to a temporary file in the target folder and renamed into place: never half a file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from xlcase.errors import OutputError, OutputExistsError


_DEFAULT_MODE = 0o666


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_output(path: str | Path, *, force: bool = False, inputs: Iterable[str | Path] = ()) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it into place, on failure remove it.

    Args:
        path: the output file.
        force: replace an existing file; without it an existing file is kept and an error raised.
        inputs: files the command reads: an output that would replace one of them is always refused.

    Raises:
        OutputExistsError: ``path`` exists and ``force`` is false (checked before and at the rename).
        OutputError: ``path`` is one of ``inputs``, or it cannot be written (no folder, no permission).
    """
    path = Path(path)
    if any(_same_file(path, Path(source)) for source in inputs):
        raise OutputError("the output would replace a file being read; choose another name", location=str(path))
    if path.exists() and not force:
        raise OutputExistsError("the output file already exists; use --force to replace it", location=str(path))
    if path.is_dir():
        raise OutputError("the output is a folder; give a file name", location=str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise OutputError(f"cannot write the output: {error.strerror}", location=str(path)) from None
    os.close(fd)
    tmp = Path(name)
    tmp.chmod(_DEFAULT_MODE & ~_umask())  # mkstemp makes 0600 files; an output gets the usual permissions
    try:
        try:
            yield tmp
        except OSError as error:
            raise OutputError(f"cannot write the output: {error.strerror}", location=str(path)) from None
        if force:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if the file appeared meanwhile: never clobber
            except FileExistsError:
                raise OutputExistsError("the output file already exists; use --force to replace it",
                                        location=str(path)) from None
            except OSError:  # a file system without hard links: the check above has to do
                os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def write_text_atomically(path: str | Path, text: str, *, force: bool = False, inputs: Iterable[str | Path] = ()) -> None:
    """Write text to ``path`` through atomic_output."""
    with atomic_output(path, force=force, inputs=inputs) as tmp:
        tmp.write_text(text, encoding="utf-8")
