"""A pairing has at least one supporting and one receiving school. A cross-row rule, so
on PostgreSQL it is a deferred constraint trigger checked at commit: a pairing and its
parties are written in one transaction. Services check the same rule on every database."""

from django.db import migrations

from core.migration_ops import RunSQLOn

FUNCTION = """
CREATE OR REPLACE FUNCTION pairing_needs_both_sides() RETURNS trigger AS $$
DECLARE
    pid bigint;
BEGIN
    IF TG_TABLE_NAME = 'pairings_pairing' THEN
        pid := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        pid := OLD.pairing_id;
    ELSE
        pid := OLD.pairing_id;
    END IF;
    IF EXISTS (SELECT 1 FROM pairings_pairing WHERE id = pid) AND (
        NOT EXISTS (SELECT 1 FROM pairings_pairingparty
                    WHERE pairing_id = pid AND side = 'supporting')
        OR NOT EXISTS (SELECT 1 FROM pairings_pairingparty
                       WHERE pairing_id = pid AND side = 'receiving')
    ) THEN
        RAISE EXCEPTION 'pairing_needs_both_sides'
            USING ERRCODE = '23514', DETAIL = format('pairing %s', pid);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


class Migration(migrations.Migration):
    dependencies = [("pairings", "0001_initial")]

    operations = [
        RunSQLOn(
            "postgresql",
            [
                FUNCTION,
                "CREATE CONSTRAINT TRIGGER pairing_needs_both_sides "
                "AFTER INSERT ON pairings_pairing DEFERRABLE INITIALLY DEFERRED "
                "FOR EACH ROW EXECUTE FUNCTION pairing_needs_both_sides()",
                "CREATE CONSTRAINT TRIGGER party_keeps_both_sides "
                "AFTER UPDATE OR DELETE ON pairings_pairingparty "
                "DEFERRABLE INITIALLY DEFERRED "
                "FOR EACH ROW EXECUTE FUNCTION pairing_needs_both_sides()",
            ],
            [
                "DROP TRIGGER party_keeps_both_sides ON pairings_pairingparty",
                "DROP TRIGGER pairing_needs_both_sides ON pairings_pairing",
                "DROP FUNCTION pairing_needs_both_sides()",
            ],
        ),
    ]
