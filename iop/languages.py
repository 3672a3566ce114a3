"""Which of our languages a patient's documents are written in.

`Patient.language` is what the patient speaks, in the staff's words ("Spanish", "español",
"es", "Spanish (Mexico)"). Documents a patient reads (the aftercare plan, ...) are rendered
in the matching language of settings.LANGUAGES, and in English when we have no translation.
"""

from django.conf import settings

from iop.models import Patient

DOCUMENT_DEFAULT = "en"
# Names staff write for each language we translate into (lower case, without accents).
NAMES = {
    "en": ("en", "english", "ingles"),
    "es": ("es", "spanish", "espanol", "castellano"),
}


def _plain(text: str) -> str:
    return text.strip().lower().translate(str.maketrans("áéíóúñ", "aeioun"))


def document_language(patient: Patient) -> str:
    """The language code for the patient's documents (settings.LANGUAGES), by the first
    word of `Patient.language` ("Spanish (Mexico)" → "es"); English when unknown."""
    words = _plain(patient.language).replace("(", " ").replace("-", " ").split()
    first = words[0] if words else ""
    available = {code for code, _name in settings.LANGUAGES}
    for code, names in NAMES.items():
        if code in available and first in names:
            return code
    return DOCUMENT_DEFAULT
