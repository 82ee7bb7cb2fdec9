import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from projections import documents, graph, outbox, vectors
from projections.models import OutboxEntry


class Command(BaseCommand):
    help = "Wipe the graph and the vector store and project everything again from the database."

    def handle(self, **options):
        started, since = time.perf_counter(), timezone.now()
        graph.wipe()
        vectors.wipe()
        for entity in documents.GRAPH_ENTITIES:
            outbox.apply_graph(entity, None)
        for entity in documents.VECTOR_ENTITIES:
            outbox.apply_vectors(entity, None)
        # Changes made before the rebuild started are in it; later ones still drain normally.
        OutboxEntry.objects.filter(done_at__isnull=True, created_at__lt=since).update(
            graph_done=True, vector_done=True, done_at=timezone.now()
        )
        self.stdout.write(f"projections rebuilt in {time.perf_counter() - started:.1f} s")
