"""The seconded teacher's work log and self-appraisals, read by everyone whose data
scope covers the secondment: the latest entries on the secondment's page, all of
them on its work log page, with their photos; out of scope is 404; the queries do
not grow with entries or photos."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dispatch import work_log
from dispatch.models import SelfAppraisal, WorkLog, WorkLogPhoto

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def secondment_of(w, name="in_A1"):
    return w[name][WorkLog].secondment


def pages(secondment):
    return f"/secondments/{secondment.pk}/", f"/secondments/{secondment.pk}/work-log/"


def more_entries(secondment, count, photos=0, start=dt.date(2024, 10, 1)):
    """``count`` entries a day apart from ``start``, each with ``photos``."""
    logs = WorkLog.objects.bulk_create(
        WorkLog(
            secondment=secondment,
            date=start + dt.timedelta(days=i),
            kind="daily",
            taught=f"第{i + 1}课",
        )
        for i in range(count)
    )
    WorkLogPhoto.objects.bulk_create(
        WorkLogPhoto(
            work_log=log,
            file=f"worklogs/{secondment.pk}/{log.pk}-{n}.png",
            original_name=f"{n}.png",
            content_type="image/png",
            size=10,
        )
        for log in logs
        for n in range(photos)
    )
    return logs


@pytest.mark.parametrize("role", ["xian", "shi", "duxue", "xuexiao", "admin"])
def test_whoever_the_secondment_is_in_scope_for_reads_them(client, w, role):
    secondment = secondment_of(w)
    photo = w["in_A1"][WorkLogPhoto]
    client.force_login(w[role])
    for url in pages(secondment):
        page = client.get(url).content.decode()
        assert "A1七年级数学" in page, url
        assert "A1一学期的自我鉴定" in page, url
        # The small copy in the page, the photo itself behind it.
        assert f'src="/work-log-photos/{photo.pk}/?size=small"' in page, url
        assert f'href="/work-log-photos/{photo.pk}/"' in page, url
        # Read-only: nothing to change them from here.
        assert "/me/" not in page.replace('href="/me/"', ""), url
    assert client.post(pages(secondment)[1]).status_code == 405


def test_the_photo_is_served_to_the_host_school(client, w, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    photo = w["in_A1"][WorkLogPhoto]
    photo.content_type = "image/png"
    photo.file.save("x.png", ContentFile(PNG), save=True)
    client.force_login(w["xuexiao"])
    served = client.get(f"/work-log-photos/{photo.pk}/")
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == PNG


def test_the_page_shows_a_small_copy_of_a_phone_photo(client, w, settings, tmp_path):
    """A phone's photo (here 3000 × 2000, taken upright: EXIF orientation 6) is
    shown as a JPEG of at most 640 pixels a side, turned as the phone took it,
    made once and kept beside the photo; the photo itself is served whole."""
    import io

    from PIL import Image

    settings.MEDIA_ROOT = str(tmp_path)
    big = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to show
    Image.new("RGB", (3000, 2000), (200, 30, 30)).save(big, "JPEG", exif=exif)
    photo = w["in_A1"][WorkLogPhoto]
    photo.content_type = "image/jpeg"
    photo.file.save("x.jpg", ContentFile(big.getvalue()), save=True)
    client.force_login(w["xian"])
    small = client.get(f"/work-log-photos/{photo.pk}/?size=small")
    assert small.status_code == 200
    assert small.headers["Content-Type"] == "image/jpeg"
    data = b"".join(small.streaming_content)
    assert Image.open(io.BytesIO(data)).size == (427, 640)  # upright, 2000:3000
    assert len(data) < len(big.getvalue()) / 5
    kept = f"{photo.file.name}.small.jpg"
    assert photo.file.storage.exists(kept)
    whole = client.get(f"/work-log-photos/{photo.pk}/")
    assert b"".join(whole.streaming_content) == big.getvalue()
    # Asked again: the kept copy, not a new one.
    before = photo.file.storage.get_modified_time(kept)
    again = client.get(f"/work-log-photos/{photo.pk}/?size=small")
    assert b"".join(again.streaming_content) == data
    assert photo.file.storage.get_modified_time(kept) == before
    # The teacher's own page asks for the same copy.
    client.force_login(w["jiaoshi"])
    assert f"/me/photos/{photo.pk}/?size=small" in client.get("/me/").content.decode()


def test_a_transparent_png_gets_a_white_small_copy(client, w, settings, tmp_path):
    import io

    from PIL import Image

    settings.MEDIA_ROOT = str(tmp_path)
    png = io.BytesIO()
    Image.new("RGBA", (800, 800), (0, 0, 0, 0)).save(png, "PNG")
    photo = w["in_A1"][WorkLogPhoto]
    photo.content_type = "image/png"
    photo.file.save("x.png", ContentFile(png.getvalue()), save=True)
    client.force_login(w["xian"])
    small = client.get(f"/work-log-photos/{photo.pk}/?size=small")
    image = Image.open(io.BytesIO(b"".join(small.streaming_content)))
    assert image.size == (640, 640)
    assert min(image.getpixel((320, 320))) > 250  # white, not black


def test_a_photo_that_is_not_an_image_inside_is_served_as_it_is(
    client, w, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    photo = w["in_A1"][WorkLogPhoto]
    photo.content_type = "image/png"
    photo.file.save("x.png", ContentFile(PNG), save=True)  # a PNG header, no image
    client.force_login(w["xian"])
    served = client.get(f"/work-log-photos/{photo.pk}/?size=small")
    assert served.headers["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == PNG


@pytest.mark.parametrize("role", ["xian_b1", "xian_l", "school_b1"])
def test_another_county_or_school_gets_404(client, w, role):
    secondment = secondment_of(w)
    client.force_login(w[role])
    for url in pages(secondment):
        assert client.get(url).status_code == 404, url
    photo = w["in_A1"][WorkLogPhoto]
    assert client.get(f"/work-log-photos/{photo.pk}/").status_code == 404
    assert client.get(f"/work-log-photos/{photo.pk}/?size=small").status_code == 404


def test_the_teacher_still_reads_only_their_own(client, w):
    client.force_login(w["jiaoshi"])
    own_page = client.get(pages(secondment_of(w))[1]).content.decode()
    assert "A1七年级数学" in own_page
    assert "B1七年级数学" not in own_page
    for url in pages(secondment_of(w, "in_B1")):
        assert client.get(url).status_code == 404, url
    other = w["in_B1"][WorkLogPhoto]
    assert client.get(f"/work-log-photos/{other.pk}/").status_code == 404


def test_the_latest_first_a_few_on_the_secondments_page(client, w):
    secondment = secondment_of(w)
    more_entries(secondment, 7)  # 2024-10-01 .. 10-07, after the world's 09-06
    SelfAppraisal.objects.create(secondment=secondment, year=2025, text="第二年的鉴定")
    client.force_login(w["xian"])
    detail = client.get(pages(secondment)[0])
    shown = [log.taught for log in detail.context["work_logs"]]
    assert shown == ["第7课", "第6课", "第5课", "第4课", "第3课"]
    assert detail.context["work_log_count"] == 8
    assert "共 8 条，这里显示最近几条。" in detail.content.decode()
    years = [a.year for a in detail.context["self_appraisals"]]
    assert years == [2025, 2024]


def test_the_work_log_page_has_every_entry_a_page_at_a_time(client, w, monkeypatch):
    monkeypatch.setattr(work_log, "PER_PAGE", 3)
    secondment = secondment_of(w)
    more_entries(secondment, 4)
    client.force_login(w["xuexiao"])
    url = pages(secondment)[1]
    first = [log.taught for log in client.get(url).context["work_logs"]]
    second = [log.taught for log in client.get(f"{url}?page=2").context["work_logs"]]
    assert first == ["第4课", "第3课", "第2课"]
    assert second == ["第1课", "A1七年级数学"]


@pytest.mark.parametrize("page", [0, 1], ids=["secondment page", "work log page"])
def test_queries_do_not_grow_with_entries_or_photos(
    client, w, django_assert_max_num_queries, page
):
    # More entries than the secondment's page shows, then five times as many
    # with three times the photos.
    secondment = secondment_of(w)
    more_entries(secondment, 6, photos=1)
    url = pages(secondment)[page]
    client.force_login(w["xian"])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    more_entries(secondment, 30, photos=3, start=dt.date(2024, 11, 1))
    SelfAppraisal.objects.create(secondment=secondment, year=2025, text="第二年")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page_ = client.get(url)
    assert page_.content.decode().count('class="photo-thumb') >= 15
