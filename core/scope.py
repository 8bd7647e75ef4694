"""The one place that decides what a user may see and change.

Bureau staff and inspectors see their region and everything below it; school staff see
their school, the pairings it is a party to and everything under those pairings, the
secondments from and to it, and its own reports; administrators see everything.
Every list, detail, form choice, autocomplete, export and task goes through
``visible()``; writes go through ``can_create()`` / ``can_change()``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.db.models import Model, Q, QuerySet


@dataclass(frozen=True)
class Scope:
    """What one user may reach, computed once per request from their memberships."""

    user_id: int | None
    is_admin: bool = False
    bureau_paths: tuple[str, ...] = ()
    inspector_paths: tuple[str, ...] = ()
    school_ids: frozenset[int] = frozenset()
    manager_paths: tuple[str, ...] = ()
    # The user's regions include every province in the system (a provincial bureau
    # of a single-province deployment): region rules then filter nothing.
    covers_all_regions: bool = False

    @property
    def region_paths(self) -> tuple[str, ...]:
        return self.bureau_paths + self.inspector_paths

    @property
    def is_empty(self) -> bool:
        return not (self.is_admin or self.region_paths or self.school_ids)

    @property
    def can_write_anything(self) -> bool:
        return self.is_admin or bool(self.bureau_paths or self.school_ids)

    @property
    def top_level(self) -> int | None:
        """The highest level among the user's bureau regions (1 = province)."""
        levels = [path.count("/") for path in self.bureau_paths]
        return min(levels) if levels else None


def scope_of(user) -> Scope:
    """The user's scope, cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope(user_id=None)
    cached = getattr(user, "_duikou_scope", None)
    if cached is not None:
        return cached
    from core.models import Membership

    bureau, inspector, managers, schools = [], [], [], set()
    is_admin = user.is_superuser
    for role, path, school_id, manages in Membership.objects.filter(
        user=user
    ).values_list("role", "region__path", "school_id", "can_manage_users"):
        if role == Membership.Role.ADMIN:
            is_admin = True
        elif role == Membership.Role.BUREAU:
            bureau.append(path)
            if manages:
                managers.append(path)
        elif role == Membership.Role.INSPECTOR:
            inspector.append(path)
        elif role == Membership.Role.SCHOOL:
            schools.add(school_id)
    Region = apps.get_model("pairings.Region")
    paths = [*bureau, *inspector]
    covers_all = (
        bool(paths)
        and not Region.objects.filter(parent__isnull=True)
        .exclude(path__in=paths)
        .exists()
    )
    scope = Scope(
        user_id=user.pk,
        is_admin=is_admin,
        covers_all_regions=covers_all,
        bureau_paths=tuple(sorted(bureau)),
        inspector_paths=tuple(sorted(inspector)),
        school_ids=frozenset(schools),
        manager_paths=tuple(sorted(managers)),
    )
    user._duikou_scope = scope
    return scope


@dataclass(frozen=True)
class Rule:
    """How a model reaches the schools that put it in scope.

    ``via`` are lookups from the model to a School ("" is the school itself); a row is
    in a bureau's scope when one of those schools lies in the bureau's region. School
    staff use ``school_via`` (default: the same lookups) against their own school."""

    via: tuple[str, ...]
    school_via: tuple[str, ...] | None = None


PAIRING = "pairing__parties__school"

RULES: dict[str, Rule] = {
    # A school is also seen through its partners: a pairing in scope shows both sides.
    "pairings.School": Rule(via=("", "parties__pairing__parties__school")),
    "pairings.SchoolNameChange": Rule(via=("school",)),
    "pairings.SchoolRegionChange": Rule(via=("school",)),
    "pairings.SchoolYearProfile": Rule(
        via=("school",),
        school_via=("school", "school__parties__pairing__parties__school"),
    ),
    "pairings.Pairing": Rule(via=("parties__school",)),
    "pairings.PairingParty": Rule(via=(PAIRING,)),
    "pairings.Agreement": Rule(via=(PAIRING,)),
    "pairings.AgreementTarget": Rule(via=(f"agreement__{PAIRING}",)),
    "pairings.PairingAssessment": Rule(via=(PAIRING,)),
    "dispatch.Person": Rule(via=("home_school", f"secondments__{PAIRING}")),
    "dispatch.Secondment": Rule(via=(PAIRING,)),
    "dispatch.Stint": Rule(via=(f"secondment__{PAIRING}",)),
    "dispatch.Appraisal": Rule(via=(f"secondment__{PAIRING}",)),
    "dispatch.Activity": Rule(via=(PAIRING,)),
    "dispatch.TrainingParticipation": Rule(via=(f"activity__{PAIRING}",)),
    "dispatch.BackboneCultivation": Rule(via=(PAIRING,)),
    "projects.AidProject": Rule(via=("receiving_school", PAIRING)),
    "projects.FundingLine": Rule(
        via=(PAIRING, "project__receiving_school", f"project__{PAIRING}")
    ),
    "projects.Donation": Rule(via=("recipient_school", "donor_school", PAIRING)),
    "reporting.SemesterReport": Rule(via=("school",)),
    "reporting.ReportAttachment": Rule(via=("report__school",)),
    "reporting.ReportEvent": Rule(via=("report__school",)),
}

# Models that school staff may write, and how the object reaches their school.
SCHOOL_WRITES: dict[str, tuple[str, ...]] = {
    "pairings.School": ("",),
    "pairings.SchoolYearProfile": ("school",),
    "dispatch.Activity": (PAIRING,),
    "dispatch.TrainingParticipation": (f"activity__{PAIRING}",),
    "dispatch.Stint": (f"secondment__{PAIRING}",),
    "reporting.SemesterReport": ("school",),
    "reporting.ReportAttachment": ("report__school",),
}

# Reference data every signed-in user may read; only administrators (and, for
# periods, the provincial bureau) change it.
SHARED_READ = {"reporting.ReportingPeriod"}


def label(model) -> str:
    return f"{model._meta.app_label}.{model._meta.object_name}"


@cache
def _is_multi_valued(model_label: str, lookup: str) -> bool:
    """Whether a lookup crosses a to-many relation (and so may repeat rows)."""
    model = apps.get_model(model_label)
    for part in filter(None, lookup.split("__")):
        field = model._meta.get_field(part)
        if field.one_to_many or field.many_to_many:
            return True
        model = field.related_model
    return False


PARTIES = "parties__school"


def _pairings_with(school_filter: dict):
    """Subquery: ids of the pairings with a party school matching the filter."""
    PairingParty = apps.get_model("pairings.PairingParty")
    return PairingParty.objects.filter(
        **{f"school__{key}": value for key, value in school_filter.items()}
    ).values("pairing_id")


def _via_q(model, lookup: str, school_filter: dict) -> Q:
    """Rows of ``model`` whose school reached through ``lookup`` matches the filter.

    Lookups through a pairing's parties become a semi-join on pairing ids (a small
    subquery on the parties table), and to-many hops become ``pk IN (subquery)``, so
    rows are never repeated and the outer query stays a cheap filter."""
    if lookup == PARTIES:  # the pairing itself
        return Q(pk__in=_pairings_with(school_filter))
    if lookup.endswith(f"pairing__{PARTIES}"):
        head = lookup[: -len(PARTIES)]  # "pairing__", "secondment__pairing__", ...
        pairing_ids = _pairings_with(school_filter)
        if _is_multi_valued(label(model), head.rstrip("_")):
            rows = model._base_manager.filter(**{f"{head}id__in": pairing_ids})
            return Q(pk__in=rows.values("pk"))
        return Q(**{f"{head}id__in": pairing_ids})
    if not lookup:  # the school itself
        return Q(**school_filter)
    if "pk__in" in school_filter:
        schools = school_filter["pk__in"]
    else:
        # One small subquery of school ids, not a join to schools and regions per
        # lookup (several OR'd joins make the planner scan everything).
        School = apps.get_model("pairings.School")
        schools = School.objects.filter(**school_filter).values("pk")
    if _is_multi_valued(label(model), lookup):
        rows = model._base_manager.filter(**{f"{lookup}__in": schools})
        return Q(pk__in=rows.values("pk"))
    return Q(**{f"{lookup}__in": schools})


def _school_q(model, lookups: tuple[str, ...], school_filter: dict) -> Q:
    q = Q()
    for lookup in lookups:
        q |= _via_q(model, lookup, school_filter)
    return q


def region_q(model, lookups: tuple[str, ...], paths: tuple[str, ...]) -> Q:
    """Rows placed, through ``lookups``, in any of the regions (and below)."""
    q = Q()
    for path in paths:
        q |= _school_q(model, lookups, {"region__path__startswith": path})
    return q


def ancestors(path: str) -> list[str]:
    """ "370000/370100/370102/" -> ["370000/", "370000/370100/"]."""
    parts = path.strip("/").split("/")
    return ["/".join(parts[:i]) + "/" for i in range(1, len(parts))]


def scope_q(model, scope: Scope) -> Q | None:
    """The filter for ``model`` under ``scope``; None means everything."""
    if scope.is_admin:
        return None
    nothing = Q(pk__in=[])
    if scope.is_empty:
        return nothing
    key = label(model)
    if key in SHARED_READ:
        return None
    if key in RULES:
        rule = RULES[key]
        if scope.covers_all_regions:
            return None
        q = region_q(model, rule.via, scope.region_paths)
        if scope.school_ids:
            q |= _school_ids_q(model, rule.school_via or rule.via, scope)
        return q or nothing
    special = _SPECIAL.get(key)
    return special(model, scope) if special else nothing


def _school_ids_q(model, lookups: tuple[str, ...], scope: Scope) -> Q:
    return _school_q(model, lookups, {"pk__in": sorted(scope.school_ids)})


def _region_rule(model, scope: Scope) -> Q:
    q = Q()
    for path in scope.region_paths:
        q |= Q(path__startswith=path) | Q(path__in=ancestors(path))
    if scope.school_ids:
        School = apps.get_model("pairings.School")
        own = School.objects.filter(pk__in=scope.school_ids).values_list(
            "region__path", flat=True
        )
        for path in own:
            q |= Q(path__in=[*ancestors(path), path])
    return q


def _programme_rule(model, scope: Scope) -> Q:
    q = Q()
    for path in scope.region_paths:
        q |= Q(region__path__startswith=path) | Q(region__path__in=ancestors(path))
    Pairing = apps.get_model("pairings.Pairing")
    q |= Q(pk__in=visible(Pairing.objects.all(), scope=scope).values("programme_id"))
    return q


def _export_rule(model, scope: Scope) -> Q:
    return Q(user_id=scope.user_id)


_SPECIAL = {
    "pairings.Region": _region_rule,
    "pairings.Programme": _programme_rule,
    "reporting.ExportJob": _export_rule,
}


def visible(queryset: QuerySet, user=None, *, scope: Scope | None = None) -> QuerySet:
    """Rows of ``queryset`` the user may see."""
    scope = scope if scope is not None else scope_of(user)
    q = scope_q(queryset.model, scope)
    return queryset if q is None else queryset.filter(q)


def in_scope(obj: Model, user=None, *, scope: Scope | None = None) -> bool:
    model = type(obj)
    return visible(model._base_manager.filter(pk=obj.pk), user, scope=scope).exists()


def can_write_model(user, model, *, scope: Scope | None = None) -> bool:
    """Whether the user's role may write this kind of object at all."""
    scope = scope if scope is not None else scope_of(user)
    key = label(model)
    if scope.is_admin:
        return True
    if key == "reporting.ReportingPeriod":
        return scope.top_level == 1
    if key == "reporting.ExportJob":
        return not scope.is_empty
    if scope.bureau_paths and (key in RULES or key == "pairings.Programme"):
        return True
    return bool(scope.school_ids) and key in SCHOOL_WRITES


def can_change(user, obj: Model, *, scope: Scope | None = None) -> bool:
    """Whether the user may change or delete this object."""
    scope = scope if scope is not None else scope_of(user)
    model = type(obj)
    if not can_write_model(user, model, scope=scope):
        return False
    if scope.is_admin:
        return True
    key = label(model)
    if key in SHARED_READ:
        # Reference data the same for every region: the right to write the model
        # (the provincial bureau for periods) is the right to change each row.
        return True
    rows = model._base_manager.filter(pk=obj.pk)
    allowed = Q()
    if scope.bureau_paths:
        if key == "pairings.Programme":
            allowed |= Q(
                pk__in=model._base_manager.filter(
                    _or(Q(region__path__startswith=p) for p in scope.bureau_paths)
                ).values("pk")
            )
        elif key in RULES:
            allowed |= region_q(model, RULES[key].via, scope.bureau_paths)
        else:
            allowed |= scope_q(model, scope) or Q()
    if scope.school_ids and key in SCHOOL_WRITES:
        allowed |= _school_ids_q(model, SCHOOL_WRITES[key], scope)
    if key == "reporting.ExportJob":
        allowed |= Q(user_id=scope.user_id)
    return bool(allowed) and rows.filter(allowed).exists()


def _or(qs) -> Q:
    result = Q()
    for q in qs:
        result |= q
    return result
