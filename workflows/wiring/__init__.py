"""Start-up: settings from the environment, the context every entry point builds once, the
database schema and deployment, the RQ worker process and its job functions."""
