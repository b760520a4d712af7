from django.db import migrations

LINES = [
    # code, name, accept within (working days), default turnaround (working days)
    ("metrology", "计量", 2, 7),
    ("standards", "标准", 2, 10),
    ("testing", "检验检测", 2, 15),
    ("certification", "认证认可", 3, 20),
    ("ip", "知识产权/商标品牌", 3, 15),
    ("quality_mgmt", "质量管理", 3, 20),
    ("special_equipment", "特种设备", 1, 10),
]


def create_lines(apps, schema_editor):
    ServiceLine = apps.get_model("core", "ServiceLine")
    for order, (code, name, accept, turnaround) in enumerate(LINES):
        ServiceLine.objects.update_or_create(
            code=code, defaults={"name": name, "accept_working_days": accept,
                                 "default_turnaround_days": turnaround, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(create_lines, migrations.RunPython.noop)]
