"""The grid-governance domain and its use cases, in rooms that import only downwards:

- ``domain``: org tree, catalog, calendar, routing, statuses, permissions, BPMN functions,
  form rules, the BPMN property contract — plain Python, no database, Redis or Flask;
- ``adapters``: SQLAlchemy tables and repositories, the unit of work, files on disk,
  outbound notification channels;
- ``services``: the use cases, one module per area, one transaction per user action —
  what pages, API, CLI and jobs call;
- ``wiring``: settings, building the context, the database set-up, the worker and its jobs;
- ``demo``: the demo district and its cases.
"""
