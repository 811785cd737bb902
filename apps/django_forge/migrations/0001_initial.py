"""Create the users table.

Counterparts: ``fastapi_forge/migrations/versions/0001_create_users.py`` (Alembic),
``flask_forge/migrations/`` (Flask-Migrate). Written by ``makemigrations``.
"""

# ruff: noqa: RUF012  (Django reads these class attributes; as makemigrations wrote)
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="User",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=64)),
                ("name_key", models.CharField(max_length=192, unique=True)),
                (
                    "tier",
                    models.CharField(
                        choices=[
                            ("Standard", "Standard"),
                            ("Pro", "Pro"),
                            ("Enterprise", "Enterprise"),
                        ],
                        default="Standard",
                        max_length=10,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "db_table": "users",
            },
        ),
    ]
