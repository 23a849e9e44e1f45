"""Benchmarks of the product (``gridcase bench …``) and scripts that run them on throw-away
PostgreSQL and Redis servers. Not imported by the product."""
