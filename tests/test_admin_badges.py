"""Organisers print badges: one delegate's, and batches for the print shop with progress."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Delegate, PrintJob, StaffRole

from .factories import CHINESE, GERMAN, register_by_api, set_session
from .staff_helpers import sign_in

SYMPOSIUM = "german-enterprise-symposium"


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_organiser_downloads_a_delegates_badge(app, client, forum):
    register_by_api(client, [SYMPOSIUM], base=CHINESE)
    sign_in(client, app, StaffRole.ORGANISER)
    with app.app_context():
        delegate_id = db.session.execute(select(Delegate.id)).scalar_one()
    page = client.get(f"/admin/delegates/{delegate_id}").get_data(as_text=True)
    assert f"/admin/delegates/{delegate_id}/badge.pdf" in page
    response = client.get(f"/admin/delegates/{delegate_id}/badge.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "王小明" in pdf_text(response.data)


def test_batch_for_the_print_shop_runs_and_offers_the_pdf(app, client, forum):
    set_session(app, SYMPOSIUM, capacity=2)
    for base in (CHINESE, GERMAN, GERMAN):  # the third waits: no badge for the symposium
        register_by_api(client, [SYMPOSIUM], base=base)
    register_by_api(client, ["exhibition"], base=GERMAN, family_name="Adler")
    sign_in(client, app, StaffRole.ORGANISER)
    form = client.get("/admin/badges?lang=en").get_data(as_text=True)
    assert "Four badges on an A4 sheet for an office printer" in form
    assert 'value="print-shop"' in form and "PDF/X-4" in form
    response = client.post("/admin/badges", data={"session": SYMPOSIUM, "organisation_type": "", "sheet": "a6"})
    assert response.status_code == 302
    job_page = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "The badges are ready." in job_page  # tests run background tasks inline
    with app.app_context():
        job = db.session.execute(select(PrintJob)).scalar_one()
        job_id, total = job.id, job.total
    assert total == 2
    state = client.get(f"/admin/badges/jobs/{job_id}.json").json
    assert state["status"] == "done" and state["done"] == 2 and state["download_url"]
    pdf = client.get(state["download_url"])
    assert pdf.status_code == 200 and len(PdfReader(io.BytesIO(pdf.data)).pages) == 2
    text = pdf_text(pdf.data)
    assert "王小明" in text and "Adler" not in text


def test_batch_with_no_matching_delegate_says_so_and_keeps_the_choices(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    response = client.post(
        "/admin/badges?lang=en", data={"session": "thematic-forum", "organisation_type": "press", "sheet": "a4-4up"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "No delegate with a confirmed seat matches" in page
    assert 'value="a4-4up" checked' in page or 'checked value="a4-4up"' in page or 'checked id="sheet-2"' in page


def test_a_job_without_a_worker_can_be_made_on_the_spot(app, client, forum):
    register_by_api(client, [SYMPOSIUM], base=GERMAN)
    sign_in(client, app, StaffRole.ORGANISER)
    from eventapp.models import PrintJobStatus
    from eventapp.services.transactions import write_transaction

    with app.app_context():
        with write_transaction():
            job = PrintJob(sheet="a4-4up", filters={"session": SYMPOSIUM}, total=1)
            db.session.add(job)
        job_id = job.id
    assert client.get(f"/admin/badges/jobs/{job_id}.json").json["status"] == "queued"
    client.post(f"/admin/badges/jobs/{job_id}/run")
    state = client.get(f"/admin/badges/jobs/{job_id}.json").json
    assert state["status"] == PrintJobStatus.DONE.value
    pdf = PdfReader(io.BytesIO(client.get(state["download_url"]).data))
    assert [round(float(v)) for v in pdf.pages[0].mediabox[2:]] == [595, 842]


def running_job(app, total=336, done=120, **filters) -> int:
    from eventapp.models import PrintJobStatus
    from eventapp.services.transactions import write_transaction

    with app.app_context():
        with write_transaction():
            job = PrintJob(sheet="a4-4up", filters=filters, total=total, done=done, status=PrintJobStatus.RUNNING)
            db.session.add(job)
        return job.id


def test_batch_page_says_what_the_batch_holds_and_how_far_it_is(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    job_id = running_job(app, session=SYMPOSIUM, organisation_type="press", registered_from="2026-11-02")
    page = client.get(f"/admin/badges/jobs/{job_id}?lang=en").get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Session German Enterprise Symposium" in text
    assert "Type of organisation Press" in text
    assert "Registered from November 2, 2026" in text
    assert "Badges 336" in text and "Paper 4 on A4" in text
    assert "120 of 336 badges (36 %)" in text
    assert re.search(r'<progress id="job-progress" max="336" value="120"', page)
    assert re.search(r'role="status" aria-live="polite"[^>]*>The badges are being made…<', page)
    assert "Download the badges" in page and "data-job-download hidden" in page

    state = client.get(f"/admin/badges/jobs/{job_id}.json?lang=en").json
    assert state["done"] == 120 and state["total"] == 336 and state["percent"] == 36
    assert state["progress_text"] == "120 of 336 badges"
    assert state["status_text"] == "The badges are being made…" and state["download_url"] is None
    listing = " ".join(re.sub(r"<[^>]+>", " ", client.get("/admin/badges?lang=en").get_data(as_text=True)).split())
    assert f"#{job_id} · 4 on A4" in listing and "Being made · 120 of 336 badges" in listing


def test_batch_page_says_when_the_file_is_being_put_together_and_when_it_failed(app, client, forum):
    from eventapp.models import PrintJobStatus

    sign_in(client, app, StaffRole.ORGANISER)
    job_id = running_job(app, total=3, done=3)
    state = client.get(f"/admin/badges/jobs/{job_id}.json?lang=en").json
    assert state["percent"] == 100 and "put into one file" in state["status_text"]
    with app.app_context():
        job = db.session.get(PrintJob, job_id)
        job.status, job.error = PrintJobStatus.FAILED, "Printing failed: disk full"
        db.session.commit()
    page = client.get(f"/admin/badges/jobs/{job_id}?lang=en").get_data(as_text=True)
    assert "The batch failed: Printing failed: disk full" in page and "Make it now" in page


def test_print_shop_batch_from_the_admin_page_has_an_output_intent(app, client, forum):
    register_by_api(client, ["exhibition"], base=CHINESE)
    sign_in(client, app, StaffRole.ORGANISER)
    response = client.post("/admin/badges", data={"session": "", "organisation_type": "", "sheet": "print-shop"})
    assert response.status_code == 302
    job_page = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "A6 for a print shop (PDF/X-4)" in job_page and "The badges are ready." in job_page
    state = client.get(response.headers["Location"] + ".json").json
    assert state["status"] == "done" and state["progress_text"] == "1 of 1 badge"
    reader = PdfReader(io.BytesIO(client.get(state["download_url"]).data))
    assert "/OutputIntents" in reader.trailer["/Root"] and "/BleedBox" in reader.pages[0]
