"""Files a person uploads, handed to the importer as it reads them, and the format it reads them in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import pandas as pd

from scoring.importing.files import Source
from scoring.importing.format import format_summary


class Upload(Protocol):
    """What ``st.file_uploader`` returns for each file: its name and its bytes."""

    name: str

    def getvalue(self) -> bytes: ...


def uploaded_sources(uploads: Iterable[Upload]) -> list[Source]:
    """The uploaded files as the importer's sources, named as they were uploaded."""
    return [Source(upload.name, data=upload.getvalue()) for upload in uploads]


def import_format() -> pd.DataFrame:
    """The columns of each file the importer reads: type, whether required, allowed values."""
    return format_summary()
