"""gunicorn settings: load the embedding model before a worker serves; tell prometheus_client's
multiprocess mode when a worker exits."""


def post_worker_init(worker):
    from django.conf import settings

    if settings.EMBEDDINGS_PRELOAD:
        from projections.embeddings import preload

        preload()  # the first search or duplicate check must not wait on loading the model


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
