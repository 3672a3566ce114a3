"""Specimen validity by the HHS 2017 criteria (the set used is kept on each test), the urine
temperature with its unit, observed-recollection tasks, and medication-assisted treatment
expectations with the findings they raise. Existing clinics get the default expectations
(buprenorphine → norbuprenorphine, methadone → EDDP); tests collected before keep the validity
they were given, with no criteria set named (it was the earlier rules)."""

import django.contrib.postgres.fields
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import iop.rls

# The seeded rows as of this migration (progress.validity.DEFAULT_EXPECTATIONS may change later).
DEFAULTS = [
    ("Buprenorphine", ["buprenorphine", "suboxone", "subutex", "sublocade", "zubsolv"], "bup",
     "nbup"),
    ("Methadone", ["methadone", "methadose", "dolophine"], "mtd", "eddp"),
]  # fmt: skip


def seed_expectations(apps, schema_editor):  # type: ignore[no-untyped-def]
    clinic_model = apps.get_model("iop", "Clinic")
    expectation = apps.get_model("progress", "MedicationExpectation")
    with schema_editor.connection.cursor() as cursor:
        for clinic in clinic_model.objects.all():
            # Row-level security: work as each clinic in turn (the migration is one transaction).
            cursor.execute("SELECT set_config('app.clinic_id', %s, true)", [str(clinic.pk)])
            for name, words, parent, metabolite in DEFAULTS:
                expectation.objects.get_or_create(
                    clinic=clinic, parent=parent,
                    defaults={"name": name, "match_words": words, "metabolite": metabolite},
                )  # fmt: skip
        cursor.execute("SELECT set_config('app.clinic_id', '', true)")


class Migration(migrations.Migration):
    dependencies = [
        ("iop", "0012_membership_wall"),
        ("progress", "0004_measures_pcl5_pacs_crafft_phq9_item10"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="drugtest",
            name="lab_findings",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(
                    choices=[
                        ("chromium_vi", "Chromium (VI) confirmed"),
                        ("halogen", "Halogen (e.g. bleach, iodine, fluoride) confirmed"),
                        ("glutaraldehyde", "Glutaraldehyde confirmed"),
                        ("pyridine", "Pyridine confirmed"),
                        ("surfactant", "Surfactant confirmed"),
                        ("exogenous", "Another exogenous substance confirmed"),
                        ("oxidant", "An oxidant the lab cannot identify"),
                        ("interference", "Interference the lab cannot identify"),
                    ],
                    max_length=16,
                ),
                blank=True,
                default=list,
                help_text="Adulterants or interference the lab reported.",
                size=None,
            ),
        ),
        migrations.AddField(
            model_name="drugtest",
            name="temperature",
            field=models.DecimalField(
                blank=True,
                decimal_places=1,
                help_text="Urine, read within 4 minutes of collection (49 CFR 40.65(b)).",
                max_digits=4,
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="drugtest",
            name="temperature_unit",
            field=models.CharField(blank=True, choices=[("C", "°C"), ("F", "°F")], max_length=1),
        ),
        migrations.AddField(
            model_name="drugtest",
            name="validity_basis",
            field=models.CharField(
                blank=True, help_text="The criterion that decided the validity.", max_length=200
            ),
        ),
        migrations.AddField(
            model_name="drugtest",
            name="validity_criteria",
            field=models.CharField(
                blank=True,
                help_text="The criteria set the validity was computed by.",
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="drugtest",
            name="temperature_in_range",
            field=models.BooleanField(
                blank=True,
                help_text="32–38 °C / 90–100 °F; computed from the temperature, never typed.",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="drugtest",
            name="validity",
            field=models.CharField(
                blank=True,
                choices=[
                    ("normal", "Normal"),
                    ("dilute", "Dilute"),
                    ("substituted", "Substituted"),
                    ("adulterated", "Adulterated"),
                    ("invalid", "Invalid"),
                    ("observed_recollection", "Observed recollection needed (earlier rules)"),
                    ("incomplete", "Incomplete (a measurement is missing)"),
                    ("not_tested", "Not tested"),
                ],
                help_text="Computed, never typed.",
                max_length=24,
            ),
        ),
        migrations.AlterField(
            model_name="panelsubstance",
            name="substance",
            field=models.CharField(
                choices=[
                    ("amp", "Amphetamines"),
                    ("met", "Methamphetamine"),
                    ("mdma", "MDMA (ecstasy)"),
                    ("coc", "Cocaine"),
                    ("thc", "Cannabis (THC)"),
                    ("opi", "Opiates (morphine, codeine)"),
                    ("6mam", "6-MAM (heroin metabolite)"),
                    ("oxy", "Oxycodone"),
                    ("bup", "Buprenorphine"),
                    ("nbup", "Norbuprenorphine (buprenorphine metabolite)"),
                    ("mtd", "Methadone"),
                    ("eddp", "EDDP (methadone metabolite)"),
                    ("fen", "Fentanyl"),
                    ("nfen", "Norfentanyl (fentanyl metabolite)"),
                    ("nitaz", "Nitazenes"),
                    ("xyl", "Xylazine"),
                    ("tra", "Tramadol"),
                    ("bzo", "Benzodiazepines"),
                    ("bar", "Barbiturates"),
                    ("pcp", "PCP"),
                    ("etg", "EtG (alcohol metabolite)"),
                    ("ets", "EtS (alcohol metabolite)"),
                    ("alc", "Alcohol (breath)"),
                ],
                max_length=6,
            ),
        ),
        migrations.AlterField(
            model_name="substanceresult",
            name="substance",
            field=models.CharField(
                choices=[
                    ("amp", "Amphetamines"),
                    ("met", "Methamphetamine"),
                    ("mdma", "MDMA (ecstasy)"),
                    ("coc", "Cocaine"),
                    ("thc", "Cannabis (THC)"),
                    ("opi", "Opiates (morphine, codeine)"),
                    ("6mam", "6-MAM (heroin metabolite)"),
                    ("oxy", "Oxycodone"),
                    ("bup", "Buprenorphine"),
                    ("nbup", "Norbuprenorphine (buprenorphine metabolite)"),
                    ("mtd", "Methadone"),
                    ("eddp", "EDDP (methadone metabolite)"),
                    ("fen", "Fentanyl"),
                    ("nfen", "Norfentanyl (fentanyl metabolite)"),
                    ("nitaz", "Nitazenes"),
                    ("xyl", "Xylazine"),
                    ("tra", "Tramadol"),
                    ("bzo", "Benzodiazepines"),
                    ("bar", "Barbiturates"),
                    ("pcp", "PCP"),
                    ("etg", "EtG (alcohol metabolite)"),
                    ("ets", "EtS (alcohol metabolite)"),
                    ("alc", "Alcohol (breath)"),
                ],
                max_length=6,
            ),
        ),
        migrations.CreateModel(
            name="MedicationExpectation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=80)),
                (
                    "match_words",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=60),
                        help_text="Matched in drug names.",
                        size=None,
                    ),
                ),
                (
                    "parent",
                    models.CharField(
                        choices=[
                            ("amp", "Amphetamines"),
                            ("met", "Methamphetamine"),
                            ("mdma", "MDMA (ecstasy)"),
                            ("coc", "Cocaine"),
                            ("thc", "Cannabis (THC)"),
                            ("opi", "Opiates (morphine, codeine)"),
                            ("6mam", "6-MAM (heroin metabolite)"),
                            ("oxy", "Oxycodone"),
                            ("bup", "Buprenorphine"),
                            ("nbup", "Norbuprenorphine (buprenorphine metabolite)"),
                            ("mtd", "Methadone"),
                            ("eddp", "EDDP (methadone metabolite)"),
                            ("fen", "Fentanyl"),
                            ("nfen", "Norfentanyl (fentanyl metabolite)"),
                            ("nitaz", "Nitazenes"),
                            ("xyl", "Xylazine"),
                            ("tra", "Tramadol"),
                            ("bzo", "Benzodiazepines"),
                            ("bar", "Barbiturates"),
                            ("pcp", "PCP"),
                            ("etg", "EtG (alcohol metabolite)"),
                            ("ets", "EtS (alcohol metabolite)"),
                            ("alc", "Alcohol (breath)"),
                        ],
                        max_length=6,
                    ),
                ),
                (
                    "metabolite",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("amp", "Amphetamines"),
                            ("met", "Methamphetamine"),
                            ("mdma", "MDMA (ecstasy)"),
                            ("coc", "Cocaine"),
                            ("thc", "Cannabis (THC)"),
                            ("opi", "Opiates (morphine, codeine)"),
                            ("6mam", "6-MAM (heroin metabolite)"),
                            ("oxy", "Oxycodone"),
                            ("bup", "Buprenorphine"),
                            ("nbup", "Norbuprenorphine (buprenorphine metabolite)"),
                            ("mtd", "Methadone"),
                            ("eddp", "EDDP (methadone metabolite)"),
                            ("fen", "Fentanyl"),
                            ("nfen", "Norfentanyl (fentanyl metabolite)"),
                            ("nitaz", "Nitazenes"),
                            ("xyl", "Xylazine"),
                            ("tra", "Tramadol"),
                            ("bzo", "Benzodiazepines"),
                            ("bar", "Barbiturates"),
                            ("pcp", "PCP"),
                            ("etg", "EtG (alcohol metabolite)"),
                            ("ets", "EtS (alcohol metabolite)"),
                            ("alc", "Alcohol (breath)"),
                        ],
                        max_length=6,
                    ),
                ),
                ("is_active", models.BooleanField(default=True)),
                (
                    "clinic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="iop.clinic",
                    ),
                ),
            ],
            options={
                "ordering": ["name"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("clinic", "parent"), name="expectation_once_per_drug"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("parent", models.F("metabolite")), _negated=True),
                        name="expectation_metabolite_differs",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="MedicationFinding",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("not_detected", "Expected medication not detected"),
                            ("no_metabolite", "Parent drug without its metabolite"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "substance",
                    models.CharField(
                        choices=[
                            ("amp", "Amphetamines"),
                            ("met", "Methamphetamine"),
                            ("mdma", "MDMA (ecstasy)"),
                            ("coc", "Cocaine"),
                            ("thc", "Cannabis (THC)"),
                            ("opi", "Opiates (morphine, codeine)"),
                            ("6mam", "6-MAM (heroin metabolite)"),
                            ("oxy", "Oxycodone"),
                            ("bup", "Buprenorphine"),
                            ("nbup", "Norbuprenorphine (buprenorphine metabolite)"),
                            ("mtd", "Methadone"),
                            ("eddp", "EDDP (methadone metabolite)"),
                            ("fen", "Fentanyl"),
                            ("nfen", "Norfentanyl (fentanyl metabolite)"),
                            ("nitaz", "Nitazenes"),
                            ("xyl", "Xylazine"),
                            ("tra", "Tramadol"),
                            ("bzo", "Benzodiazepines"),
                            ("bar", "Barbiturates"),
                            ("pcp", "PCP"),
                            ("etg", "EtG (alcohol metabolite)"),
                            ("ets", "EtS (alcohol metabolite)"),
                            ("alc", "Alcohol (breath)"),
                        ],
                        max_length=6,
                    ),
                ),
                ("medication", models.CharField(max_length=120)),
                ("prescriber", models.CharField(blank=True, max_length=120)),
                ("message", models.CharField(max_length=300)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "clinic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="iop.clinic",
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="iop.patient",
                    ),
                ),
                (
                    "test",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="medication_findings",
                        to="progress.drugtest",
                    ),
                ),
            ],
            options={
                "ordering": ["test", "id"],
                "indexes": [models.Index(fields=["clinic", "patient"], name="medfinding_patient")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("clinic", "test", "kind", "substance"), name="medfinding_once"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="RecollectionTask",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "reason",
                    models.CharField(
                        choices=[
                            ("temperature", "Temperature out of range"),
                            ("dilute_creatinine", "Dilute with creatinine 2–5 mg/dL"),
                        ],
                        max_length=20,
                    ),
                ),
                ("detail", models.CharField(max_length=300)),
                ("due_on", models.DateField()),
                ("closed_at", models.DateTimeField(blank=True, null=True)),
                ("closing_note", models.TextField(blank=True, max_length=2000)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "assigned_to",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="iop.membership",
                    ),
                ),
                (
                    "clinic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="iop.clinic",
                    ),
                ),
                (
                    "closed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="iop.patient",
                    ),
                ),
                (
                    "test",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="recollection_tasks",
                        to="progress.drugtest",
                    ),
                ),
            ],
            options={
                "ordering": ["closed_at", "due_on", "id"],
                "indexes": [
                    models.Index(
                        condition=models.Q(("closed_at__isnull", True)),
                        fields=["clinic", "patient"],
                        name="recollection_open",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("clinic", "test", "reason"), name="recollection_once_per_reason"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("closed_at__isnull", True),
                            models.Q(("closing_note", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="recollection_closed_with_note",
                    ),
                ],
            },
        ),
        iop.rls.EnableRowLevelSecurity("recollectiontask"),
        iop.rls.EnableRowLevelSecurity("medicationexpectation"),
        iop.rls.EnableRowLevelSecurity("medicationfinding"),
        iop.rls.SameClinicReference("recollectiontask", "assigned_to"),
        iop.rls.BoundDates(),
        migrations.RunPython(seed_expectations, migrations.RunPython.noop),
    ]
