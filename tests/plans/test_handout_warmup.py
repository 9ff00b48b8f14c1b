"""A worker process warms the handout renderer up as it starts, so its first handout is no slower than the next."""

import gc
import logging

import pytest
from celery.signals import worker_process_init

from plans.handouts import pdf
from plans.handouts import tasks as handout_tasks
from plans.handouts.content import render_handout
from plans.handouts.warmup import warm_up
from tests.plans import handout_data


def test_each_worker_process_warms_the_renderer_up_as_it_starts():
    assert handout_tasks.warm_up_the_renderer in [receiver() for _, receiver in worker_process_init.receivers]


def test_warm_up_renders_the_sample_and_freezes_the_heap():
    try:
        assert warm_up() > 0
        assert gc.get_freeze_count() > 0  # Django's and WeasyPrint's objects, out of the collector's way
    finally:
        gc.unfreeze()


def test_a_failed_warm_up_is_logged_and_never_stops_the_worker(monkeypatch, caplog):
    def broken():
        raise OSError("no fonts")

    monkeypatch.setattr(handout_tasks, "warm_up", broken)
    with caplog.at_level(logging.ERROR, logger="plans.handouts.tasks"):
        handout_tasks.warm_up_the_renderer(sender=None)
    assert "Warming the handout renderer up failed" in caplog.text


@pytest.mark.parametrize("enabled", [True, False])
def test_a_render_pauses_garbage_collection_and_leaves_it_as_it_was(enabled, monkeypatch):
    seen = []  # the collector's state each time the render fetches one of its drawings
    real_fetch = pdf.StaticOnlyURLFetcher.fetch

    def fetch(self, url, headers=None):
        seen.append(gc.isenabled())
        return real_fetch(self, url, headers)

    monkeypatch.setattr(pdf.StaticOnlyURLFetcher, "fetch", fetch)
    (gc.enable if enabled else gc.disable)()
    try:
        render_handout(handout_data.context(plan=handout_data.plan(weeks=2)))
        assert gc.isenabled() is enabled
    finally:
        gc.enable()
    assert seen and not any(seen)  # the drawings were fetched with the collector paused
