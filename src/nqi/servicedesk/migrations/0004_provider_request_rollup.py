from django.db import migrations, models
from django.db.models import Count


def count_existing(apps, schema_editor):
    """Databases whose rollups were already built get the new counters now; the others build them all later."""
    if not apps.get_model("servicedesk", "RollupBuild").objects.exists():
        return
    rollup = apps.get_model("servicedesk", "ProviderRequestRollup")
    requests = apps.get_model("servicedesk", "ServiceRequest").objects.filter(provider_id__isnull=False)
    rollup.objects.bulk_create([rollup(**g) for g in requests.values("provider_id").annotate(total=Count("id"))
                                .order_by()], batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ("servicedesk", "0003_provider_recent_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProviderRequestRollup",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("provider_id", models.BigIntegerField(unique=True)),
                ("total", models.IntegerField(default=0)),
            ],
        ),
        migrations.RunPython(count_existing, migrations.RunPython.noop),
    ]
