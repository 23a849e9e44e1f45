"""How the use cases reach the outside world: tables, repositories and the unit of work
(SQLAlchemy), uploaded files on disk, passwords and tokens, outbound notification channels."""
