"""The six demo logins (password demo12345), each with the membership that gives it
a region or school: the province, one city, a county in it, a school in that county
which is a party to several pairings, and the county's inspector."""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from core.models import Membership

from .base import Demo

PASSWORD = "demo12345"
# A fixed salt keeps the stored hash identical from run to run; 24 letters and digits
# carry enough entropy that Django does not re-hash the password at the first login.
SALT = "DuikouDemoSalt2024Fixed0"


def build_users(demo: Demo) -> None:
    user_model = get_user_model()
    regions, show = demo.regions, demo.showcase
    county = regions.counties[show.county]
    city = regions.cities[county.city]
    school = demo.schools.items[show.school].school
    password = make_password(PASSWORD, salt=SALT)
    R = Membership.Role
    specs = [
        ("admin", "王", "建国", R.ADMIN, None, None),
        ("sheng", "李", "明华", R.BUREAU, regions.province, None),
        ("shi", "张", "晓燕", R.BUREAU, city, None),
        ("xian", "刘", "志强", R.BUREAU, county.region, None),
        ("xuexiao", "陈", "丽娟", R.SCHOOL, None, school),
        ("duxue", "赵", "永胜", R.INSPECTOR, county.region, None),
    ]
    user_model.objects.filter(username__in=[s[0] for s in specs]).delete()
    memberships = []
    for username, last, first, role, region, unit in specs:
        user = user_model.objects.create(
            username=username,
            password=password,
            last_name=last,
            first_name=first,
            email=f"{username}@demo.duikou.local",
            # The Django admin is the administrators' tool only.
            is_staff=role == R.ADMIN,
            is_superuser=role == R.ADMIN,
        )
        demo.users[username] = user
        memberships.append(
            Membership(
                user=user,
                role=role,
                region=region,
                school=unit,
                # The provincial and county bureaus manage their users in the demo.
                can_manage_users=username in {"sheng", "xian"},
            )
        )
    demo.writer.save(Membership, memberships)
    demo.writer.line(
        "  演示账号 demo users: admin sheng shi xian xuexiao duxue (密码 password "
        f"{PASSWORD}); 学校 school user xuexiao → {school.name}, 县 county → "
        f"{county.region.name}, 市 city → {city.name}"
    )
