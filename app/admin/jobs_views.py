"""Admin: the failed jobs of every queue (RQ's failed registry), each with a Retry button."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, flash, redirect, render_template, url_for
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry

from app.i18n import _
from app.jobs import QUEUES, get_queue, outbox, redis_connection

from .views import NAV_SECTIONS, bp

NAV_SECTIONS.update({"jobs": "jobs", "retry_job": "jobs", "send_outbox_job": "jobs"})
SHOWN_PER_QUEUE = 100


@dataclass
class FailedJob:
    queue: str
    id: str
    description: str
    ended_at: object
    exception: str


def failed_jobs() -> list[FailedJob]:
    """The failed jobs of every queue, newest first (at most SHOWN_PER_QUEUE per queue)."""
    connection = redis_connection()
    found = []
    for name in QUEUES:
        registry = FailedJobRegistry(queue=get_queue(name, connection=connection))
        ids = registry.get_job_ids(0, SHOWN_PER_QUEUE - 1)
        for job in Job.fetch_many(ids, connection=connection):
            if job is None:
                continue
            result = job.latest_result()
            found.append(FailedJob(name, job.id, job.description or job.func_name, job.ended_at,
                                   ((result.exc_string if result else "") or "").strip()))
    found.sort(key=lambda job: str(job.ended_at or ""), reverse=True)
    return found


@bp.get("/jobs")
def jobs():
    inline = current_app.config["JOBS_INLINE"]
    return render_template("admin/jobs.html", inline=inline, failed=[] if inline else failed_jobs(),
                           queues=QUEUES, outbox=outbox.stuck_jobs())


@bp.post("/jobs/outbox/<int:row_id>/send")
def send_outbox_job(row_id: int):
    row = outbox.send_again(row_id)
    if row is None:
        abort(404)
    if row.status in ("sent", "done"):
        flash(_('Job %(job_id)s was sent.', job_id=row.job_id), "success")
    else:
        flash(_('Job %(job_id)s could not be sent yet (%(last_error)s); the worker keeps trying.', job_id=row.job_id, last_error=row.last_error or row.status), "error")
    return redirect(url_for(".jobs"))


@bp.post("/jobs/<queue>/<job_id>/retry")
def retry_job(queue: str, job_id: str):
    if current_app.config["JOBS_INLINE"] or queue not in QUEUES:
        abort(404)
    registry = FailedJobRegistry(queue=get_queue(queue))
    try:
        registry.requeue(job_id)
    except (NoSuchJobError, ValueError) as error:  # gone meanwhile: retried or expired
        flash(_('Job %(job_id)s could not be retried (%(error)s).', job_id=job_id, error=error), "error")
    else:
        flash(_('Job %(job_id)s is queued again on %(queue)s.', job_id=job_id, queue=queue), "success")
    return redirect(url_for(".jobs"))
