"""Badges as print-ready PDF: one A6 badge per page with bleed and crop marks, or four to an
A4 sheet, and print-shop batches made of badges kept per delegate.

A badge is made from a `BadgeData`: plain values, every label already translated, so the
same template renders in this process or in worker processes that have no Flask app and no
database. Each delegate's badge is kept (documents.keep) under the fingerprint of its
BadgeData and the template version; a batch merges the kept badges that are still current
and renders only the others, in chunks, in parallel processes.

The modules, each depending only on those above it:

- `badge_data`: what is on a badge (BadgeData, made from a delegate and the event);
- `layout`: the badge's geometry, its colours and text fitting (fit_text, _layout);
- `cjk_fonts`: the patch of WeasyPrint's font subsetting that embeds Noto Sans CJK compact;
- `sheets`: the PDF splitter/assembler and merging into A6, 4-up and print-shop files;
- `render`: WeasyPrint rendering of badges, in worker processes for a cold batch;
- `jobs`: kept badges, the selection of a batch, batches and print jobs with their progress.

Names with a leading underscore are the package's own: its modules share them, the rest of
the app uses what is re-exported here. (`printing.badge_data` is the function; the module is
`printing.badge_data` only as `import eventapp.services.printing.badge_data`.)
"""

from .badge_data import BadgeData, badge_data
from .jobs import (
    NothingToPrint,
    badge_key,
    badge_pdf,
    batch_pdf,
    can_run_again,
    claim_print_job,
    create_print_job,
    interrupted_jobs,
    is_interrupted,
    job_file_chunks,
    job_selection,
    jobs_to_resume,
    refresh_badge,
    run_print_job,
    select_badge_delegates,
)
from .layout import BADGE_COLOURS, text_width_em
from .render import (
    CHUNK_SIZE,
    RenderStats,
    RenderWorkers,
    badge_fingerprint,
    badge_html,
    badge_stylesheet,
    worker_count,
)
from .sheets import FOUR_UP, PRINT_SHOP, SHEETS, merge_badges

__all__ = [
    "BADGE_COLOURS",
    "CHUNK_SIZE",
    "FOUR_UP",
    "PRINT_SHOP",
    "SHEETS",
    "BadgeData",
    "NothingToPrint",
    "RenderStats",
    "RenderWorkers",
    "badge_data",
    "badge_fingerprint",
    "badge_html",
    "badge_key",
    "badge_pdf",
    "badge_stylesheet",
    "batch_pdf",
    "can_run_again",
    "claim_print_job",
    "create_print_job",
    "interrupted_jobs",
    "is_interrupted",
    "job_file_chunks",
    "job_selection",
    "jobs_to_resume",
    "merge_badges",
    "refresh_badge",
    "run_print_job",
    "select_badge_delegates",
    "text_width_em",
    "worker_count",
]

# Not for the app: tests/test_badges.py checks one badge's layout and compares the fast merge
# (split, concatenate) with pypdf's.
from .layout import _layout as _layout
from .sheets import _concatenate as _concatenate
from .sheets import _merge_with_pypdf as _merge_with_pypdf
from .sheets import _split_pdf as _split_pdf
