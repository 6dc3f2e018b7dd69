"""Members with distinctive personal data, so a test can tell whose data ended up where."""

import io

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from kiji.members.models import Profile


def png_upload(name="face.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 120, 40)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def distinct_member(member_factory):
    """`distinct_member(tag)`: a complete member whose every personal value contains `tag`."""

    def make(tag, *, picture=True, consent=False, **profile_values):
        user = member_factory("complete")
        email = f"{tag.lower()}@{tag.lower()}-mail.example"
        EmailAddress.objects.filter(user=user).update(email=email)
        EmailAddress.objects.create(user=user, email=f"{tag.lower()}.second@{tag.lower()}-mail.example")
        user.email = email
        user.first_name, user.last_name = f"{tag}First", f"{tag}Last"
        user.save()
        values = {
            "display_name": f"{tag}表示名",
            "real_name": f"{tag}氏名",
            "company": f"{tag}商事",
            "job_title": f"{tag}部長",
            **profile_values,
        }
        Profile.objects.filter(user=user).update(**values)
        profile = Profile.objects.get(user=user)
        if picture:
            profile.picture.save(f"{tag.lower()}.png", png_upload())
        if consent:
            from kiji.privacy.services import give_consent

            give_consent(user)
        user.refresh_from_db()
        return user

    return make
