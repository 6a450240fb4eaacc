"""Outputs written to a temporary file beside the target and renamed into place: never half a file, never a
file the command reads, never anything but a regular file replaced.

- The temporary file is ``<output name>.xlcase-partial-<random>``. A run killed outright (SIGKILL, a power
  cut) can leave one behind: its name says what it is, and it never ends in .xlsx, .csv, .yaml or any
  other extension, so `xlcase validate folder/` and other tools never take it for a real file; it can be
  deleted. SIGINT and SIGTERM remove it (the CLI turns SIGTERM into an ordinary exit).
- Only a regular file is replaced. A folder, device, FIFO or socket at the output path is refused (XC011),
  and so is a symbolic link, even to a regular file: following it would replace a file somewhere other
  than where the command was pointed, and replacing the link itself would silently turn it into a file.
- A file the command reads (its inputs, and xlcase's own templates and reference data) is never replaced.
- Several outputs (collect's CSV set) are all written first and then all moved into place, with SIGINT and
  SIGTERM held off while they move, so the set on disk is never a mix of old and new files.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import stat
import sys
import tempfile
import traceback
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from xlcase.errors import OutputError, OutputExistsError

PARTIAL_MARK = ".xlcase-partial-"
"""In the name of every temporary output: ``report.html.xlcase-partial-k2v9q0x1``."""
_NAME_KEPT = 120  # characters of the output's name kept in the temporary name (names are at most 255 bytes)
_DEFAULT_MODE = 0o666
_HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def check_output(path: str | Path, *, force: bool = False, inputs: Iterable[str | Path] = ()) -> os.stat_result | None:
    """Refuse an output that must not be written; return the status of the file it would replace, if any.

    Raises:
        OutputExistsError: ``path`` is an existing file and ``force`` is false.
        OutputError: ``path`` is a file being read, a folder, a symbolic link, or not a regular file.
    """
    path = Path(path)
    if any(_same_file(path, Path(source)) for source in [*inputs, *_own_data_files()]):
        raise OutputError("the output would replace a file being read; choose another name", location=str(path))
    return _replaceable(path, force)


def _replaceable(path: Path, force: bool) -> os.stat_result | None:
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise OutputError(f"cannot write the output: {error.strerror}", location=str(path)) from None
    if stat.S_ISLNK(status.st_mode):
        raise OutputError("the output is a symbolic link; xlcase replaces only regular files, so give the path of "
                          "the file itself", location=str(path))
    if stat.S_ISDIR(status.st_mode):
        raise OutputError("the output is a folder; give a file name", location=str(path))
    if not stat.S_ISREG(status.st_mode):
        raise OutputError("the output is not a regular file (a device, FIFO or socket); xlcase replaces only "
                          "regular files", location=str(path))
    if not force:
        raise OutputExistsError("the output file already exists; use --force to replace it", location=str(path))
    return status


@contextlib.contextmanager
def atomic_outputs(paths: Sequence[str | Path], *, force: bool = False,
                   inputs: Iterable[str | Path] = ()) -> Iterator[list[Path]]:
    """Yield a temporary path beside each output; when the block succeeds move them all into place, else remove them.

    Args:
        paths: the output files.
        force: replace existing files; without it an existing file is kept and an error raised.
        inputs: files the command reads: an output that would replace one of them is always refused.

    Raises:
        OutputExistsError: an output exists and ``force`` is false (checked before and at the move).
        OutputError: an output is one of ``inputs`` or not a regular file, or it cannot be written.
    """
    paths = [Path(p) for p in paths]
    replaced = [check_output(p, force=force, inputs=inputs) for p in paths]
    where = ", ".join(map(str, paths))
    temporaries: list[Path] = []
    try:
        with _signals_held():  # a stop between creating a temporary file and listing it here would leave it behind
            for path, status in zip(paths, replaced):
                temporaries.append(_temporary(path, status))
        try:
            yield temporaries
        except OSError as error:
            _finish_quietly(error)
            raise OutputError(f"cannot write the output: {error.strerror}", location=where) from None
        with _signals_held():
            for path in paths:  # what is there now, not what was there when the work began
                _replaceable(path, force)
            _move(temporaries, paths, force)
    finally:
        for tmp in temporaries:
            tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_output(path: str | Path, *, force: bool = False, inputs: Iterable[str | Path] = ()) -> Iterator[Path]:
    """`atomic_outputs` for one file: yield its temporary path."""
    with atomic_outputs([path], force=force, inputs=inputs) as (tmp,):
        yield tmp


def write_text_atomically(path: str | Path, text: str, *, force: bool = False, inputs: Iterable[str | Path] = ()) -> None:
    """Write text to ``path`` through atomic_output."""
    with atomic_output(path, force=force, inputs=inputs) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _temporary(path: Path, replaced: os.stat_result | None) -> Path:
    """An empty temporary file beside ``path``, with the permissions of the file it replaces (or the usual)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=path.name[:_NAME_KEPT] + PARTIAL_MARK, dir=path.parent)
    except OSError as error:
        raise OutputError(f"cannot write the output: {error.strerror}", location=str(path)) from None
    try:
        mode = stat.S_IMODE(replaced.st_mode) if replaced else _DEFAULT_MODE & ~_umask()
        os.fchmod(fd, mode)  # mkstemp makes 0600 files
    finally:
        os.close(fd)
    return Path(name)


def _move(temporaries: list[Path], paths: list[Path], force: bool) -> None:
    """Rename each temporary file into place; without force, never over a file that appeared meanwhile."""
    if force:
        for tmp, path in zip(temporaries, paths):
            os.replace(tmp, path)
        return
    linked: list[Path] = []
    try:
        for tmp, path in zip(temporaries, paths):
            try:
                os.link(tmp, path)  # fails if the file appeared meanwhile: never clobber
            except FileExistsError:
                raise OutputExistsError("the output file already exists; use --force to replace it",
                                        location=str(path)) from None
            except OSError:  # a file system without hard links: the check before has to do
                os.replace(tmp, path)
            linked.append(path)
    except BaseException:
        for path in linked:  # these did not exist before: take them back, so no half set is left
            path.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block is done, then arrive (where the platform can hold them)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _finish_quietly(error: BaseException) -> None:
    """Finalise now what a failed write left half done (an open zip, XML streams, in the frames of the error),
    without printing their own second failure: their clean-up tries to finish writing, and fails again."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None
    try:
        traceback.clear_frames(error.__traceback__)
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _own_data_files() -> list[Path]:
    """xlcase's workbook templates and reference data, and their JSON copies: every command reads some of them."""
    from xlcase.shipped_data import copy_path, shipped_files

    files = shipped_files()
    return [*files, *(copy_path(f) for f in files)]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False
