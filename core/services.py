"""Users and memberships, managed in the browser by administrators and by bureau staff
who manage users, each within their own region."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.utils.translation import gettext as _

from .models import Membership
from .scope import Scope, under

User = get_user_model()


def can_grant(
    scope: Scope, *, role: str, region: Model | None, school: Model | None
) -> bool:
    """Whether a user with ``scope`` may give someone this membership: administrators
    anything; a bureau user manager only bureau, inspector and school memberships
    inside the region they manage, never administrator."""
    if scope.is_admin:
        return True
    if role == Membership.Role.ADMIN or not scope.manager_paths:
        return False
    if role == Membership.Role.SCHOOL:
        path = school.region.path if school else None
    else:
        path = region.path if region else None
    return path is not None and scope.manages(path)


def _inside(scope: Scope) -> Q:
    """Memberships that lie in a region the user manages."""
    paths = scope.manager_paths
    return (under(paths) & Q(role__in=["bureau", "inspector"])) | (
        under(paths, "school__region") & Q(role="school")
    )


def manageable_users(scope: Scope):
    """The accounts a user may manage: everyone for administrators; for a bureau user
    manager, the accounts all of whose memberships lie in the managed region."""
    users = User.objects.all()
    if scope.is_admin:
        return users
    if not scope.manager_paths:
        return users.none()
    inside = _inside(scope)
    return (
        users.filter(pk__in=Membership.objects.filter(inside).values("user_id"))
        .exclude(pk__in=Membership.objects.exclude(inside).values("user_id"))
        .exclude(is_superuser=True)
    )


def _check_membership(role, region, school):
    membership = Membership(role=role, region=region, school=school)
    membership.full_clean(exclude=["user"])


@transaction.atomic
def user_create(
    *,
    scope: Scope,
    username: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    role: str,
    region: Model | None = None,
    school: Model | None = None,
    can_manage_users: bool = False,
):
    """Create an account with its first membership."""
    if not can_grant(scope, role=role, region=region, school=school):
        raise PermissionDenied(_("You may not create users for this unit."))
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is already taken.")})
    user = User(
        username=username, first_name=first_name, last_name=last_name, email=email
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    _check_membership(role, region, school)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    membership_add(
        scope=scope,
        user=user,
        role=role,
        region=region,
        school=school,
        can_manage_users=can_manage_users,
    )
    return user


@transaction.atomic
def membership_add(
    *,
    scope: Scope,
    user,
    role: str,
    region: Model | None = None,
    school: Model | None = None,
    can_manage_users: bool = False,
) -> Membership:
    if not can_grant(scope, role=role, region=region, school=school):
        raise PermissionDenied(_("You may not grant this membership."))
    if role != Membership.Role.BUREAU:
        can_manage_users = False
    membership = Membership(
        user=user,
        role=role,
        region=region,
        school=school,
        can_manage_users=can_manage_users,
    )
    membership.full_clean()
    membership.save()
    if role == Membership.Role.ADMIN and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return membership


@transaction.atomic
def membership_remove(*, scope: Scope, membership: Membership) -> None:
    if not can_grant(
        scope, role=membership.role, region=membership.region, school=membership.school
    ):
        raise PermissionDenied(_("You may not remove this membership."))
    user = membership.user
    membership.delete()
    is_admin = user.memberships.filter(role=Membership.Role.ADMIN).exists()
    if user.is_staff and not is_admin and not user.is_superuser:
        user.is_staff = False
        user.save(update_fields=["is_staff"])


@transaction.atomic
def user_update(
    *, scope: Scope, user, first_name: str, last_name: str, email: str, is_active: bool
):
    if not manageable_users(scope).filter(pk=user.pk).exists():
        raise PermissionDenied(_("You may not change this user."))
    user.first_name, user.last_name, user.email = first_name, last_name, email
    user.is_active = is_active
    user.full_clean(exclude=["password"])
    user.save()
    return user
