"""The grid-governance domain: org model, case-type catalog, routing, statuses, use cases."""
