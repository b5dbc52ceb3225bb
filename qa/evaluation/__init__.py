"""The evaluation layer: question sets, scoring and metrics, the baseline recipe, reports and
plots, and the temporary store + ingest + QA of an eval run. Above `ingest` and `qa.service`."""
