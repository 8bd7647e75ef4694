"""The one place that decides what a user may see and change.

Bureau staff and inspectors see their region and everything below it; school staff see
their school, the pairings it is a party to and everything under those pairings, the
secondments from and to it, and its own reports; administrators see everything.
A seconded teacher sees only the records of their own secondments that a model
leads to their account through ``Rule.person_via``, and nothing else.
Every list, detail, form choice, autocomplete, export and task goes through
``visible()``; writes go through ``can_create()`` / ``can_change()``."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache

from django.apps import apps
from django.db import connections, router
from django.db.models import Model, Q, QuerySet
from django.db.models.functions import Substr
from django.db.models.lookups import In


@dataclass(frozen=True)
class Scope:
    """What one user may reach, computed once per request from their memberships."""

    user_id: int | None
    is_admin: bool = False
    bureau_paths: tuple[str, ...] = ()
    inspector_paths: tuple[str, ...] = ()
    school_ids: frozenset[int] = frozenset()
    manager_paths: tuple[str, ...] = ()
    # A seconded teacher: reaches the rows that lead to their own account
    # (``Rule.person_via``), and no others through this role.
    teacher: bool = False
    # The user's regions include every province in the system (a provincial bureau
    # of a single-province deployment): region rules then filter nothing.
    covers_all_regions: bool = False

    @property
    def region_paths(self) -> tuple[str, ...]:
        return self.bureau_paths + self.inspector_paths

    @property
    def is_empty(self) -> bool:
        """No staff role: nothing reached through regions or schools (a seconded
        teacher's scope is empty but for their own rows)."""
        return not (self.is_admin or self.region_paths or self.school_ids)

    @property
    def only_own_records(self) -> bool:
        """A seconded teacher and nothing else: their own secondments are all."""
        return self.teacher and self.is_empty

    @property
    def can_write_anything(self) -> bool:
        return self.is_admin or bool(self.bureau_paths or self.school_ids)

    def reaches(self, path: str) -> bool:
        """Whether the region at ``path`` lies in one of the user's regions (at any
        depth), or the user sees every region."""
        return (
            self.is_admin
            or self.covers_all_regions
            or any(path.startswith(p) for p in self.region_paths)
        )

    def manages(self, path: str) -> bool:
        """Whether the region at ``path`` lies in a region whose users this user
        manages (a bureau user manager's own region, at any depth)."""
        return any(path.startswith(p) for p in self.manager_paths)

    @property
    def top_level(self) -> int | None:
        """The highest level among the user's bureau regions (1 = province)."""
        levels = [path.count("/") for path in self.bureau_paths]
        return min(levels) if levels else None


@dataclass(frozen=True, slots=True)
class Role:
    """One of the user's memberships as the scope and the menu read it."""

    role: str
    can_manage_users: bool
    school_id: int | None
    school_name: str | None
    region_path: str | None
    region_name: str | None
    # Some province lies outside the user's bureau and inspector regions
    # (``Scope.covers_all_regions``); the same on every row.
    misses_a_province: bool

    @property
    def label(self) -> str:
        """ "县（区）教育局 · 历城区": the role and where it holds."""
        from core.models import Membership

        place = self.school_name or self.region_name or ""
        return f"{Membership.Role(self.role).label} · {place}".rstrip(" ·")


def memberships_of(user) -> list[Role]:
    """The user's memberships with their regions and schools, read once per request
    in one statement (the scope and the menu's label of the user's roles use them).
    The statement is written once per process: built through the ORM on every
    request it cost thirty times its execution."""
    cached = getattr(user, "_duikou_memberships", None)
    if cached is not None:
        return cached
    from core.models import Membership

    sql = _memberships_sql()
    regional = (Membership.Role.BUREAU, Membership.Role.INSPECTOR)
    with connections[router.db_for_read(Membership)].cursor() as cursor:
        cursor.execute(sql, [user.pk, *regional, user.pk])
        memberships = [
            Role(role, bool(manages), school, school_name, path, name, bool(misses))
            for role, manages, school, school_name, path, name, misses in cursor
        ]
    user._duikou_memberships = memberships
    return memberships


@cache
def _memberships_sql() -> str:
    from core.models import Membership

    def table(model):
        return quote(model._meta.db_table)

    def column(model, name):
        return quote(model._meta.get_field(name).column)

    quote = connections[router.db_for_read(Membership)].ops.quote_name
    member, region, school = Membership, region_model(), school_model()
    m_region, m_school = column(member, "region"), column(member, "school")
    m_user, m_role = column(member, "user"), column(member, "role")
    path, name = column(region, "path"), column(region, "name")
    r_pk, s_pk, m_pk = (
        quote(model._meta.pk.column) for model in (region, school, member)
    )
    return (
        f"SELECT m.{m_role}, m.{column(member, 'can_manage_users')}, m.{m_school}, "
        f"s.{column(school, 'name')}, r.{path}, r.{name}, "
        f"EXISTS (SELECT 1 FROM {table(region)} p "
        f"WHERE p.{column(region, 'parent')} IS NULL AND p.{path} NOT IN ("
        f"SELECT r2.{path} FROM {table(member)} m2 "
        f"JOIN {table(region)} r2 ON r2.{r_pk} = m2.{m_region} "
        f"WHERE m2.{m_user} = %s AND m2.{m_role} IN (%s, %s))) "
        f"FROM {table(member)} m "
        f"LEFT JOIN {table(region)} r ON r.{r_pk} = m.{m_region} "
        f"LEFT JOIN {table(school)} s ON s.{s_pk} = m.{m_school} "
        f"WHERE m.{m_user} = %s ORDER BY m.{m_pk}"
    )


def scope_of(user) -> Scope:
    """The user's scope, computed once per request (cached on the user object) from
    the memberships, which are read afresh on every request: a changed membership
    takes effect on the user's next request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope(user_id=None)
    cached = getattr(user, "_duikou_scope", None)
    if cached is not None:
        return cached
    from core.models import Membership

    bureau, inspector, managers, schools = [], [], [], set()
    is_admin, teacher = user.is_superuser, False
    memberships = memberships_of(user)
    for membership in memberships:
        role, path = membership.role, membership.region_path
        if role == Membership.Role.ADMIN:
            is_admin = True
        elif role == Membership.Role.BUREAU:
            bureau.append(path)
            if membership.can_manage_users:
                managers.append(path)
        elif role == Membership.Role.INSPECTOR:
            inspector.append(path)
        elif role == Membership.Role.SCHOOL:
            schools.add(membership.school_id)
        elif role == Membership.Role.TEACHER:
            teacher = True
    covers_all = bool(bureau or inspector) and not memberships[0].misses_a_province
    scope = Scope(
        user_id=user.pk,
        is_admin=is_admin,
        covers_all_regions=covers_all,
        bureau_paths=tuple(sorted(bureau)),
        inspector_paths=tuple(sorted(inspector)),
        school_ids=frozenset(schools),
        manager_paths=tuple(sorted(managers)),
        teacher=teacher,
    )
    user._duikou_scope = scope
    return scope


def scope_digest(scope: Scope) -> str:
    """The same text for the same scope in every process (``hash()`` of a string
    differs between processes). Users with the same regions and schools share it:
    cached figures depend on nothing about the user beyond that."""
    return hashlib.sha1(repr(replace(scope, user_id=None)).encode()).hexdigest()


@dataclass(frozen=True)
class Rule:
    """How a model reaches the schools that put it in scope. A model declares it as
    its ``scope_rule`` attribute; this module names no model of its own accord.

    ``via`` are lookups from the model to a school ("" is the school itself); a row
    is in a bureau's scope when one of those schools lies in the bureau's region.
    School staff use ``school_via`` (default: the same lookups) against their own
    school; ``school_writes`` are the lookups through which school staff may write
    the model (None: they may not).

    ``person_via`` are lookups from the model to the user account of the seconded
    teacher it belongs to (none: a teacher sees no row of it); ``person_writes``
    the rows among those the teacher may change or delete (``Q()``: all of them;
    None: they write none, and add none)."""

    via: tuple[str, ...]
    school_via: tuple[str, ...] | None = None
    school_writes: tuple[str, ...] | None = None
    person_via: tuple[str, ...] = ()
    person_writes: Q | None = None


@dataclass(frozen=True)
class Special:
    """A model placed in scope by a filter of its own, not through schools:
    ``see(model, scope)`` the rows the scope may read, ``change(model, scope)`` the
    rows it may change (default: those it sees), ``write(scope)`` whether it may
    write the model at all (default: bureau staff)."""

    see: Callable[[type[Model], Scope], Q]
    change: Callable[[type[Model], Scope], Q] | None = None
    write: Callable[[Scope], bool] | None = None


@dataclass(frozen=True)
class Shared:
    """Reference data every signed-in user reads; ``write(scope)`` says who may
    change it (administrators always)."""

    write: Callable[[Scope], bool] = lambda scope: False


# Lookups from a record under a pairing to the pairing's schools.
PARTIES = "parties__school"
PAIRING = f"pairing__{PARTIES}"


def rule_of(model) -> Rule | Special | Shared | None:
    return getattr(model, "scope_rule", None)


def may_review(user, path: str, *, scope: Scope | None = None) -> bool:
    """Whether the user answers, as bureau staff, for the region at ``path`` (their
    region holds it, at any depth), or is an administrator."""
    scope = scope if scope is not None else scope_of(user)
    return scope.is_admin or any(path.startswith(p) for p in scope.bureau_paths)


def only_own_records(user, *, scope: Scope | None = None) -> bool:
    """Whether the user is a seconded teacher and nothing else: their pages are
    their own secondments (``/me/``), not the clerks' workspace."""
    scope = scope if scope is not None else scope_of(user)
    return scope.only_own_records


def may_manage_account_of(user, obj: Model, *, scope: Scope | None = None) -> bool:
    """Whether the user may open or close the user account that acts for ``obj``
    (a seconded teacher's, for their person record): bureau staff whose region
    holds the record, or an administrator; never school staff."""
    scope = scope if scope is not None else scope_of(user)
    if scope.is_admin:
        return True
    return bool(scope.bureau_paths) and can_change(user, obj, scope=scope)


def is_above(user, path: str, *, scope: Scope | None = None) -> bool:
    """Whether the user is bureau staff of a region strictly above ``path`` (a
    superior bureau), or an administrator."""
    scope = scope if scope is not None else scope_of(user)
    return scope.is_admin or any(
        path.startswith(p) and p != path for p in scope.bureau_paths
    )


def rules() -> dict[str, Rule]:
    """Every model placed in scope through schools, by label."""
    return {
        label(model): model.scope_rule
        for model in apps.get_models()
        if isinstance(rule_of(model), Rule)
    }


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


def _parties_with(model, head: str, school_filter: dict):
    """Subquery: ids of the rows at the end of ``head`` (a pairing) that have a
    party school matching the filter, read from the parties table alone."""
    for part in filter(None, head.split("__")):
        model = model._meta.get_field(part).related_model
    parties = model._meta.get_field(PARTIES.split("__")[0])
    return parties.related_model.objects.filter(
        **{f"school__{key}": value for key, value in school_filter.items()}
    ).values(parties.field.attname)


def _via_q(model, lookup: str, school_filter: dict) -> Q:
    """Rows of ``model`` whose school reached through ``lookup`` matches the filter.

    Lookups through a pairing's parties become a semi-join on pairing ids (a small
    subquery on the parties table), and to-many hops become ``pk IN (subquery)``, so
    rows are never repeated and the outer query stays a cheap filter."""
    if lookup == PARTIES:  # the pairing itself
        return Q(pk__in=_parties_with(model, "", school_filter))
    if lookup.endswith(PAIRING):
        head = lookup[: -len(PARTIES)]  # "pairing__", "secondment__pairing__", ...
        pairing_ids = _parties_with(model, head, school_filter)
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
        schools = school_model().objects.filter(**school_filter).values("pk")
    if _is_multi_valued(label(model), lookup):
        rows = model._base_manager.filter(**{f"{lookup}__in": schools})
        return Q(pk__in=rows.values("pk"))
    return Q(**{f"{lookup}__in": schools})


def _school_q(model, lookups: tuple[str, ...], school_filter: dict) -> Q:
    q = Q()
    for lookup in lookups:
        q |= _via_q(model, lookup, school_filter)
    return q


def under(paths, lookup: str = "region", *, empty: bool = False) -> Q:
    """Rows whose region lies in any of the regions of ``paths`` or below them, at
    any depth: one indexed ``startswith`` on the region path per region. ``lookup``
    leads to the region ("region", "school__region"; "" is the region itself).
    No paths: nothing, or everything with ``empty=True``."""
    field = f"{lookup}__path__startswith" if lookup else "path__startswith"
    q = any_of(Q(**{field: path}) for path in paths)
    if q:
        return q
    return Q() if empty else Q(pk__in=[])


def under_value(expression, paths) -> Q:
    """Rows whose region path, computed by ``expression`` (a school's region as it
    was then, say), lies in any of the regions of ``paths`` or below them: one
    ``substr(path, 1, n) IN (…)`` per path length, which costs the same for ten or
    a thousand regions (an OR of ``LIKE`` per region grows with their number)."""
    by_length: dict[int, list[str]] = {}
    for path in paths:
        by_length.setdefault(len(path), []).append(path)
    if not by_length:
        return Q(pk__in=[])
    return Q(
        *[Q(In(Substr(expression, 1, n), ps)) for n, ps in by_length.items()],
        _connector=Q.OR,
    )


def highest(paths) -> list[str]:
    """The paths that lie inside none of the others (the user's top regions),
    sorted."""
    paths = sorted(set(paths))
    return [p for p in paths if not any(p != o and p.startswith(o) for o in paths)]


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


def person_q(rule, scope: Scope) -> Q:
    """Rows that lead, through the rule's ``person_via``, to the teacher's own
    account: none unless the scope is a teacher's and the rule names the way."""
    if not scope.teacher or not isinstance(rule, Rule) or not rule.person_via:
        return Q(pk__in=[])
    return any_of(Q(**{lookup: scope.user_id}) for lookup in rule.person_via)


def scope_q(model, scope: Scope) -> Q | None:
    """The filter for ``model`` under ``scope``; None means everything."""
    if scope.is_admin:
        return None
    nothing = Q(pk__in=[])
    rule = rule_of(model)
    if scope.is_empty:
        return person_q(rule, scope) if scope.teacher else nothing
    q = _staff_q(model, rule, scope)
    if scope.teacher and q is not None:
        q |= person_q(rule, scope)
    return q


def _staff_q(model, rule, scope: Scope) -> Q | None:
    nothing = Q(pk__in=[])
    if isinstance(rule, Shared):
        return None
    if isinstance(rule, Rule):
        if scope.covers_all_regions:
            return None
        q = region_q(model, rule.via, scope.region_paths)
        if scope.school_ids:
            q |= _school_ids_q(model, rule.school_via or rule.via, scope)
        return q or nothing
    if isinstance(rule, Special):
        return rule.see(model, scope)
    return nothing


def _school_ids_q(model, lookups: tuple[str, ...], scope: Scope) -> Q:
    return _school_q(model, lookups, {"pk__in": sorted(scope.school_ids)})


def school_model():
    """The model users are attached to as school staff (a membership's school)."""
    from core.models import Membership

    return Membership._meta.get_field("school").related_model


def region_model():
    """The model of the regions bureaus answer for (a membership's region)."""
    from core.models import Membership

    return Membership._meta.get_field("region").related_model


def own_rows(model, scope: Scope) -> Q:
    """A Special's rule for a user's own rows (their export jobs)."""
    return Q(user_id=scope.user_id)


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
    if scope.is_admin:
        return True
    rule = rule_of(model)
    if scope.teacher and _person_writes(rule):
        return True
    if isinstance(rule, Shared | Special) and rule.write is not None:
        return rule.write(scope)
    if scope.bureau_paths and isinstance(rule, Rule | Special):
        return True
    return (
        bool(scope.school_ids)
        and isinstance(rule, Rule)
        and rule.school_writes is not None
    )


def can_add_model(user, model, *, scope: Scope | None = None) -> bool:
    """Whether the user may add objects of this kind: may write it, and for school
    staff, through a lookup that names their school from a new object. A model they
    write only as their school itself (``school_writes`` of "") they may change
    (their own school), never add: 学校 → 添加 is not theirs."""
    scope = scope if scope is not None else scope_of(user)
    if not can_write_model(user, model, scope=scope):
        return False
    if scope.is_admin or scope.bureau_paths:
        return True
    rule = rule_of(model)
    if scope.teacher and _person_writes(rule):
        return True
    return not isinstance(rule, Rule) or any(rule.school_writes or ())


def _person_writes(rule) -> bool:
    return (
        isinstance(rule, Rule)
        and bool(rule.person_via)
        and (rule.person_writes is not None)
    )


def can_change(user, obj: Model, *, scope: Scope | None = None) -> bool:
    """Whether the user may change or delete this object."""
    return obj.pk in changeable(user, type(obj), [obj.pk], scope=scope)


def changeable(user, model, pks, *, scope: Scope | None = None) -> set:
    """Of these objects of ``model``, the ones the user may change or delete, in
    one query however many (``can_change`` for many: a bulk writer's check)."""
    pks = set(pks)
    scope = scope if scope is not None else scope_of(user)
    if not can_write_model(user, model, scope=scope):
        return set()
    if scope.is_admin:
        return pks
    rule = rule_of(model)
    if isinstance(rule, Shared):
        # Reference data the same for every region: the right to write the model
        # (the provincial bureau for periods) is the right to change each row.
        return pks
    allowed = Q()
    if isinstance(rule, Special):
        allowed = (rule.change or rule.see)(model, scope)
    elif isinstance(rule, Rule):
        if scope.bureau_paths:
            allowed |= region_q(model, rule.via, scope.bureau_paths)
        if scope.school_ids and rule.school_writes is not None:
            allowed |= _school_ids_q(model, rule.school_writes, scope)
        if scope.teacher and _person_writes(rule):
            allowed |= person_q(rule, scope) & rule.person_writes
    if not allowed:
        return set()
    rows = model._base_manager.filter(pk__in=pks).filter(allowed)
    return set(rows.values_list("pk", flat=True).distinct())


def any_of(qs) -> Q:
    result = Q()
    for q in qs:
        result |= q
    return result
