"""The SpiffWorkflow host: spec registry, instance store, task projection, audit journal.

Nothing in this package knows about Flask, grids or departments. Org units and roles are
opaque strings handed in by the caller (see :mod:`engine.assignment`).
"""
