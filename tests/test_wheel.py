"""A built wheel runs on its own: templates, translations, migrations and static files are in
it. Built from this checkout, installed in a fresh virtualenv (the dependencies come from
the project's, the code only from the wheel), it migrates a database and serves pages."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import textwrap
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SERVE = textwrap.dedent(
    """
    import sys
    from datetime import date
    import eventapp
    assert "site-packages" in eventapp.__file__, eventapp.__file__  # the wheel's, not the checkout's
    from flask_migrate import upgrade
    from eventapp import create_app
    from eventapp.demo.forum import seed_demo_forum
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[1], "TESTING": True, "SERVER_NAME": "forum.test"})
    with app.app_context():
        upgrade()
        seed_demo_forum(date(2030, 6, 4))
    client = app.test_client()
    page = client.get("/?lang=de")
    assert page.status_code == 200, page.status_code
    text = page.get_data(as_text=True)
    assert "Symposium mit deutschen Unternehmen" in text and 'lang="de"' in text, text[:1500]
    assert "Zum Inhalt springen" in text and "Jetzt anmelden" in text  # the compiled German catalogue
    assert client.get("/static/css/site.css").status_code == 200
    print("served")
    """
)


def test_a_built_wheel_migrates_and_serves_pages_on_its_own(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
    )
    (wheel,) = wheels.glob("eventapp-*.whl")
    target = tmp_path / "venv"
    venv.create(target, with_pip=False)
    python = target / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # The dependencies: the project's site-packages as a plain path (its .pth files, among them
    # the editable install of this checkout, are not read), after the new venv's own.
    (site / "project-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(python), "-m", "zipfile", "-e", str(wheel), str(site)], check=True)
    env = {"PATH": "/usr/bin:/bin", "EVENTAPP_INSTANCE": str(tmp_path / "instance"), "HOME": str(tmp_path)}
    served = subprocess.run(
        [str(python), "-c", SERVE, str(tmp_path / "wheel.sqlite3")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert served.returncode == 0 and "served" in served.stdout, served.stderr[-3000:]
