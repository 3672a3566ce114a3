from django.db import migrations

import iop.rls


class Migration(migrations.Migration):
    dependencies = [("groups", "0002_group_notes")]

    operations = [
        iop.rls.LockWhenSigned("groupnote"),
        iop.rls.LockWhenSigned("groupnotepart", parent=("note_id", "groupnote")),
    ]
