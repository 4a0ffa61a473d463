"""Importing saved e-mail: .eml files, folders of them, and mbox files (mailboxes exported from a mail client)."""
import mailbox as stdlib_mailbox
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from xuanshu.campaigns.models import Campaign
from xuanshu.intake.channels.email.services import receive_email

MBOX_SUFFIXES = {".mbox", ".mbx", ".mbs"}
COMMIT_EVERY = 50


@dataclass(frozen=True)
class MailSource:
    """One message to import: a whole file, or message `key` of an mbox file."""

    path: Path
    key: int | None = None

    def label(self) -> str:
        return f"{self.path}[{self.key}]" if self.key is not None else str(self.path)


@dataclass
class ImportSummary:
    imported: int = 0
    duplicates: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _is_mbox(path: Path) -> bool:
    if path.suffix.lower() in MBOX_SUFFIXES or path.name.lower() == "mbox":
        return True
    if path.suffix.lower() == ".eml":
        return False
    with path.open("rb") as handle:
        return handle.read(5) == b"From "  # the mbox "From_" separator line; an .eml starts with a header


def _sources_in_file(path: Path) -> Iterator[MailSource]:
    if _is_mbox(path):
        box = stdlib_mailbox.mbox(path, create=False)
        try:
            for key in box.iterkeys():
                yield MailSource(path, key)
        finally:
            box.close()
    else:
        yield MailSource(path)


def find_sources(paths: Iterable[str | Path], on_error: Callable[[str], None]) -> list[MailSource]:
    """Every message under the given paths, in a stable order; a folder is searched for .eml and mbox files."""
    sources: list[MailSource] = []
    for given in map(Path, paths):
        try:
            if given.is_dir():
                files = sorted(p for p in given.rglob("*") if p.is_file() and (p.suffix.lower() == ".eml" or _is_mbox(p)))
            elif given.is_file():
                files = [given]
            else:
                on_error(f"{given}: no such file or folder")
                continue
            for file in files:
                sources.extend(_sources_in_file(file))
        except OSError as error:
            on_error(f"{given}: {error}")
    return sources


def read_source(source: MailSource, boxes: dict[Path, stdlib_mailbox.mbox]) -> bytes:
    if source.key is None:
        return source.path.read_bytes()
    box = boxes.get(source.path)
    if box is None:
        box = boxes[source.path] = stdlib_mailbox.mbox(source.path, create=False)
    return box.get_bytes(source.key)


class ProgressBar:
    """A one-line progress bar on stderr; shown only on a terminal or when asked for."""

    def __init__(self, total: int, *, stream=None, enabled: bool | None = None, width: int = 30):
        self.total, self.stream, self.width = total, stream or sys.stderr, width
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.shown = -1

    def update(self, done: int) -> None:
        if not self.enabled or not self.total:
            return
        percent = done * 100 // self.total
        if percent == self.shown and done != self.total:
            return
        self.shown = percent
        filled = self.width * done // self.total
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{self.total} {percent:3d}%")
        if done == self.total:
            self.stream.write("\n")
        self.stream.flush()


def import_mail(
    *, paths: Iterable[str | Path], campaign: Campaign, progress: Callable[[int], ProgressBar] | None = None,
    on_error: Callable[[str], None] = lambda message: None,
) -> ImportSummary:
    """Store every message found under `paths` raw (idempotent); a file that cannot be read is counted, never fatal.

    `progress` makes the progress bar once the number of messages is known.
    """
    summary = ImportSummary()

    def fail(message: str) -> None:
        summary.failed += 1
        summary.errors.append(message)
        on_error(message)

    sources = find_sources(paths, fail)
    progress = (progress or (lambda total: ProgressBar(total, enabled=False)))(len(sources))
    boxes: dict[Path, stdlib_mailbox.mbox] = {}
    try:
        for start in range(0, len(sources), COMMIT_EVERY):
            # One commit per batch, not per message: the store is idempotent, so a run cut short is simply run again.
            with transaction.atomic():
                for done, source in enumerate(sources[start:start + COMMIT_EVERY], start=start + 1):
                    _import_one(source, boxes, campaign, summary, fail)
                    progress.update(done)
    finally:
        for box in boxes.values():
            box.close()
    return summary


def _import_one(source: MailSource, boxes, campaign: Campaign, summary: ImportSummary, fail: Callable[[str], None]) -> None:
    try:
        raw = read_source(source, boxes)
    except (OSError, KeyError, stdlib_mailbox.Error) as error:
        fail(f"{source.label()}: {error}")
        return
    if not raw.strip():
        fail(f"{source.label()}: empty file")
    elif receive_email(raw=raw, campaign=campaign).created:
        summary.imported += 1
    else:
        summary.duplicates += 1
