"""Fixtures of the Streamlit glue's tests."""

from __future__ import annotations

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager


@pytest.fixture
def managers(monkeypatch) -> list[MediaFileManager]:
    """The media managers AppTest creates, one per run, to make the downloads as a click would."""
    made: list[MediaFileManager] = []

    class Recording(MediaFileManager):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr("streamlit.testing.v1.app_test.MediaFileManager", Recording)
    return made
