"""Interoperability: the FHIR R4 API, bulk export, signed webhooks and patient import."""
