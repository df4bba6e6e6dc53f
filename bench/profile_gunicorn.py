"""gunicorn settings for profiling: each worker runs under cProfile from its fork to its
exit and leaves its figures in $EVENTAPP_PROFILE_DIR/worker-<pid>.prof (see
`registration_burst.py --profile`). Sync workers answer in one thread, so the profile is
the whole of a worker's work."""

import cProfile
import os
import time

_profiles: dict[int, cProfile.Profile] = {}


def post_fork(server, worker):
    profile = cProfile.Profile(time.process_time)  # CPU time: waiting for the lock is not work
    _profiles[os.getpid()] = profile
    profile.enable()


def worker_exit(server, worker):
    profile = _profiles.pop(os.getpid(), None)
    if profile is not None:
        profile.disable()
        profile.dump_stats(os.path.join(os.environ["EVENTAPP_PROFILE_DIR"], f"worker-{os.getpid()}.prof"))
