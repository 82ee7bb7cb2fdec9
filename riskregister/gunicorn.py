"""gunicorn settings: tell prometheus_client's multiprocess mode when a worker exits."""


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
