"""A child's photo: only with consent, stored encrypted, served audited and uncached."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from everychild.audit.models import AuditEvent
from everychild.registry.models import Child
from everychild.registry.services import register_child
from everychild.registry.tests.factories import OTHER_COUNTY_VILLAGE, VILLAGE, left_behind
from everychild.registry.updates import record_consent

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def child_and_director(make_actor):
    director = make_actor("child_director", VILLAGE)
    born = date.today().replace(year=date.today().year - 8, month=1, day=1)
    return register_child(director, left_behind(born=born)), director


def _upload(client, child, data=PNG, name="p.png"):
    return client.post(f"/children/{child.pk}/photo/upload/",
                       {"photo": SimpleUploadedFile(name, data, content_type="image/png")})


@pytest.mark.django_db
def test_photo_needs_consent_then_is_stored_encrypted_and_served_audited(client, child_and_director,
                                                                         make_actor):
    child, director = child_and_director
    client.force_login(director.user)
    _upload(client, child)
    assert not Child.objects.get(pk=child.pk).photo  # refused: no consent yet
    record_consent(director, str(child.pk), "photo", "guardian", "王奶奶", date.today(),
                   "photo for the file", "written", "until 18")
    _upload(client, child)
    assert bytes(Child.objects.get(pk=child.pk).photo) == PNG
    with connection.cursor() as cursor:
        cursor.execute("SELECT photo FROM registry_child WHERE id = %s",
                       [child.pk.hex if connection.vendor == "sqlite" else child.pk])
        raw = bytes(cursor.fetchone()[0])
    assert b"PNG" not in raw
    served = client.get(f"/children/{child.pk}/photo/")
    assert served.status_code == 200 and served.content == PNG
    assert served["Content-Type"] == "image/png" and "no-store" in served["Cache-Control"]
    assert AuditEvent.objects.filter(action="child.read", object_id=str(child.pk),
                                     detail__purpose="photo").exists()
    outsider = make_actor("child_director", OTHER_COUNTY_VILLAGE)
    client.force_login(outsider.user)
    assert client.get(f"/children/{child.pk}/photo/").status_code == 404


@pytest.mark.django_db
def test_only_images_are_accepted(client, child_and_director):
    child, director = child_and_director
    record_consent(director, str(child.pk), "photo", "guardian", "王奶奶", date.today(),
                   "photo for the file", "written", "until 18")
    client.force_login(director.user)
    _upload(client, child, data=b"<script>alert(1)</script>", name="x.png")
    assert not Child.objects.get(pk=child.pk).photo
