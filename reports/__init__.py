"""Reports: census, stays and completion, attendance and outcomes, read from the one ledger."""
