from django.db import migrations, models


def members_only_to_access_level(apps, schema_editor):
    ArticlePage = apps.get_model("articles", "ArticlePage")
    ArticlePage.objects.filter(members_only=True).update(access_level="members")


def access_level_to_members_only(apps, schema_editor):
    ArticlePage = apps.get_model("articles", "ArticlePage")
    ArticlePage.objects.exclude(access_level="free").update(members_only=True)


class Migration(migrations.Migration):
    """Articles get a third access level: free, members-only, premium-only."""

    dependencies = [
        ("articles", "0002_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="articlepage",
            name="access_level",
            field=models.CharField(
                choices=[("free", "無料"), ("members", "会員限定"), ("premium", "プレミアム会員限定")],
                default="free",
                max_length=10,
                verbose_name="公開範囲",
            ),
        ),
        migrations.RunPython(members_only_to_access_level, access_level_to_members_only),
        migrations.RemoveField(model_name="articlepage", name="members_only"),
    ]
