"""Which pages exist and which permission each needs: data shared by the app and its tests."""

from __future__ import annotations

from typing import NamedTuple


class PageSpec(NamedTuple):
    path: str            # relative to the project root
    title: str
    icon: str
    permission: str      # see scoring.agency.access.PERMISSIONS

    @property
    def url_path(self) -> str:
        return self.path.removeprefix("pages/").removesuffix(".py")


PAGES = (
    PageSpec("pages/pipeline.py", "Pipeline health", ":material/filter_alt:", "read_pipeline"),
    PageSpec("pages/score_entry.py", "Score entry", ":material/edit_note:", "write_scores"),
    PageSpec("pages/candidate.py", "Candidate profile", ":material/person_search:", "read_candidates"),
    PageSpec("pages/calibration.py", "Reviewer calibration", ":material/balance:", "read_calibration"),
    PageSpec("pages/validity.py", "Scorecard validity", ":material/insights:", "read_validity"),
    PageSpec("pages/ops.py", "Ops audit", ":material/verified:", "read_ops"),
    PageSpec("pages/fairness.py", "Fairness audit", ":material/diversity_3:", "read_fairness"),
    PageSpec("pages/admin.py", "Admin", ":material/admin_panel_settings:", "manage_accounts"),
    PageSpec("pages/admin_data.py", "Import and export", ":material/swap_vert:", "import_export"),
)
