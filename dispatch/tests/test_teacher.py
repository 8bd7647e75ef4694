"""A seconded teacher's account: opened by the bureau, its pages (/me/), the
stints it records (awaiting the host school), its work log and self-appraisal,
and the days on post it is shown per semester."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import AuditEntry, Membership
from dispatch.models import Person, SelfAppraisal, Stint, WorkLog, WorkLogPhoto
from reporting.models import ReportingPeriod

pytestmark = pytest.mark.django_db

QUEUED = {"HTTP_X_DUIKOU_QUEUE": "1"}


def log_in(client, user):
    client.force_login(user)
    return client


def own(w, model, name="in_A1"):
    return w[name][model]


# The account ---------------------------------------------------------------------


class TestOpeningTheAccount:
    def person_without_account(self, w):
        person = own(w, Person)
        Person.objects.filter(pk=person.pk).update(account=None)
        return person

    def test_the_bureau_opens_it_and_the_password_is_shown_once(self, client, w):
        person = self.person_without_account(w)
        client = log_in(client, w["xian"])
        page = client.get(f"/people/{person.pk}/")
        assert f"/people/{person.pk}/account/" in page.content.decode()
        response = client.post(
            f"/people/{person.pk}/account/", {"username": "13800000001"}
        )
        assert response.status_code == 200
        password = response.context["password"]
        assert password in response.content.decode()
        assert response.headers["Cache-Control"].startswith("max-age=0")
        person.refresh_from_db()
        user = person.account
        assert user.username == "13800000001"
        assert user.check_password(password)
        assert list(user.memberships.values_list("role", flat=True)) == ["teacher"]
        # Written in the audit trail: the person's account changed.
        assert AuditEntry.objects.filter(
            object_id=str(person.pk), content_type__model="person", action="update"
        ).exists()
        # The teacher signs in and lands on their own page.
        client.logout()
        signed_in = client.post(
            "/accounts/login/", {"username": "13800000001", "password": password}
        )
        assert signed_in.status_code == 302
        landing = client.get("/")
        assert landing.status_code == 302
        assert landing.headers["Location"] == "/me/"

    def test_a_taken_username_is_refused(self, client, w):
        person = self.person_without_account(w)
        client = log_in(client, w["xian"])
        response = client.post(f"/people/{person.pk}/account/", {"username": "shi"})
        assert response.status_code == 200
        assert "username" in response.context["form"].errors
        person.refresh_from_db()
        assert person.account is None

    @pytest.mark.parametrize("role", ["xuexiao", "duxue"])
    def test_school_staff_and_inspectors_may_not(self, client, w, role):
        person = self.person_without_account(w)
        client = log_in(client, w[role])
        assert client.get(f"/people/{person.pk}/account/").status_code == 403
        assert (
            client.post(f"/people/{person.pk}/account/", {"username": "x1"}).status_code
            == 403
        )
        assert "/account/" not in client.get(f"/people/{person.pk}/").content.decode()
        person.refresh_from_db()
        assert person.account is None

    @pytest.mark.parametrize("role", ["xian_b1", "xian_l"])
    def test_another_region_gets_nothing(self, client, w, role):
        person = self.person_without_account(w)
        client = log_in(client, w[role])
        assert (
            client.post(f"/people/{person.pk}/account/", {"username": "x1"}).status_code
            == 404
        )
        close = client.post(f"/people/{own(w, Person, 'in_A1').pk}/account/close/")
        assert close.status_code == 404
        person.refresh_from_db()
        assert person.account is None

    def test_closing_and_opening_again(self, client, w):
        person, teacher = own(w, Person), w["jiaoshi"]
        client = log_in(client, w["xian"])
        response = client.post(f"/people/{person.pk}/account/close/")
        assert response.status_code == 302
        teacher.refresh_from_db()
        assert not teacher.is_active
        assert not teacher.memberships.exists()
        reopened = client.post(f"/people/{person.pk}/account/", {"username": ""})
        teacher.refresh_from_db()
        assert teacher.is_active
        assert teacher.check_password(reopened.context["password"])
        assert list(teacher.memberships.values_list("role", flat=True)) == ["teacher"]

    def test_the_teacher_role_is_not_offered_on_the_users_page(self, client, w):
        client = log_in(client, w["admin"])
        page = client.get("/users/add/").content.decode()
        assert 'value="teacher"' not in page


# The pages -----------------------------------------------------------------------


class TestPages:
    @pytest.mark.parametrize("role", ["xian", "xuexiao", "admin", "duxue"])
    def test_the_pages_do_not_exist_for_staff(self, client, w, role):
        client = log_in(client, w[role])
        for url in ("/me/", "/me/stints/add/", "/me/log/add/", "/me/self-appraisal/"):
            assert client.get(url).status_code == 404, url

    def test_the_menu_is_my_secondment_only(self, client, w):
        client = log_in(client, w["jiaoshi"])
        sections = client.get("/me/").context["nav_sections"]
        assert len(sections) == 1
        assert [i["url"] for s in sections for i in s["items"]] == ["/me/"]

    def test_staff_who_are_also_seconded_get_my_secondment_beside_their_menu(
        self, client, w
    ):
        # A host school's clerk who is also B1's seconded teacher.
        staff = w["xuexiao"]
        Membership.objects.create(user=staff, role=Membership.Role.TEACHER)
        Person.objects.filter(pk=own(w, Person, "in_B1").pk).update(account=staff)
        client = log_in(client, staff)
        response = client.get("/")
        urls = [i["url"] for s in response.context["nav_sections"] for i in s["items"]]
        assert "/me/" in urls
        assert {"/secondments/", "/stints/pending/"} <= set(urls)
        page = response.content.decode()
        assert 'href="/me/"' in page and "我的派遣" in page
        assert "/accounts/tokens/" in page  # still a clerk: the clerk's user menu
        # The teacher's pages show their own secondment only, not the school's.
        mine = client.get("/me/").content.decode()
        assert "B1七年级数学" in mine
        assert "A1七年级数学" not in mine

    def test_another_teachers_records_are_404(self, client, w):
        client = log_in(client, w["jiaoshi"])
        other = own(w, Stint, "in_B1")
        Stint.objects.filter(pk=other.pk).update(confirmation="pending")
        assert client.get(f"/me/stints/{other.pk}/edit/").status_code == 404
        assert client.post(f"/me/stints/{other.pk}/delete/").status_code == 404
        photo = own(w, WorkLogPhoto, "in_B1")
        assert client.get(f"/me/photos/{photo.pk}/").status_code == 404
        assert Stint.objects.filter(pk=other.pk).exists()
        page = client.get("/me/").content.decode()
        assert "B1七年级数学" not in page
        assert "A1七年级数学" in page

    def test_the_page_fits_a_phone_and_loads_the_offline_queue(self, client, w):
        client = log_in(client, w["jiaoshi"])
        page = client.get("/me/").content.decode()
        assert "js/offline.js" in page
        assert 'data-sw="/me/sw.js"' in page
        worker = client.get("/me/sw.js")
        assert worker.headers["Content-Type"].startswith("text/javascript")
        assert worker.headers["Service-Worker-Allowed"] == "/me/"


class TestStints:
    def test_an_arrival_waits_for_the_host_school(self, client, w):
        client = log_in(client, w["jiaoshi"])
        secondment = own(w, Stint).secondment
        response = client.post(
            "/me/stints/add/",
            {"secondment": secondment.pk, "start": "2024-11-04", "client_key": "k1"},
        )
        assert response.status_code == 302
        stint = Stint.objects.get(secondment=secondment, start=dt.date(2024, 11, 4))
        # An arrival alone is the arrival day, until the departure is recorded.
        assert stint.end == stint.start
        assert stint.confirmation == "pending"
        assert stint.recorded_by == w["jiaoshi"]
        response = client.post(
            f"/me/stints/{stint.pk}/edit/",
            {"start": "2024-11-04", "end": "2024-11-29", "version": stint.version},
        )
        assert response.status_code == 302
        stint.refresh_from_db()
        assert (stint.end, stint.confirmation) == (dt.date(2024, 11, 29), "pending")

    def test_an_arrival_the_host_confirmed_is_closed_by_its_departure(self, client, w):
        """The host school confirms the arrival the next day; the teacher, still
        on post, records the departure weeks later: the confirmed arrival stays
        theirs to close, and the whole stint goes back to the host school."""
        from dispatch import services as dispatch_services

        client = log_in(client, w["jiaoshi"])
        secondment = own(w, Stint).secondment
        client.post(
            "/me/stints/add/",
            {"secondment": secondment.pk, "start": "2024-11-04", "client_key": "k2"},
        )
        stint = Stint.objects.get(secondment=secondment, start=dt.date(2024, 11, 4))
        assert stint.open and "–" not in str(stint)  # no end date shown
        dispatch_services.stint_confirm(stint=stint, user=w["xuexiao"])
        home = client.get("/me/").content.decode()
        assert f"/me/stints/{stint.pk}/edit/" in home
        assert client.get(f"/me/stints/{stint.pk}/edit/").status_code == 200
        stint.refresh_from_db()
        response = client.post(
            f"/me/stints/{stint.pk}/edit/",
            {"start": "2024-11-04", "end": "2024-12-13", "version": stint.version},
        )
        assert response.status_code == 302
        stint.refresh_from_db()
        assert (stint.end, stint.open, stint.confirmation) == (
            dt.date(2024, 12, 13),
            False,
            "pending",
        )
        # Closed and confirmed again, it is the host school's alone.
        dispatch_services.stint_confirm(stint=stint, user=w["xuexiao"])
        assert client.get(f"/me/stints/{stint.pk}/edit/").status_code == 403

    def test_a_replayed_form_is_saved_once(self, client, w):
        client = log_in(client, w["jiaoshi"])
        secondment = own(w, Stint).secondment
        form = {
            "secondment": secondment.pk,
            "start": "2024-12-02",
            "end": "2024-12-20",
            "client_key": "same-key",
        }
        for _ in range(3):
            response = client.post("/me/stints/add/", form, **QUEUED)
            assert response.status_code == 200
            assert response.json()["ok"] is True
        assert Stint.objects.filter(secondment=secondment).count() == 2

    def test_a_refused_queued_form_says_why_and_keeps_nothing(self, client, w):
        client = log_in(client, w["jiaoshi"])
        secondment = own(w, Stint).secondment
        response = client.post(
            "/me/stints/add/",
            {"secondment": secondment.pk, "start": "2024-10-01", "client_key": "k"},
            **QUEUED,
        )
        assert response.status_code == 400
        assert "start" in response.json()["errors"]  # overlaps the stored stint
        assert Stint.objects.filter(secondment=secondment).count() == 1
        # The key was not taken: the corrected form goes through with it.
        response = client.post(
            "/me/stints/add/",
            {"secondment": secondment.pk, "start": "2024-11-01", "client_key": "k"},
            **QUEUED,
        )
        assert response.json()["ok"] is True

    def test_a_confirmed_stint_is_refused(self, client, w):
        client = log_in(client, w["jiaoshi"])
        stint = own(w, Stint)
        assert stint.confirmation == "confirmed"
        before = Stint.objects.filter(pk=stint.pk).values().get()
        assert client.get(f"/me/stints/{stint.pk}/edit/").status_code == 403
        response = client.post(
            f"/me/stints/{stint.pk}/edit/", {"start": "2024-09-01", "end": "2024-12-1"}
        )
        assert response.status_code == 403
        assert client.post(f"/me/stints/{stint.pk}/delete/").status_code == 403
        assert Stint.objects.filter(pk=stint.pk).values().get() == before
        # Nor through the clerks' pages.
        assert client.get(f"/stints/{stint.pk}/edit/").status_code == 403
        assert client.post(f"/stints/{stint.pk}/delete/").status_code == 403
        assert Stint.objects.filter(pk=stint.pk).values().get() == before

    def test_a_sent_back_stint_shows_the_comment_and_is_corrected(self, client, w):
        stint = own(w, Stint)
        Stint.objects.filter(pk=stint.pk).update(
            confirmation="correction", host_comment="10月只到29日"
        )
        client = log_in(client, w["jiaoshi"])
        assert "10月只到29日" in client.get("/me/").content.decode()
        page = client.get(f"/me/stints/{stint.pk}/edit/")
        assert "10月只到29日" in page.content.decode()
        stint.refresh_from_db()
        client.post(
            f"/me/stints/{stint.pk}/edit/",
            {"start": "2024-09-02", "end": "2024-10-29", "version": stint.version},
        )
        stint.refresh_from_db()
        assert (stint.end, stint.confirmation) == (dt.date(2024, 10, 29), "pending")

    def test_an_edit_after_the_host_school_confirmed_is_refused(self, client, w):
        """The form was opened while pending; the host school confirmed meanwhile."""
        stint = own(w, Stint)
        Stint.objects.filter(pk=stint.pk).update(confirmation="pending")
        client = log_in(client, w["jiaoshi"])
        version = (
            client.get(f"/me/stints/{stint.pk}/edit/")
            .context["form"]["version"]
            .value()
        )
        Stint.objects.filter(pk=stint.pk).update(confirmation="confirmed")
        response = client.post(
            f"/me/stints/{stint.pk}/edit/",
            {"start": "2024-09-02", "end": "2024-12-30", "version": version},
        )
        assert response.status_code == 403
        stint.refresh_from_db()
        assert stint.end == dt.date(2024, 10, 30)


# Days on post --------------------------------------------------------------------


def days_inside(start, end, first, last):
    lo, hi = max(start, first), min(end, last)
    return max((hi - lo).days + 1, 0)


def test_days_on_post_per_semester(client, w):
    secondment = own(w, Stint).secondment
    autumn = w["period"]
    spring = ReportingPeriod.objects.create(
        school_year=2024,
        semester="spring",
        start=dt.date(2025, 2, 17),
        end=dt.date(2025, 7, 10),
        deadline=dt.date(2025, 7, 31),
        lock_date=dt.date(2025, 8, 31),
    )
    stints = [
        (dt.date(2024, 9, 2), dt.date(2024, 10, 30), "confirmed"),  # the world's
        (dt.date(2024, 11, 5), dt.date(2024, 11, 20), "pending"),
        (dt.date(2024, 12, 2), dt.date(2024, 12, 6), "correction"),
        (dt.date(2025, 1, 10), dt.date(2025, 3, 1), "confirmed"),
    ]
    for start, end, state in stints[1:]:
        Stint.objects.create(
            secondment=secondment, start=start, end=end, confirmation=state
        )
    expected = {}
    for period in (autumn, spring):
        confirmed = sum(
            days_inside(s, e, period.start, period.end)
            for s, e, state in stints
            if state == "confirmed"
        )
        waiting = sum(
            days_inside(s, e, period.start, period.end)
            for s, e, state in stints
            if state != "confirmed"
        )
        expected[str(period)] = (confirmed, waiting)
    assert expected[str(autumn)] == (59 + 10, 16 + 5)
    assert expected[str(spring)] == (13, 0)

    client = log_in(client, w["jiaoshi"])
    response = client.get("/me/")
    (card,) = response.context["cards"]
    shown = {row.semester.label: (row.confirmed, row.waiting) for row in card.semesters}
    assert shown == expected
    needed = secondment.pairing.programme.min_days_on_post
    assert [row.needed for row in card.semesters] == [needed, needed]
    assert [row.met for row in card.semesters] == [True, False]
    page = response.content.decode()
    assert page.count("data-confirmed-days>69<") == 1
    assert page.count("data-confirmed-days>13<") == 1
    assert 'data-waiting-days="21"' in page
    assert [row.missing for row in card.semesters] == [0, needed - 13]


# Work log and self-appraisal -----------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class TestWorkLog:
    def test_a_log_with_a_photo(self, client, w, settings, tmp_path):
        settings.MEDIA_ROOT = str(tmp_path)
        client = log_in(client, w["jiaoshi"])
        secondment = own(w, Stint).secondment
        response = client.post(
            "/me/log/add/",
            {
                "secondment": secondment.pk,
                "date": "2024-10-08",
                "kind": "daily",
                "taught": "七年级数学 有理数",
                "activities": "参加教研组听课",
                "photos": [SimpleUploadedFile("课堂.png", PNG, "image/png")],
                "client_key": "log-1",
            },
        )
        assert response.status_code == 302
        log = WorkLog.objects.get(secondment=secondment, date=dt.date(2024, 10, 8))
        (photo,) = log.photos.all()
        assert (photo.content_type, photo.original_name) == ("image/png", "课堂.png")
        assert "课堂" not in photo.file.name  # a random name on disk
        served = client.get(f"/me/photos/{photo.pk}/")
        assert served.status_code == 200
        assert b"".join(served.streaming_content) == PNG

    @pytest.mark.parametrize(
        "name, content",
        [("a.gif", b"GIF89a" + b"\x00" * 20), ("a.jpg", b"<script>x</script>")],
    )
    def test_only_jpeg_and_png(self, client, w, name, content):
        client = log_in(client, w["jiaoshi"])
        secondment = own(w, Stint).secondment
        response = client.post(
            "/me/log/add/",
            {
                "secondment": secondment.pk,
                "date": "2024-10-08",
                "kind": "daily",
                "taught": "数学",
                "photos": [SimpleUploadedFile(name, content, "image/jpeg")],
            },
        )
        assert response.status_code == 200
        (error,) = response.context["form"].errors["photos"]
        assert name in error
        assert not WorkLog.objects.filter(date=dt.date(2024, 10, 8)).exists()

    def test_a_photo_over_the_limit(self, client, w, settings):
        settings.DUIKOU_WORK_LOG_PHOTO_MAX_BYTES = 32
        client = log_in(client, w["jiaoshi"])
        response = client.post(
            "/me/log/add/",
            {
                "secondment": own(w, Stint).secondment.pk,
                "date": "2024-10-08",
                "kind": "daily",
                "taught": "数学",
                "photos": [SimpleUploadedFile("a.png", PNG, "image/png")],
            },
        )
        assert response.status_code == 200
        assert "photos" in response.context["form"].errors
        assert not WorkLog.objects.filter(date=dt.date(2024, 10, 8)).exists()

    def test_the_self_appraisal_of_a_year_is_replaced(self, client, w):
        client = log_in(client, w["jiaoshi"])
        secondment = own(w, Stint).secondment
        year = dt.date.today().year
        for text in ("第一稿", "定稿"):
            response = client.post(
                "/me/self-appraisal/",
                {"secondment": secondment.pk, "year": year, "text": text},
            )
            assert response.status_code == 302
        (row,) = SelfAppraisal.objects.filter(secondment=secondment, year=year)
        assert row.text == "定稿"

    def test_a_log_for_someone_elses_secondment_is_refused(self, client, w):
        client = log_in(client, w["jiaoshi"])
        other = own(w, Stint, "in_B1").secondment
        response = client.post(
            "/me/log/add/",
            {"secondment": other.pk, "date": "2024-10-08", "kind": "daily", "t": "x"},
        )
        assert response.status_code == 200
        assert "secondment" in response.context["form"].errors
        assert not WorkLog.objects.filter(secondment=other, date="2024-10-08").exists()
