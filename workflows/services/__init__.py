"""The use cases: each opens one unit of work, checks who may act, runs the engine and the
domain rules, and commits once. Pages, API, CLI and background jobs call only these."""
