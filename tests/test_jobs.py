"""The jobs front: inline without Redis, queued for RQ workers with it."""

import pytest
from rq import Queue, SimpleWorker

from app.workers import jobs
from tests.support.jobs import fail_once, write_note


def test_without_redis_a_job_runs_inline(app, tmp_path):
    notes = tmp_path / "notes.txt"

    result = jobs.enqueue(write_note, str(notes), "すぐに実行", queue="mail")

    assert result == "すぐに実行"
    assert notes.read_text(encoding="utf-8") == "すぐに実行\n"


def test_with_redis_a_job_waits_on_its_queue_for_a_worker(
    make_app, redis, redis_url, tmp_path
):
    notes = tmp_path / "notes.txt"
    with make_app(REDIS_URL=redis_url).app_context():
        job = jobs.enqueue(write_note, str(notes), "ワーカーで実行", queue="digest")

    queue = Queue("digest", connection=redis)
    assert queue.job_ids == [job.id]
    assert not notes.exists()

    # A non-forking worker, so the job runs in this process and can be watched.
    worked = SimpleWorker([queue], connection=redis).work(burst=True)

    assert worked
    assert notes.read_text(encoding="utf-8") == "ワーカーで実行\n"
    assert job.get_status(refresh=True) == "finished"
    assert queue.is_empty()


def test_unknown_queue_names_are_refused(app, tmp_path):
    with pytest.raises(ValueError, match="unknown queue"):
        jobs.enqueue(write_note, str(tmp_path / "notes.txt"), "x", queue="urgent")
    assert not (tmp_path / "notes.txt").exists()


def test_a_failed_job_is_tried_again_later(make_app, redis, redis_url, tmp_path):
    marker = tmp_path / "marker.txt"
    with make_app(REDIS_URL=redis_url).app_context():
        job = jobs.enqueue(fail_once, str(marker), queue="mail")

    queue = Queue("mail", connection=redis)
    SimpleWorker([queue], connection=redis).work(burst=True)

    # Not failed for good: scheduled for another attempt.
    job.refresh()
    assert job.get_status() in ("scheduled", "queued")
    assert job.retries_left == len(jobs.RETRY_INTERVALS) - 1
