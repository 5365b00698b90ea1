"""A cluster of crawl workers on Redis: portal jobs on a stream, one worker per host at once.

The unit of distribution is the portal (docs/cluster.md says why, and how to run it):
`enqueue` puts one job per portal on a Redis stream, `run_worker` takes jobs and runs each as
its own `govcrawl crawl` process sharing the Redis seen-store.
"""

from govcrawl.cluster.commands import (
    add_enqueue_arguments,
    add_worker_arguments,
    enqueue_command,
    worker_command,
)
from govcrawl.cluster.queue import JobQueue, enqueue
from govcrawl.cluster.worker import DEFAULT_COMMAND, Summary, run_worker

__all__ = [
    "DEFAULT_COMMAND",
    "JobQueue",
    "Summary",
    "add_enqueue_arguments",
    "add_worker_arguments",
    "enqueue",
    "enqueue_command",
    "run_worker",
    "worker_command",
]
