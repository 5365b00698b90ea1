"""A cluster of crawl workers on Redis: portal jobs on a stream, one worker per host at once.

The unit of distribution is the portal (docs/cluster.md says why, and how to run it):

- `queue`: the job stream, its consumer group, host locks (`enqueue`, `JobQueue`);
- `worker`: `run_worker` takes jobs and runs each as its own `govcrawl crawl` process
  sharing the Redis seen-store (`govcrawl.stores.redis`);
- `commands`: `govcrawl enqueue` / `govcrawl worker` (argparse arguments and commands),
  importable without redis-py so the CLI starts fast;
- `__main__`: the same commands without the portal registry.
"""
