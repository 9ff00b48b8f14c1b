"""Warm a process up for rendering handouts before its first job, so the first handout it prints takes no longer than
the ones after it.

A fresh process pays, on its first render, for what every later render reuses: decoding the bundled fonts and parsing
the print stylesheet (kept per process by plans.handouts.pdf), WeasyPrint's and fontTools' modules imported lazily,
Pango's and HarfBuzz's caches of the fonts, the compiled templates. `warm_up` renders the sample handout once (every
section, every font, a drawing and the chart) and throws the PDF away. It then moves everything alive into the
garbage collector's permanent generation (`gc.freeze`): the long-lived objects of Django and WeasyPrint are no longer
walked by the full collections that a render's million allocations set off.

A Celery worker calls it in each worker process as it starts (`worker_process_init`, plans.handouts.tasks).
"""

import gc
import time
from datetime import date

from plans.handouts.content import render_handout
from plans.handouts.samples import sample_handout_context


def warm_up() -> float:
    """Render the sample handout once and freeze the heap; return the seconds it took."""
    start = time.perf_counter()
    render_handout(sample_handout_context(today=date(2026, 1, 5)))
    gc.collect()
    gc.freeze()
    return time.perf_counter() - start
