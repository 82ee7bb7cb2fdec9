"""Default level bands and colours, the role groups, and a starter catalogue of components."""

from django.db import migrations

LEVEL_BANDS = [("low", 1, "#3c8d40"), ("medium", 5, "#e69a00"), ("high", 10, "#c9302c")]
COMPONENTS = [
    ("Neo4j", "graph,グラフ,Bolt", "Graph database"),
    ("ChromaDB", "Chroma,vector,ベクトル", "Vector database"),
    ("Redis", "cache,キャッシュ", "Cache and message broker"),
    ("API", "", "The programme's HTTP API"),
    ("Authentication", "auth,JWT,認証", "Authentication and tokens"),
    ("CI/CD", "GitHub Actions,pipeline,パイプライン", "Build, test and deployment pipeline"),
    ("Database", "データベース,PostgreSQL", "Relational database"),
]


def forwards(apps, schema_editor):
    # The role grants and beat rows this step once wrote are now kept by register.roles.sync_roles
    # and riskregister.schedules.sync after every migrate (post_migrate): a migration must not
    # import today's application code, which moves.
    LevelBand = apps.get_model("riskregister", "LevelBand")
    for level, min_score, colour in LEVEL_BANDS:
        LevelBand.objects.get_or_create(level=level, defaults={"min_score": min_score, "colour": colour})
    Component = apps.get_model("riskregister", "Component")
    for name, aliases, description in COMPONENTS:
        Component.objects.get_or_create(name=name, defaults={"aliases": aliases, "description": description})


class Migration(migrations.Migration):
    dependencies = [
        ("riskregister", "0001_initial"),
        ("monitoring", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
