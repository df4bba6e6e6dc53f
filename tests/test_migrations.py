"""The committed migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from eventapp.extensions import db


def test_migrated_database_matches_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_upgrading_a_sqlite_database_with_delegates_keeps_their_registrations(tmp_path):
    """SQLite rebuilds tables in batch migrations; that must not cascade-delete anything."""
    from datetime import date

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import func, select

    from eventapp import create_app
    from eventapp.demo.forum import add_fake_delegates, seed_demo_forum
    from eventapp.models import Delegate, Registration

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/old.sqlite3", "TESTING": True})
    with app.app_context():
        upgrade()
        event, _ = seed_demo_forum(date(2026, 12, 26))
        add_fake_delegates(event, 5, seed=1)
        downgrade(revision="9d3a1ecd2884")  # back to the first schema, data kept
        upgrade()
        assert db.session.execute(select(func.count(Registration.id))).scalar() == 5
        sort_names = db.session.execute(select(Delegate.sort_name)).scalars().all()
        assert all(sort_names)  # the new columns were filled for existing delegates
        db.engine.dispose()


def test_the_upgrade_to_one_delegate_per_email_names_delegates_that_share_one(tmp_path, capfd):
    """Delegates made before the unique index (in a race the services now prevent) stop
    the upgrade with a message saying which, instead of a bare constraint error."""
    import re
    from datetime import date

    import pytest
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from eventapp import create_app
    from eventapp.demo.forum import add_fake_delegates, seed_demo_forum

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/old.sqlite3", "TESTING": True})
    with app.app_context():
        upgrade()
        event, _ = seed_demo_forum(date(2026, 12, 26))
        add_fake_delegates(event, 2, seed=1)
        downgrade(revision="e117d5d79d2c")
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE delegates SET email_normalized = 'shared@example.com'"))
        with pytest.raises(SystemExit):  # Flask-Migrate logs the error and exits, as `flask db upgrade` does
            upgrade()
        said = capfd.readouterr().err
        assert re.search(r"share an email address.*shared@example\.com \(2 delegates\)", said), said
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE delegates SET email_normalized = email_normalized || id"))
        upgrade()  # once each has their own, it goes through
        db.engine.dispose()
