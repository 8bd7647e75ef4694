"""The human keys of an import row, found within the importing user's scope: a
school by its 学校标识码, its name or a former name; a person by ID number, or by
name and school; a pairing by its name, or by its two schools; a region or a
programme by its code or name.

A key that names something outside the scope reads exactly as one that names
nothing: the row's message does not reveal whether it exists. Every answer is
remembered for the rest of the file."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from core.scope import scope_of, visible
from dispatch.models import Person, Stint
from pairings.models import (
    Pairing,
    PairingParty,
    Programme,
    Region,
    School,
    SchoolNameChange,
)

from .cleaning import Unreadable, text


class Lookups:
    """One import's key resolver (one user, one file)."""

    def __init__(self, user):
        self.user = user
        self.scope = scope_of(user)
        self._schools: dict[str, int] | None = None  # code → id
        self._school_names: dict[str, list[int]] = {}  # name, former name → ids
        self._school_records: dict[int, School] = {}
        self._cache: dict[tuple, object] = {}
        self._people: set[int] = set()
        self._stints: dict[int, list] = {}  # person id → their stints
        # How to forget what rows created: a row rolled back (its savepoint)
        # takes back what it taught the lookups (``checkpoint``, ``rollback_to``).
        self.journal: list = []

    def checkpoint(self) -> int:
        return len(self.journal)

    def settle(self) -> None:
        """A chunk is done: nothing rolls back past here, so the ways to forget
        what its rows taught are dropped. What they taught about people (who was
        found or created, their stints) is dropped too: the database holds it
        now, and the next chunk reads again the people its rows name
        (``prefetch_people``), so a file of 20,000 new people does not keep
        20,000 people, secondments and stints in memory."""
        self.journal.clear()
        self._people.clear()
        self._stints.clear()
        for key in [k for k in self._cache if k[0] in ("person", "person-id")]:
            del self._cache[key]

    def rollback_to(self, position: int) -> None:
        while len(self.journal) > position:
            self.journal.pop()()

    def remember(self, mapping: dict, key, value) -> None:
        """Set ``mapping[key]``, undone by ``rollback_to``."""
        missing = object()
        before = mapping.get(key, missing)
        mapping[key] = value

        def undo():
            if before is missing:
                mapping.pop(key, None)
            else:
                mapping[key] = before

        self.journal.append(undo)

    # Schools: the codes and names of a county's or a province's schools are read
    # once; a school's record only once a row names it (a province has tens of
    # thousands of schools, a file names a few thousand).
    def _load_schools(self):
        schools = visible(School.objects.all(), scope=self.scope)
        by_code, by_name = {}, defaultdict(list)
        for pk, code, name in schools.values_list("pk", "code", "name"):
            by_code[code] = pk
            by_name[text(name)].append(pk)
        former = SchoolNameChange.objects.filter(
            school__in=schools.values("pk")
        ).values_list("school_id", "former_name")
        for pk, former_name in former:
            name = text(former_name)
            if pk not in by_name[name]:
                by_name[name].append(pk)
        self._schools, self._school_names = by_code, dict(by_name)

    def _school_id(self, written: str) -> int:
        if self._schools is None:
            self._load_schools()
        if written in self._schools:
            return self._schools[written]
        found = self._school_names.get(written, [])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise Unreadable(
                _(
                    "%(count)s schools are called “%(name)s”: write the school "
                    "code (学校标识码) instead."
                )
                % {"count": len(found), "name": written}
            )
        raise _no_school(written)

    def school(self, value) -> School:
        written = text(value)
        pk = self._school_id(written)
        if pk not in self._school_records:
            self._read_schools([pk])
        if pk not in self._school_records:  # deleted since the names were read
            raise _no_school(written)
        return self._school_records[pk]

    def prefetch_schools(self, values) -> None:
        """The records of the schools these cells name, in one query (before a
        chunk's rows are read); a cell that names none is left to its row."""
        wanted = set()
        for value in values:
            try:
                wanted.add(self._school_id(text(value)))
            except Unreadable:
                continue
        self._read_schools(wanted - self._school_records.keys())

    def _read_schools(self, pks) -> None:
        # The ids came from the scoped query above: no scope to apply again.
        if pks:
            for school in School.objects.filter(pk__in=pks).select_related("region"):
                self._school_records[school.pk] = school

    def region(self, value) -> Region:
        written = text(value)
        return self._one(
            ("region", written),
            lambda: visible(Region.objects.all(), scope=self.scope).filter(
                Q(code=written) | Q(name=written)
            ),
            lambda: _("No region “%(name)s” in your area.") % {"name": written},
            lambda: (
                _("Several regions are called “%(name)s”: write its code.")
                % {"name": written}
            ),
        )

    def programme(self, value) -> Programme:
        written = text(value)
        return self._one(
            ("programme", written),
            lambda: visible(Programme.objects.all(), scope=self.scope).filter(
                name=written
            ),
            lambda: _("No programme “%(name)s” in your area.") % {"name": written},
            lambda: _("Several programmes are called “%(name)s”.") % {"name": written},
        )

    def person(self, *, name="", id_number="", school: School | None = None) -> Person:
        """By ID number when given; otherwise by name within the school (the
        query is made only for a key not read before)."""

        def people():
            return visible(Person.objects.all(), scope=self.scope)

        if id_number:
            written = text(id_number).upper()
            return self._one(
                ("person-id", written),
                lambda: people().filter(id_number=written),
                lambda: _("No person with this ID number in your area."),
                lambda: _("Several people have this ID number."),
            )
        written = text(name)

        def found():
            named = people().filter(name=written)
            return named if school is None else named.filter(home_school=school)

        return self._one(
            ("person", written, getattr(school, "pk", None)),
            found,
            lambda: _("No person “%(name)s” in your area.") % {"name": written},
            lambda: (
                _(
                    "Several people called “%(name)s” work at this school: give "
                    "their ID number."
                )
                % {"name": written}
            ),
        )

    def prefetch_people(self, *, id_numbers=(), named=()) -> None:
        """Read the people a chunk of rows names in one query: by ID number, and
        by (name, school); what is not found is remembered as not found."""
        ids = {text(i).upper() for i in id_numbers if i}
        ids = {i for i in ids if ("person-id", i) not in self._cache}
        pairs = {(text(n), s.pk) for n, s in named if n and s is not None}
        pairs = {p for p in pairs if ("person", *p) not in self._cache}
        if not ids and not pairs:
            return
        wanted = Q(id_number__in=ids) | Q(
            name__in={n for n, _s in pairs},
            home_school_id__in={s for _n, s in pairs},
        )
        for i in ids:
            self._cache[("person-id", i)] = []
        for pair in pairs:
            self._cache[("person", *pair)] = []
        for person in visible(Person.objects.filter(wanted), scope=self.scope):
            self._people.add(person.pk)
            if person.id_number in ids:
                self._cache[("person-id", person.id_number)].append(person)
            key = ("person", person.name, person.home_school_id)
            if key[1:] in pairs:
                self._cache[key].append(person)

    def prefetch_stints(self, people) -> None:
        """The stored stints of these people (what the stint rule compares a new
        stint with), in one query for those not read yet."""
        wanted = [pk for pk in people if pk not in self._stints]
        for pk in wanted:
            self._stints[pk] = []
        if not wanted:
            return
        for stint in Stint.objects.filter(
            secondment__person_id__in=wanted
        ).select_related("secondment__host_school"):
            self._stints[stint.secondment.person_id].append(stint)

    def stints_of(self, person_id: int) -> list | None:
        """The person's stints as stored and as this import added them; None when
        they were not read (the stint rule then reads them)."""
        return self._stints.get(person_id)

    def add_stint(self, person_id: int, stint) -> None:
        """A stint a row created, for the rule's next check of the person."""
        if person_id in self._stints:
            self.remember(self._stints, person_id, [*self._stints[person_id], stint])

    def people_known(self) -> set[int]:
        """The ids of the people read or created so far."""
        return self._people

    def remember_person(self, person: Person) -> None:
        """A person a row created: the next rows find them. A person queued for
        insertion (no id yet) is found by their keys, and known by id once
        inserted (``person_inserted``)."""
        if person.pk is not None:
            self.person_inserted(person)
        if person.id_number:
            self.remember(self._cache, ("person-id", person.id_number), [person])
        key = ("person", person.name, person.home_school_id)
        self.remember(self._cache, key, [*self._cache.get(key, []), person])

    def person_inserted(self, person: Person) -> None:
        """A person a row created, now with their id."""
        if person.pk not in self._people:
            pk = person.pk
            self._people.add(pk)
            self.journal.append(lambda: self._people.discard(pk))
            # Created by the row: no stint stored yet.
            self.remember(self._stints, pk, [])

    def pairing(
        self,
        *,
        name="",
        schools: tuple[School, School] | None = None,
        programme: Programme | None = None,
        on=None,
    ) -> Pairing:
        """By name, or by a supporting and a receiving school (either order), or
        by both when the name alone is not enough, within a programme when one is
        given; of several, the one whose dates hold ``on``."""
        written = text(name)
        first, second = schools if schools and all(schools) else (None, None)
        if not written and first is not None and first.pk == second.pk:
            raise Unreadable(
                _(
                    "Both schools are “%(school)s”: a pairing joins two different "
                    "schools."
                )
                % {"school": first.name}
            )
        key = (
            "pairing",
            written,
            getattr(first, "pk", None),
            getattr(second, "pk", None),
            getattr(programme, "pk", None),
        )
        if key not in self._cache:
            if written or first is not None:
                self._find_pairings({key: (written, first, second, programme)})
            else:  # neither named: the one pairing in the scope (and programme)
                found = visible(Pairing.objects.all(), scope=self.scope)
                if programme is not None:
                    found = found.filter(programme=programme)
                self._cache[key] = list(
                    found.order_by("-start_date").prefetch_related("parties")[:5]
                )
        found = self._cache[key]
        if len(found) > 1 and on is not None:
            holding = [p for p in found if p.start_date <= on <= p.end_date]
            found = holding or found
        if len(found) == 1:
            return found[0]
        names = {
            "name": written,
            "a": getattr(first, "name", ""),
            "b": getattr(second, "name", ""),
        }
        if not found:
            if written:
                raise Unreadable(_("No pairing “%(name)s” in your area.") % names)
            raise Unreadable(_("%(a)s and %(b)s are not paired in your area.") % names)
        if written:
            raise Unreadable(
                _(
                    "Several pairings are called “%(name)s”: give its supporting and "
                    "receiving schools too."
                )
                % names
            )
        raise Unreadable(
            _(
                "%(a)s and %(b)s are paired more than once: write the pairing's "
                "name or its programme in their columns."
            )
            % names
        )

    def prefetch_pairings(self, wanted) -> None:
        """Read the pairings a chunk of rows names, each as (name, (school,
        school), programme or None), in one query with their parties
        (``pairing`` then finds them without asking)."""
        keys = {}
        for name, schools, programme in wanted:
            written = text(name)
            first, second = schools if schools and all(schools) else (None, None)
            key = ("pairing", written, getattr(first, "pk", None))
            key += (getattr(second, "pk", None), getattr(programme, "pk", None))
            if (written or first is not None) and key not in self._cache:
                keys[key] = (written, first, second, programme)
        if keys:
            self._find_pairings(keys)

    def _find_pairings(self, keys: dict) -> None:
        """For each key, (name, school, school, programme), the pairings in the
        scope of that name (if given) holding both schools (if given) within the
        programme (if given), the latest first, at most five; all keys in one
        query, each pairing with its parties (a row's secondment is checked
        against them)."""
        names = {w for w, _a, _b, _p in keys.values() if w}
        pairs = {(a.pk, b.pk) for _w, a, b, _p in keys.values() if a is not None}
        # The pairings holding both schools of a pair, found from the parties
        # (light rows), so that only those are read with their parties.
        schools_of: dict[int, set[int]] = defaultdict(set)
        for pairing_id, school_id in PairingParty.objects.filter(
            school_id__in={pk for pair in pairs for pk in pair}
        ).values_list("pairing_id", "school_id"):
            schools_of[pairing_id].add(school_id)
        both = [
            pairing_id
            for pairing_id, held in schools_of.items()
            if any((a, b) in pairs for a in held for b in held)
        ]
        candidates = list(
            visible(Pairing.objects.all(), scope=self.scope)
            .filter(Q(name__in=names) | Q(pk__in=both))
            .order_by("-start_date")
            .prefetch_related("parties")
        )
        # Each candidate under its name and under each pair of its schools, in
        # the candidates' order: a key looks only at those that may match.
        holding: dict[str | tuple[int, int], list[Pairing]] = defaultdict(list)
        for pairing in candidates:
            holding[pairing.name].append(pairing)
            held = {party.school_id for party in pairing.parties.all()}
            for a in held:
                for b in held:
                    holding[(a, b)].append(pairing)
        for key, (written, first, second, programme) in keys.items():
            found = []
            pool = holding.get(
                (first.pk, second.pk) if first is not None else written, ()
            )
            for pairing in pool:
                if written and pairing.name != written:
                    continue
                if programme is not None and pairing.programme_id != programme.pk:
                    continue
                found.append(pairing)
            self._cache[key] = found[:5]

    def _one(
        self,
        cache_key,
        queryset: Callable[[], QuerySet],
        missing: Callable[[], str],
        several: Callable[[], str],
    ):
        """The one record of the queryset ``queryset()`` makes, remembered under
        ``cache_key``; the messages ``missing()`` and ``several()`` are made only
        when one is said (a row of a ledger asks thousands of times)."""
        if cache_key not in self._cache:
            self._cache[cache_key] = list(queryset()[:2])
        found = self._cache[cache_key]
        if not found:
            raise Unreadable(missing())
        if len(found) > 1:
            raise Unreadable(several())
        return found[0]

    def forget_pairings(self) -> None:
        """After a row creates a pairing, the next rows find it."""
        for key in [k for k in self._cache if k[0] == "pairing"]:
            del self._cache[key]


def _no_school(written: str) -> Unreadable:
    return Unreadable(
        _("No school “%(name)s” in your area: check the name or the school code.")
        % {"name": written}
    )
