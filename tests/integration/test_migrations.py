from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from leadrouter.bootstrap import Container
from leadrouter.store.tables import metadata


def test_migrations_build_exactly_the_tables_the_code_declares(container: Container) -> None:
    with container.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
