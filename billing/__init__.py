"""Billing: payers, claim readiness day by day, claims, X12 837I/837P files and 835 remittances."""
