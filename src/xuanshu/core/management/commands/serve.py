import os
import signal

from django.core.management.base import BaseCommand, CommandError

from xuanshu.core.supervisor import Child, python_module, supervise
from xuanshu.core.webserver import SITE_APPLICATION, web_server_args
from xuanshu.public import checks as public_checks


class Command(BaseCommand):
    help = (
        f"Serve the site with uvicorn ({SITE_APPLICATION}: the lean vote path in front of the full site) and run "
        "the task worker (run_huey) beside it, with tasks queued rather than run in the request. Ctrl-C stops both."
    )
    requires_system_checks = []  # the children check what they load

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000", help="HOST:PORT to listen on")
        parser.add_argument("--workers", type=int, default=2, help="web server worker processes")
        parser.add_argument("--task-workers", type=int, default=2, help="huey worker threads")
        parser.add_argument("--no-access-log", action="store_true", help="do not log each request")
        parser.add_argument("--stop-timeout", type=float, default=30.0, help="seconds to wait for a graceful stop")

    def handle(self, *args, bind, workers, task_workers, stop_timeout, no_access_log, **options):
        host, _, port = bind.rpartition(":")
        if not (host and port.isdigit()):
            raise CommandError("--bind takes HOST:PORT, such as 127.0.0.1:8000")
        if workers < 1 or task_workers < 1:
            raise CommandError("--workers and --task-workers must be at least 1")
        # The children run no start-up checks of their own: the public origin is checked here, where the operator
        # sees it (an invalid origin stops the start; a campaign whose status links will be missing is a warning).
        self.check(tags=[public_checks.TAG], databases=["default"])
        env = {**os.environ, "XUANSHU_TASKS_IMMEDIATE": "0"}
        children = [
            Child("web", python_module(*web_server_args(host=host, port=port, workers=workers, access_log=not no_access_log))),
            # SIGINT is huey's graceful stop: running tasks finish first. It polls a SQLite queue at least every 2 s.
            Child("worker", python_module("xuanshu", "run_huey", "--workers", str(task_workers), "--max-delay", "2"),
                  stop_signal=signal.SIGINT),
        ]
        status = supervise(children, env=env, stop_timeout=stop_timeout, log=lambda line: self.stdout.write(f"serve: {line}"))
        if status:
            raise CommandError(f"a child process failed (status {status})", returncode=status)
