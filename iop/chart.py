"""The chart's own sections, registered like any feature's (iop/hooks.py). The orders leave
room between them: the calendar's hours and misses follow the demographics, the features'
sections follow the enrollments, and the record's clinical and payment parts come last."""

from iop import hooks
from iop.roles import Capability

C = Capability
S = hooks.ChartSection

for order, section in [
    (10, S("demographics", "Demographics", "iop/chart/_demographics.html")),
    (40, S("enrollments", "Enrollments", "iop/chart/_enrollments.html")),
    (80, S("diagnoses", "Diagnoses", "iop/chart/_diagnoses.html", C.CLINICAL_READ)),
    (90, S("medications", "Medications", "iop/chart/_medications.html", C.MEDICATIONS_READ)),
    (100, S("insurance", "Insurance and payment", "iop/chart/_insurance.html")),
]:
    hooks.chart_sections.register(section, order=order)
