"""The stints of one secondment never overlap: an exclusion constraint on PostgreSQL,
triggers on SQLite. The message names the rule so that services can translate it."""

from django.db import migrations

from core.migration_ops import RunSQLOn

OVERLAP = (
    "SELECT 1 FROM dispatch_stint s WHERE s.secondment_id = NEW.secondment_id "
    'AND s.start <= NEW."end" AND NEW.start <= s."end"'
)


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0001_initial")]

    operations = [
        RunSQLOn(
            "postgresql",
            [
                "CREATE EXTENSION IF NOT EXISTS btree_gist",
                "ALTER TABLE dispatch_stint ADD CONSTRAINT stint_no_overlap "
                "EXCLUDE USING gist (secondment_id WITH =, "
                "daterange(start, \"end\", '[]') WITH &&)",
            ],
            ["ALTER TABLE dispatch_stint DROP CONSTRAINT stint_no_overlap"],
        ),
        RunSQLOn(
            "sqlite",
            [
                "CREATE TRIGGER stint_no_overlap_insert BEFORE INSERT ON dispatch_stint "
                f"WHEN EXISTS ({OVERLAP}) "
                "BEGIN SELECT RAISE(ABORT, 'stint_no_overlap'); END",
                "CREATE TRIGGER stint_no_overlap_update BEFORE UPDATE ON dispatch_stint "
                f"WHEN EXISTS ({OVERLAP} AND s.id <> NEW.id) "
                "BEGIN SELECT RAISE(ABORT, 'stint_no_overlap'); END",
            ],
            [
                "DROP TRIGGER stint_no_overlap_insert",
                "DROP TRIGGER stint_no_overlap_update",
            ],
        ),
    ]
