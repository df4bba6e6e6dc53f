"""Organisers invite people: a list from German or Chinese Excel (CSV) or an XLSX file,
previewed with each row's problems before anything is saved, saved once (importing it again
changes nothing, a changed row updates), one invitee by hand, and the invitation mails and
one reminder, each sent once."""

from __future__ import annotations

import html
import io
import re

from openpyxl import Workbook
from sqlalchemy import func, select

from eventapp.cli.invitations import import_invitations_command
from eventapp.extensions import db
from eventapp.models import AuditEntry, Delegate, Invitation, MailKind, OutboxMail, Salutation, StaffRole, utcnow
from eventapp.services import invitations as invitations_service
from eventapp.services import private_links
from eventapp.services.audit import Actor

from .factories import GERMAN, register_by_api
from .staff_helpers import sign_in
from .test_html_quality import assert_valid_and_labelled

SYMPOSIUM = "german-enterprise-symposium"
FORUM = "thematic-forum"

GERMAN_EXCEL = (
    "E-Mail;Nachname;Vorname;Firma;Anrede\r\n"
    "juergen.mueller@weiss-soehne.de;Müller-Lüdenscheidt;Jürgen;Weiß & Söhne GmbH;Herr\r\n"
    "keine-adresse;Schmidt;Anna;Schmidt AG;Frau\r\n"
    "JUERGEN.MUELLER@weiss-soehne.de;Müller;J.;Weiß;Herr\r\n"
    "petra.weber@example.de;Weber;Petra;Weber KG;Dame\r\n"
    "sabine.koch@example.de;Koch;Sabine;Koch & Partner;Frau\r\n"
)


def text_of(response) -> str:
    return response.get_data(as_text=True)


def german_csv(text: str = GERMAN_EXCEL) -> bytes:
    return "\ufeff".encode() + text.encode("utf-8")  # Excel's "CSV UTF-8 (durch Trennzeichen getrennt)"


def upload(client, filename: str, content: bytes, sessions=(SYMPOSIUM,)):
    return client.post(
        "/admin/invitations/import?lang=en",
        data={"file": (io.BytesIO(content), filename), "sessions": list(sessions)},
        content_type="multipart/form-data",
    )


def preview_form(page: str) -> dict:
    """What the preview page posts: the signed list, the columns shown, each column's select."""
    data = {
        name: html.unescape(value)
        for name, value in re.findall(r'<input name="(upload|shown_mapping)" type="hidden" value="([^"]*)"', page)
    }
    for number, options in re.findall(r'<select id="column-(\d+)" name="column-\d+">(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([a-z_]*)" selected>', options)
        data[f"column-{number}"] = chosen.group(1) if chosen else ""
    return data


def save(client, page: str, **columns):
    return client.post(
        "/admin/invitations/import/preview?lang=en", data={**preview_form(page), **columns, "action": "save"}
    )


def stored(app) -> dict:
    """What the database holds of invitations: the rows, their audit entries, their mails."""
    with app.app_context():
        invitations = db.session.execute(select(Invitation).order_by(Invitation.id)).scalars().all()
        return {
            "invitations": {
                i.email: {
                    "family_name": i.family_name,
                    "given_name": i.given_name,
                    "name_native": i.name_native,
                    "organisation": i.organisation,
                    "country": i.country,
                    "language": i.language,
                    "salutation": i.salutation,
                    "sessions": [s.slug for s in i.sessions],
                }
                for i in invitations
            },
            "audit": db.session.execute(
                select(AuditEntry.action).where(AuditEntry.action.like("invitation%")).order_by(AuditEntry.id)
            )
            .scalars()
            .all(),
            "mails": [
                (m.kind, m.invitation_id)
                for m in db.session.execute(select(OutboxMail).order_by(OutboxMail.id)).scalars()
            ],
        }


def invitation_ids(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(select(Invitation.email, Invitation.id)).all())


def import_list(client, filename: str, content: bytes, sessions=(SYMPOSIUM,)):
    page = text_of(upload(client, filename, content, sessions))
    response = save(client, page)
    assert response.status_code == 302, text_of(response)[:2000]
    return response


def test_german_excel_list_is_previewed_with_each_rows_problems_and_nothing_is_saved(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    response = upload(client, "Einladungen.csv", german_csv())
    page = text_of(response)
    assert response.status_code == 200
    assert_valid_and_labelled(page, "preview")
    assert "read as UTF-8, separated by semicolons" in page
    columns = preview_form(page)
    assert [columns[f"column-{i}"] for i in range(5)] == [
        "email",
        "family_name",
        "given_name",
        "organisation",
        "salutation",
    ]
    rows = dict(re.findall(r'<tr id="row-(\d+)">(.*?)</tr>', page, re.S))
    assert "Email: This is not a valid email address." in rows["3"]
    assert "Email: The same email address is in row 2." in rows["4"]  # the same address in capitals
    assert "Salutation: Unknown salutation: Dame" in rows["5"]
    assert "New" in rows["2"] and "New" in rows["6"] and "problem" not in rows["2"]
    assert "Save 2 invitations" in page
    assert stored(app) == {"invitations": {}, "audit": [], "mails": []}


def test_saving_creates_the_invitations_and_the_same_list_again_changes_nothing(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    response = import_list(client, "Einladungen.csv", german_csv())
    assert "2 new, 0 updated, 0 unchanged, 3 rows not valid" in text_of(client.get(response.location + "?lang=en"))
    first = stored(app)
    assert first["invitations"]["juergen.mueller@weiss-soehne.de"] == {
        "family_name": "Müller-Lüdenscheidt",
        "given_name": "Jürgen",
        "name_native": "",
        "organisation": "Weiß & Söhne GmbH",
        "country": "",
        "language": "en",
        "salutation": Salutation.MR,
        "sessions": [SYMPOSIUM],
    }
    assert set(first["invitations"]) == {"juergen.mueller@weiss-soehne.de", "sabine.koch@example.de"}
    assert first["audit"] == ["invitation_created", "invitation_created"] and first["mails"] == []

    again = text_of(upload(client, "Einladungen.csv", german_csv()))
    assert "Nothing to save" in again and 'value="save"' not in again
    response = save(client, again)  # a save posted anyway
    assert "0 new, 0 updated, 2 unchanged" in text_of(client.get(response.location + "?lang=en"))
    assert stored(app) == first


def test_a_changed_row_updates_the_invitation_and_an_empty_cell_keeps_what_is_known(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    import_list(client, "Einladungen.csv", german_csv())
    changed = GERMAN_EXCEL.replace("Koch & Partner;Frau", "Koch Consulting;")
    page = text_of(upload(client, "Einladungen.csv", german_csv(changed), sessions=(SYMPOSIUM, FORUM)))
    rows = dict(re.findall(r'<tr id="row-(\d+)">(.*?)</tr>', page, re.S))
    assert "Updated" in rows["6"] and "Changes: Organisation and Sessions" in rows["6"]
    save(client, page)
    koch = stored(app)["invitations"]["sabine.koch@example.de"]
    assert koch["organisation"] == "Koch Consulting"
    assert koch["salutation"] == Salutation.MS  # the empty cell took nothing away
    assert sorted(koch["sessions"]) == sorted([SYMPOSIUM, FORUM])
    assert stored(app)["audit"].count("invitation_updated") == 2  # Jürgen Müller: the forum added too


def test_chinese_excel_list_in_gb18030(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    content = (
        "邮箱,姓,名,中文姓名,单位,职务,国家,语言,称谓\r\n"
        "wang.xiaoming@bjjg.com.cn,Wang,Xiaoming,王小明,北京精工智能装备有限公司,总经理,中国,中文,先生\r\n"
        "li.na@zechuan.cn,Li,Na,李娜,泽川新能源汽车有限公司,副总裁,德国,德语,女士\r\n"
    ).encode("gb18030")
    page = text_of(upload(client, "邀请名单.csv", content))
    assert "read as GB18030, separated by commas" in page and "王小明" in page
    save(client, page)
    invited = stored(app)["invitations"]
    assert invited["wang.xiaoming@bjjg.com.cn"]["name_native"] == "王小明"
    assert invited["wang.xiaoming@bjjg.com.cn"]["country"] == "CN"
    assert invited["wang.xiaoming@bjjg.com.cn"]["language"] == "zh"
    assert invited["wang.xiaoming@bjjg.com.cn"]["salutation"] == Salutation.MR
    assert invited["li.na@zechuan.cn"]["country"] == "DE" and invited["li.na@zechuan.cn"]["language"] == "de"


def test_xlsx_list_names_sessions_in_a_column_of_its_own(app, client, forum):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Gäste"
    sheet.append(["Email address", "Family name", "Given name", "Organisation", "Country", "Sessions"])
    sheet.append(["anna.schmidt@example.de", "Schmidt", "Anna", "Schmidt AG", "Deutschland", f"{FORUM}, {SYMPOSIUM}"])
    sheet.append(["tom.baker@example.co.uk", "Baker", "Tom", "Baker Ltd", "United Kingdom", ""])
    sheet.append(["x@example.com", "X", "Y", "Z", "Atlantis", "gala-dinner"])
    content = io.BytesIO()
    workbook.save(content)
    sign_in(client, app, StaffRole.ORGANISER)
    page = text_of(upload(client, "guests.xlsx", content.getvalue(), sessions=(SYMPOSIUM,)))
    assert "read from its first sheet (Gäste)" in page
    rows = dict(re.findall(r'<tr id="row-(\d+)">(.*?)</tr>', page, re.S))
    assert "Unknown country or region: Atlantis" in rows["4"] and "Unknown session: gala-dinner" in rows["4"]
    save(client, page)
    invited = stored(app)["invitations"]
    assert invited["anna.schmidt@example.de"]["sessions"] == [SYMPOSIUM, FORUM]  # by time
    assert invited["anna.schmidt@example.de"]["language"] == "de"  # from the country
    assert invited["tom.baker@example.co.uk"]["sessions"] == [SYMPOSIUM]  # the form's
    assert invited["tom.baker@example.co.uk"]["country"] == "GB"
    assert "x@example.com" not in invited


def test_lists_from_older_excel_and_unicode_text_are_read_too(app):
    with app.app_context():
        old_german = invitations_service.read_table("alt.csv", "E-Mail;Nachname\r\nj@x.de;Müller\r\n".encode("cp1252"))
        assert (old_german.encoding, old_german.rows) == ("cp1252", ((2, ("j@x.de", "Müller")),))
        unicode_text = invitations_service.read_table("list.txt", "Email\t姓\r\nwang@x.cn\t王\r\n".encode("utf-16"))
        assert (unicode_text.delimiter, unicode_text.rows) == ("\t", ((2, ("wang@x.cn", "王")),))


def test_the_organiser_may_choose_the_columns_in_the_preview(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    page = text_of(upload(client, "list.csv", b"Kontakt,Name\r\nanna@example.de,Schmidt\r\n"))
    assert "No column holds the email address" in page
    chosen = client.post(
        "/admin/invitations/import/preview?lang=en",
        data={**preview_form(page), "column-0": "email", "action": "apply"},
    )
    assert chosen.status_code == 200 and "Save 1 invitation" in text_of(chosen)
    # Columns changed and saved at once: the preview is shown again first.
    again = client.post(
        "/admin/invitations/import/preview?lang=en",
        data={**preview_form(text_of(chosen)), "column-1": "given_name", "action": "save"},
    )
    assert "You changed the columns" in text_of(again) and stored(app)["invitations"] == {}
    save(client, text_of(again))
    assert stored(app)["invitations"]["anna@example.de"]["given_name"] == "Schmidt"


def test_bad_files_get_a_clear_message_and_no_error_page(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    cases = [
        ("photo.csv", png, "This file is not a list"),
        ("empty.csv", b"", "The file is empty."),
        ("broken.xlsx", b"PK\x03\x04 not really a zip file", "could not be read as an Excel file"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Save it as .xlsx or as CSV"),
        ("list.docx", b"Email\nx@example.de\n", "Upload a CSV file or an Excel file (.xlsx)."),
        ("header-only.csv", b"Email;Name\r\n", "The list has no rows below its header."),
    ]
    for filename, content, message in cases:
        response = upload(client, filename, content)
        assert response.status_code == 422, filename
        page = text_of(response)
        assert message in page, (filename, page[:3000])
        assert_valid_and_labelled(page, filename)
    no_email = upload(client, "names.csv", b"Nachname;Vorname\r\nSchmidt;Anna\r\n")
    assert no_email.status_code == 422 and "No column holds the email address" in text_of(no_email)
    tampered = client.post(
        "/admin/invitations/import/preview?lang=en", data={"upload": "forged", "shown_mapping": "", "action": "save"}
    )
    assert tampered.status_code == 400 and "Please upload the file again" in text_of(tampered)
    assert stored(app) == {"invitations": {}, "audit": [], "mails": []}


def test_an_organiser_invites_one_person(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    assert_valid_and_labelled(text_of(client.get("/admin/invitations/new?lang=en")), "new")
    entry = {
        "email": "müller@example.de",
        "family_name": "Müller",
        "given_name": "Jürgen",
        "organisation": "Weiß GmbH",
        "salutation": "mr",
        "academic_title": "Prof. Dr.",
        "country": "AT",
        "sessions": [SYMPOSIUM],
    }
    refused = client.post("/admin/invitations/new?lang=en", data=entry)
    page = text_of(refused)
    assert refused.status_code == 422 and "use Latin letters without accents" in page
    assert 'value="Weiß GmbH"' in page and 'value="Prof. Dr."' in page  # the entries are kept
    assert_valid_and_labelled(page, "new with errors")
    done = client.post("/admin/invitations/new?lang=en", data={**entry, "email": "mueller@example.de"})
    assert done.status_code == 302
    assert "Prof. Dr. Jürgen Müller is invited." in text_of(client.get(done.location + "?lang=en"))
    invited = stored(app)["invitations"]["mueller@example.de"]
    assert invited["language"] == "de" and invited["salutation"] == Salutation.MR
    twice = client.post("/admin/invitations/new?lang=en", data={**entry, "email": "Mueller@Example.de"})
    assert twice.status_code == 422 and "This email address is invited already." in text_of(twice)
    without_session = client.post("/admin/invitations/new?lang=en", data={"email": "anna@example.de"})
    assert without_session.status_code == 422 and "Choose at least one session." in text_of(without_session)


def test_invitations_are_sent_once_to_those_listed(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    import_list(client, "Einladungen.csv", german_csv())
    preview = client.get("/admin/invitations/send?lang=en")
    page = text_of(preview)
    assert "2 invitations will be mailed" in page and "sabine.koch@example.de" in page
    assert_valid_and_labelled(page, "send")
    ids = re.findall(r'name="invitation" value="(\d+)"', page)
    # Someone invited after the preview was shown is not mailed unseen.
    client.post("/admin/invitations/new", data={"email": "late@example.de", "sessions": [SYMPOSIUM]})
    sent = client.post("/admin/invitations/send?lang=en", data={"invitation": ids})
    assert "2 invitations queued." in text_of(client.get(sent.location + "?lang=en"))
    mails = stored(app)["mails"]
    assert sorted(mails) == sorted((MailKind.INVITATION, i) for i in map(int, ids))
    again = client.post("/admin/invitations/send?lang=en", data={"invitation": ids})
    assert "Nothing was sent" in text_of(client.get(again.location + "?lang=en"))
    assert stored(app)["mails"] == mails
    listed = text_of(client.get("/admin/invitations?state=not_sent&lang=en"))
    assert "late@example.de" in listed and "sabine.koch@example.de" not in listed
    assert_valid_and_labelled(text_of(client.get("/admin/invitations?lang=en")), "list")


def test_reminders_go_once_to_those_who_have_not_answered(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    content = (
        "Email\r\nanswers-not@example.de\r\ndeclined@example.de\r\nregistered@example.de\r\nnot-sent@example.de\r\n"
    )
    import_list(client, "list.csv", content.encode())
    ids = invitation_ids(app)
    client.post("/admin/invitations/send", data={"invitation": [ids[e] for e in ids if e != "not-sent@example.de"]})
    register_by_api(client, ["exhibition"], base=GERMAN, email="registered@example.de")
    with app.app_context():
        delegate_id = db.session.execute(
            select(Delegate.id).where(Delegate.email == "registered@example.de")
        ).scalar_one()
        db.session.get(Invitation, ids["declined@example.de"]).declined_at = utcnow()
        db.session.get(Invitation, ids["registered@example.de"]).delegate_id = delegate_id
        db.session.commit()
    page = text_of(client.get("/admin/invitations/remind?lang=en"))
    assert "1 reminder will be mailed" in page and "answers-not@example.de" in page
    assert "declined@example.de" not in page and "not-sent@example.de" not in page
    ids_shown = re.findall(r'name="invitation" value="(\d+)"', page)
    client.post("/admin/invitations/remind", data={"invitation": ids_shown})
    client.post("/admin/invitations/remind", data={"invitation": ids_shown})
    reminders = [m for m in stored(app)["mails"] if m[0] == MailKind.INVITATION_REMINDER]
    assert reminders == [(MailKind.INVITATION_REMINDER, ids["answers-not@example.de"])]
    assert "Nobody to remind" in text_of(client.get("/admin/invitations/remind?lang=en"))
    with app.app_context():
        event = db.session.get(Invitation, ids["answers-not@example.de"]).event
        assert invitations_service.reminder_candidates(event) == []
        assert invitations_service.send_reminders(list(ids.values()), Actor.SYSTEM) == []


def test_an_invitation_link_finds_its_invitation_and_nothing_else(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    import_list(client, "list.csv", b"Email\r\nanna@example.de\r\n")
    delegate = register_by_api(client, ["exhibition"], base=GERMAN).json
    with app.app_context():
        invitation = db.session.execute(select(Invitation)).scalar_one()
        token = invitations_service.invitation_token(invitation)
        assert invitations_service.find_invitation_by_token(token) == invitation
        assert token not in (invitation.token_hash, invitation.link_nonce)
        manage_token = delegate["manage_url"].rsplit("/", 1)[1]
        assert private_links.find_delegate_by_token(manage_token) is not None
        assert invitations_service.find_invitation_by_token(manage_token) is None
        assert invitations_service.find_invitation_by_token("x" * 200) is None
        assert db.session.execute(select(func.count()).select_from(Invitation)).scalar_one() == 1


def test_the_command_line_imports_a_list_by_the_same_rules(app, runner, forum, tmp_path):
    path = tmp_path / "Einladungen.csv"
    path.write_bytes(german_csv())
    dry = runner.invoke(import_invitations_command, [str(path), "--sessions", SYMPOSIUM, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Would save: 2 new, 0 updated, 0 unchanged, 3 rows not valid." in dry.output
    assert "row 3: Email: This is not a valid email address." in dry.output
    assert stored(app)["invitations"] == {}
    saved = runner.invoke(import_invitations_command, [str(path), "--sessions", SYMPOSIUM])
    assert "Saved: 2 new" in saved.output
    again = runner.invoke(import_invitations_command, [str(path), "--sessions", SYMPOSIUM])
    assert "Saved: 0 new, 0 updated, 2 unchanged" in again.output
    with app.app_context():
        actors = db.session.execute(select(AuditEntry.actor).where(AuditEntry.action == "invitation_created")).scalars()
        assert set(actors) == {"cli:import-invitations"}
    assert runner.invoke(import_invitations_command, [str(path), "--sessions", "gala-dinner"]).exit_code == 2
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    refused = runner.invoke(import_invitations_command, [str(path)])
    assert refused.exit_code == 1 and "This file is not a list" in refused.output
