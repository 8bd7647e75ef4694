"""The importable record types. Headers are the file's own words (Chinese, as the
clerk's ledgers and the official forms write them): the template, the import and
the list export share them, whatever the page's language.

Each type saves through the page's form (pairings, schools, persons, secondments,
activities, aid projects, funding lines, donations) or, where the page has no form
of its own (school-year profiles, backbone cultivations), through a model form
whose ``full_clean`` applies the model's constraints: every rule is the one the
domain apps already apply."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from core.choices import Direction, Side
from core.forms import ScopedModelForm
from dispatch import services as dispatch_services
from dispatch.filtersets import ActivityFilterSet, PersonFilterSet, SecondmentFilterSet
from dispatch.forms import ActivityForm, PersonForm, SecondmentForm
from dispatch.models import Activity, BackboneCultivation, Person, Secondment
from pairings.filtersets import PairingFilterSet, SchoolFilterSet
from pairings.forms import PairingForm, SchoolForm
from pairings.models import Pairing, School, SchoolYearProfile
from projects.filtersets import (
    AidProjectFilterSet,
    DonationFilterSet,
    FundingLineFilterSet,
)
from projects.forms import AidProjectForm, DonationForm, FundingLineForm
from projects.models import AidProject, Donation, FundingLine

from . import cleaning
from .cleaning import Unreadable
from .records import (
    Column,
    Outcome,
    RecordType,
    Row,
    choice_labels,
    read_bool,
    read_choice,
    read_code,
    read_date,
    read_decimal,
    read_int,
    read_money,
    read_programme,
    read_region,
    read_school,
    read_schools,
    read_text,
    shown,
    shown_choice,
)

REGISTRY: dict[str, type[RecordType]] = {}


def register(cls):
    REGISTRY[cls.slug] = cls
    return cls


def col(model, name: str, header: str, **options) -> Column:
    """A column for a model field: its reader, its shown value, its dropdown and
    its cell format follow from the field."""
    f = model._meta.get_field(name)
    reader, show, extra = read_text, shown(name), {}
    if f.choices:
        reader, show = read_choice(f.choices), shown_choice(name)
        extra["choices"] = choice_labels(f.choices)
    elif isinstance(f, models.ForeignKey):
        target = f.related_model._meta.model_name
        reader = {"school": read_school, "region": read_region}.get(target)
        if target == "programme":
            reader = read_programme
        show = shown(f"{name}.name")
    elif isinstance(f, models.DateField):
        reader, extra["number_format"] = read_date, "yyyy-mm-dd"
    elif isinstance(f, models.BooleanField):
        reader, extra["choices"] = read_bool, ("是", "否")
    elif isinstance(f, models.DecimalField):
        reader, extra["number_format"] = read_decimal, "0.00"
    elif isinstance(f, models.PositiveIntegerField | models.PositiveSmallIntegerField):
        reader, extra["number_format"] = read_int, "0"
    if not options.get("required", True) or f.blank or f.has_default():
        extra.setdefault("required", False)
    else:
        extra.setdefault("required", True)
    if "required" in options:
        extra["required"] = options.pop("required")
    options.setdefault("read", reader)
    options.setdefault("show", show)
    return Column(name, header, **{**extra, **options})


def yuan(name: str, header: str) -> Column:
    """An amount in yuan without an approximation of its own (a project's budget):
    read as clerks write money, 30万 included."""
    return Column(
        name,
        f"{header}（元）",
        read=lambda cell, context: read_money(cell, context)[0],
        show=shown(name),
        aliases=(header,),
        number_format="#,##0.00",
        width=14,
        money=True,
    )


# The pairing a record belongs to: by its name, or by its two schools.
PAIRING_COLUMNS = [
    Column(
        "pairing_name",
        "结对名称",
        read=read_text,
        show=shown("pairing.name"),
        note="结对的名称；留空时按支援学校和受援学校查找。",
        width=24,
    ),
    *(
        Column(
            name,
            header,
            read=read_school,
            show=lambda obj, side=side: _party(obj, side),
            note="学校名称或学校标识码。",
            width=20,
        )
        for name, header, side in (
            ("pair_supporting", "支援学校", Side.SUPPORTING),
            ("pair_receiving", "受援学校", Side.RECEIVING),
        )
    ),
    Column(
        "pair_programme",
        "帮扶计划",
        read=read_programme,
        show=shown("pairing.programme.name"),
        note="两校在不同帮扶计划中都有结对时填写，区分是哪一个。",
        width=20,
    ),
]


def _party(obj, side) -> str:
    pairing = getattr(obj, "pairing", None)
    if pairing is None:
        return ""
    return next((p.school.name for p in pairing.parties.all() if p.side == side), "")


class PairedType(RecordType):
    """A record of one pairing; the pairing is found by name or by its schools."""

    pairing_required = True
    RECEIVER = ("receiving_school", "recipient_school")

    def find_pairing(self, row: Row, on=None):
        values = row.values
        name = values.get("pairing_name", "")
        schools = (values.get("pair_supporting"), values.get("pair_receiving"))
        if name or all(schools):
            return self.lookups.pairing(
                name=name,
                schools=schools,
                programme=values.get("pair_programme"),
                on=on,
            )
        if self.pairing_required:
            raise Unreadable(
                _("Name the pairing, or its supporting and receiving schools.")
            )
        return None

    def prepare(self, rows):
        """The pairings the chunk's rows name, in one query."""
        self.lookups.prefetch_pairings(
            (
                r.values.get("pairing_name", ""),
                (r.values.get("pair_supporting"), r.values.get("pair_receiving")),
                r.values.get("pair_programme"),
            )
            for r in rows
        )

    def pairing_of(self, row: Row, on=None):
        try:
            return self.find_pairing(row, on=on)
        except Unreadable as problem:
            column = "pairing_name" if row.values.get("pairing_name") else ""
            row.error(column, str(problem))
            return None

    def form_values(self, row: Row) -> dict:
        values = super().form_values(row)
        for name in (
            "pairing_name",
            "pair_supporting",
            "pair_receiving",
            "pair_programme",
        ):
            values.pop(name, None)
        pairing = values["pairing"] = row.values.get("pairing")
        # The school that receives, left empty: the pairing's one receiving school.
        for name in self.RECEIVER:
            if name in self.form_class.base_fields and not values.get(name) and pairing:
                receiving = [
                    p for p in pairing.parties.all() if p.side == Side.RECEIVING
                ]
                if len(receiving) == 1:
                    values[name] = receiving[0].school
        return values

    def save(self, row: Row) -> Outcome:
        pairing = self.pairing_of(row, on=self.date_of(row))
        if row.errors:
            return Outcome(Outcome.ERROR)
        row.values["pairing"] = pairing
        return super().save(row)

    def date_of(self, row: Row):
        return None

    @classmethod
    def queryset(cls, user):
        return super().queryset(user).prefetch_related("pairing__parties__school")


@register
class SchoolType(RecordType):
    slug = "schools"
    title = "学校及学年概况"
    filterset = SchoolFilterSet
    model = School
    form_class = SchoolForm
    columns = [
        col(School, "code", "学校标识码", read=read_code, note="10 位数字。", width=14),
        col(School, "name", "学校名称", width=24),
        col(
            School,
            "region",
            "所属区域",
            note="区县或乡镇的名称或行政区划代码。",
            width=14,
        ),
        col(School, "stage", "学段"),
        col(School, "ownership", "办学性质"),
        col(School, "locality", "城乡类别"),
        col(School, "is_weak", "薄弱学校"),
        col(School, "is_poor_village", "贫困村学校"),
        col(School, "is_model", "示范学校"),
        col(School, "address", "地址", width=24),
        Column(
            "school_year",
            "学年",
            read=read_int,
            note=(
                "学年的起始年份，如 2024 表示 2024—2025 学年；"
                "填写后本行的概况数字记入该学年。"
            ),
            number_format="0",
            width=8,
        ),
    ] + [
        col(SchoolYearProfile, name, header, required=False)
        for name, header in [
            ("classes", "班级数"),
            ("students_preschool", "在园幼儿数"),
            ("students_primary", "小学生数"),
            ("students_junior", "初中生数"),
            ("students_senior", "高中生数"),
            ("teachers", "教职工数"),
            ("full_time_teachers", "专任教师数"),
            ("subject_teachers", "学科教师数"),
            ("senior_titles", "高级职称人数"),
            ("intermediate_titles", "中级职称人数"),
            ("backbone_teachers", "骨干教师数"),
        ]
    ]
    PROFILE = [
        "classes",
        "students_preschool",
        "students_primary",
        "students_junior",
        "students_senior",
        "teachers",
        "full_time_teachers",
        "subject_teachers",
        "senior_titles",
        "intermediate_titles",
        "backbone_teachers",
    ]

    def natural(self, row):
        code = row.values.get("code")
        if code:
            # Within the scope only: a code elsewhere is refused by the form's
            # uniqueness check, in words that name no school.
            return self.queryset(self.user).filter(code=code).first()
        return None

    def form_values(self, row):
        values = super().form_values(row)
        for name in ["school_year", *self.PROFILE]:
            values.pop(name, None)
        return values

    def save(self, row):
        profile = {n: row.values[n] for n in self.PROFILE if n in row.values}
        if profile and not row.values.get("school_year"):
            row.error("school_year", _("Give the school year of these figures."))
            return Outcome(Outcome.ERROR)
        school = self.stored(row)
        values = self.form_values(row)
        if row.errors:
            return Outcome(Outcome.ERROR)
        outcome = self.save_form(row, school, values)
        if outcome.status == Outcome.ERROR or not row.values.get("school_year"):
            return outcome
        school = outcome.written[0][0] if outcome.written else school
        stored = SchoolYearProfile.objects.filter(
            school=school, school_year=row.values["school_year"]
        ).first()
        values = {"school": school, "school_year": row.values["school_year"], **profile}
        more = self.save_form(row, stored, values, form_class=ProfileForm)
        if more.status == Outcome.ERROR:
            return more
        return _merge(outcome, more)

    @classmethod
    def queryset(cls, user):
        return super().queryset(user).select_related("region")


class ProfileForm(ScopedModelForm):
    """A school's figures for one school year; the model's constraints are the
    rules (the admin's inline applies the same ones)."""

    class Meta:
        model = SchoolYearProfile
        fields = "__all__"


def _merge(main: Outcome, other: Outcome) -> Outcome:
    """A row's outcome from its main record's and a dependent one's (a school's
    profile, a secondment's person or stint): new when the main record is new;
    updated when anything was written; unchanged otherwise."""
    if main.status == Outcome.NEW:
        status = Outcome.NEW
    elif main.status == Outcome.UPDATED or other.written:
        status = Outcome.UPDATED
    else:
        status = Outcome.UNCHANGED
    return Outcome(status, main.written + other.written)


PERSON_COLUMNS = [
    col(Person, "name", "姓名", width=10),
    col(Person, "gender", "性别", width=6),
    col(
        Person,
        "id_number",
        "身份证号",
        read=read_code,
        show=lambda obj: obj.id_number,
        note="18 位；填写后按身份证号识别人员。",
        width=20,
    ),
    col(Person, "home_school", "所在学校", note="学校名称或学校标识码。", width=20),
    col(Person, "role", "人员类别", width=10),
    col(Person, "subject", "学科", width=8),
    col(Person, "stage", "任教学段", width=10),
    col(Person, "title", "职称", width=12),
    col(Person, "is_backbone", "骨干教师", width=8),
    col(Person, "honours", "荣誉称号", width=16),
    col(Person, "phone", "联系电话", read=read_code, width=14),
]
PERSON_FIELDS = [c.name for c in PERSON_COLUMNS]


def find_person(user_type: RecordType, values: dict):
    """A stored person by ID number, else by name within their school; None when
    there is no such person in the scope."""
    lookups = user_type.lookups
    try:
        if values.get("id_number"):
            return lookups.person(id_number=values["id_number"])
        if values.get("name") and values.get("home_school"):
            return lookups.person(name=values["name"], school=values["home_school"])
    except Unreadable:
        return None
    return None


@register
class PersonType(RecordType):
    slug = "persons"
    title = "人员"
    filterset = PersonFilterSet
    model = Person
    form_class = PersonForm
    prepare_new = staticmethod(dispatch_services.person_prepare)
    columns = PERSON_COLUMNS
    queues = True

    def natural(self, row):
        return find_person(self, row.values)

    def inserted(self, obj):
        self.lookups.person_inserted(obj)

    def prepare(self, rows):
        self.lookups.prefetch_people(
            id_numbers=[r.values.get("id_number") for r in rows],
            named=[(r.values.get("name"), r.values.get("home_school")) for r in rows],
        )

    def save(self, row):
        outcome = super().save(row)
        if outcome.status == Outcome.NEW:
            self.lookups.remember_person(outcome.written[0][0])
        return outcome

    @classmethod
    def queryset(cls, user):
        return super().queryset(user).select_related("home_school")


@register
class SecondmentType(PairedType):
    """A secondment with one stint per row: the rows of one secondment (same
    person, pairing, host school and planned start) add its stints. The person is
    created from the row when they are not yet recorded."""

    slug = "secondments"
    title = "派驻人员及在岗时段"
    # The pairing every row belongs to (the pairing page's batch entry), or None:
    # each row names its own.
    pairing = None
    filterset = SecondmentFilterSet
    model = Secondment
    form_class = SecondmentForm
    prepare_new = staticmethod(dispatch_services.secondment_prepare)
    pairing_required = False
    queues = True
    columns = [
        *[c for c in PERSON_COLUMNS if c.name != "home_school"],
        col(
            Secondment,
            "sending_school",
            "派出学校",
            note="学校名称或学校标识码；也是新人员的所在学校。",
            width=20,
        ),
        col(
            Secondment,
            "host_school",
            "接收学校",
            note="学校名称或学校标识码。",
            width=20,
        ),
        PAIRING_COLUMNS[0],
        col(
            Secondment,
            "direction",
            "派驻方向",
            required=False,
            note="留空时按派出学校在结对中的一方判断。",
            width=14,
        ),
        col(Secondment, "kind", "派驻类型", width=10),
        col(Secondment, "batch", "批次", width=6),
        col(Secondment, "planned_start", "计划开始日期", width=12),
        col(Secondment, "planned_end", "计划结束日期", width=12),
        Column(
            "taught_subject",
            "任教学科",
            read=read_choice(Secondment._meta.get_field("subject").choices),
            show=shown_choice("subject"),
            choices=choice_labels(Secondment._meta.get_field("subject").choices),
            note="留空时取人员的学科。",
            width=8,
        ),
        col(Secondment, "weekly_periods", "周课时", width=8),
        col(Secondment, "duties", "工作职责", width=20),
        col(Secondment, "status", "状态", width=8),
        Column(
            "stint_start",
            "到岗日期",
            read=read_date,
            note="一段连续在岗时间的开始；同一人员的多段时间各占一行。",
            number_format="yyyy-mm-dd",
            width=12,
        ),
        Column(
            "stint_end",
            "离岗日期",
            read=read_date,
            note="这段在岗时间的结束。",
            number_format="yyyy-mm-dd",
            width=12,
        ),
    ]

    def prepare(self, rows):
        """The chunk's people in one query, their secondments with their stints
        in one more, their stints for the stint rule in one more, and the
        pairings the rows name in one more."""
        self.lookups.prefetch_people(
            id_numbers=[r.values.get("id_number") for r in rows],
            named=[
                (r.values.get("name"), r.values.get("sending_school")) for r in rows
            ],
        )
        if self.pairing is None:
            self.lookups.prefetch_pairings(
                (
                    r.values.get("pairing_name", ""),
                    (r.values.get("sending_school"), r.values.get("host_school")),
                    None,
                )
                for r in rows
            )
        if not hasattr(self, "secondments"):
            self.secondments, self.people_read = {}, set()
        people = self.lookups.people_known() - self.people_read
        self.people_read |= people
        self.lookups.prefetch_stints(people)
        stored = Secondment.objects.filter(person_id__in=people).prefetch_related(
            "stints"
        )
        for secondment in stored:
            key = (
                secondment.person_id,
                secondment.pairing_id,
                secondment.host_school_id,
                secondment.planned_start,
            )
            self.secondments[key] = secondment

    def save(self, row):
        values = row.values
        sending, host = values.get("sending_school"), values.get("host_school")
        try:
            pairing = self.pairing or self.lookups.pairing(
                name=values.get("pairing_name", ""),
                schools=(sending, host),
                on=values.get("planned_start"),
            )
        except Unreadable as problem:
            row.error(
                "pairing_name" if values.get("pairing_name") else "", str(problem)
            )
            return Outcome(Outcome.ERROR)
        sides = {p.school_id: p.side for p in pairing.parties.all()}
        if not values.get("direction"):
            values["direction"] = (
                Direction.TO_SUPPORTING
                if sides.get(sending.pk) == Side.RECEIVING
                else Direction.TO_RECEIVING
            )
        if bool(values.get("stint_start")) != bool(values.get("stint_end")):
            missing = "stint_end" if values.get("stint_start") else "stint_start"
            row.error(missing, _("A stint needs both its start and its end."))
            return Outcome(Outcome.ERROR)

        person_values = {n: values[n] for n in PERSON_FIELDS if n in values}
        person_values["home_school"] = sending
        person = find_person(self, person_values)
        people = self.helper(PersonType)
        outcome = people.save_form(
            row, person, person_values, column_of={"home_school": "sending_school"}
        )
        if outcome.status == Outcome.ERROR:
            return outcome
        if outcome.status == Outcome.NEW:
            self.lookups.remember_person(outcome.written[0][0])
        person = outcome.written[0][0] if outcome.written else person
        # A person this row queued has no id yet: their secondment and stint are
        # queued after them, and known by their keys once inserted (``inserted``).
        queued = person.pk is None

        key = (person.pk, pairing.pk, host.pk, values.get("planned_start"))
        known = getattr(self, "secondments", None)
        if values.get(self.ID):
            stored = self.stored(row)
        elif queued:
            stored = None  # nothing is stored of a person the file creates
        elif known is not None and (
            person.pk in self.people_read or person.pk in self.lookups.people_known()
        ):
            stored = known.get(key)
        else:
            stored = Secondment.objects.filter(
                person=person,
                pairing=pairing,
                host_school=host,
                planned_start=values.get("planned_start"),
            ).first()
        if row.errors:
            return Outcome(Outcome.ERROR)
        fields = {
            n: values[n]
            for n in (
                "direction",
                "kind",
                "batch",
                "planned_start",
                "planned_end",
                "weekly_periods",
                "duties",
                "status",
            )
            if n in values
        }
        fields.update(
            person=person, pairing=pairing, sending_school=sending, host_school=host
        )
        fields["subject"] = values.get("taught_subject") or (
            stored.subject if stored else person.subject
        )
        more = self.save_form(
            row, stored, fields, column_of={"subject": "taught_subject"}
        )
        if more.status == Outcome.ERROR:
            return more
        outcome = _merge(more, outcome)  # the secondment is the row's record
        secondment = more.written[0][0] if more.written else stored
        if known is not None and more.status == Outcome.NEW and not queued:
            self.lookups.remember(known, key, secondment)
        if values.get("stint_start"):
            start, end = values["stint_start"], values["stint_end"]
            if not _has_stint(secondment, start, end, new=more.status == Outcome.NEW):
                write = (
                    dispatch_services.stint_prepare
                    if self.queueing
                    else dispatch_services.stint_create
                )
                try:
                    stint = write(
                        secondment=secondment,
                        start=start,
                        end=end,
                        user=self.user,
                        stored=self.lookups.stints_of(person.pk),
                    )
                except ValidationError as problem:
                    for message in problem.messages:
                        row.error("stint_start", message)
                    return Outcome(Outcome.ERROR)
                if self.queueing:
                    # For the stint rule of the person's next rows: at once, or
                    # once a queued person has their id.
                    self.inserts.add(
                        stint,
                        then=(lambda: self._stint_inserted(stint)) if queued else None,
                    )
                secondment._stints_added = True
                self.lookups.add_stint(person.pk, stint)
                outcome = _merge(
                    outcome, Outcome(Outcome.NEW, [(stint, "create", None)])
                )
        return outcome

    @classmethod
    def queryset(cls, user):
        return (
            super()
            .queryset(user)
            .select_related("person", "sending_school", "host_school", "pairing")
        )

    def inserted(self, obj):
        """A secondment queued for a person the file creates, now with the ids
        of both: the person's next rows find it."""
        if getattr(self, "secondments", None) is not None:
            key = (obj.person_id, obj.pairing_id, obj.host_school_id, obj.planned_start)
            self.lookups.remember(self.secondments, key, obj)

    def settle(self):
        """The secondments read or created so far are dropped with the people
        (``Lookups.settle``): the next chunk reads those of the people it names."""
        super().settle()
        if hasattr(self, "secondments"):
            self.secondments.clear()
            self.people_read.clear()

    def _stint_inserted(self, stint):
        self.lookups.add_stint(stint.secondment.person_id, stint)

    @classmethod
    def export_rows(cls, secondment) -> list[list]:
        """One row per stint (one row for a secondment without stints)."""
        stints = list(secondment.stints.all()) or [None]
        rows = []
        for stint in stints:
            row = []
            for column in cls.all_columns():
                if column.name in PERSON_FIELDS:
                    row.append(column.show(secondment.person))
                elif column.name == "stint_start":
                    row.append(stint.start if stint else None)
                elif column.name == "stint_end":
                    row.append(stint.end if stint else None)
                else:
                    row.append(column.show(secondment))
            rows.append(row)
        return rows


def _has_stint(secondment, start, end, *, new: bool) -> bool:
    """Whether the secondment has this stint already: a secondment just created
    has none; one read with its stints (``prepare``) is answered from them."""
    added = getattr(secondment, "_stints_added", False)
    if new and not added:
        return False
    known = getattr(secondment, "_prefetched_objects_cache", {}).get("stints")
    if known is not None and not added:
        return any(s.start == start and s.end == end for s in known)
    return secondment.stints.filter(start=start, end=end).exists()


@register
class ActivityType(PairedType):
    slug = "activities"
    title = "交流活动与培训"
    filterset = ActivityFilterSet
    model = Activity
    form_class = ActivityForm
    columns = [
        *PAIRING_COLUMNS,
        col(Activity, "kind", "活动类型", width=14),
        col(Activity, "title", "活动名称", width=24),
        col(Activity, "date", "活动日期", width=12),
        col(Activity, "place", "地点", width=14),
        col(Activity, "host_side", "承办方", width=10),
        col(Activity, "direction", "交流方向", width=14),
        col(Activity, "presenter", "主讲人", width=10),
        col(Activity, "subject", "学科", width=8),
        col(Activity, "lessons", "课时数", width=8),
        col(Activity, "sessions", "场次", width=6),
        col(Activity, "training_level", "培训级别", width=10),
        col(Activity, "teacher_participants", "参加教师人数", width=10),
        col(Activity, "student_participants", "参加学生人数", width=10),
        Column(
            "trainees",
            "参训教师",
            read=lambda cell, context: cleaning.names(cell),
            show=lambda obj: "、".join(p.name for p in obj.trainees.all()),
            note="受援学校参加培训的教师姓名，用顿号分隔；须已录入人员。",
            width=24,
        ),
        col(Activity, "description", "活动内容", width=30),
    ]

    def date_of(self, row):
        return row.values.get("date")

    def natural(self, row):
        v = row.values
        return (
            Activity.objects.filter(
                pairing=v.get("pairing"),
                kind=v.get("kind"),
                title=v.get("title"),
                date=v.get("date"),
            ).first()
            if v.get("pairing")
            else None
        )

    def form_values(self, row):
        values = super().form_values(row)
        if "trainees" in values:
            pairing = row.values["pairing"]
            receiving = [
                p.school for p in pairing.parties.all() if p.side == Side.RECEIVING
            ]
            # The row's trainees at every receiving school, in one query.
            self.lookups.prefetch_people(
                named=[(n, school) for n in values["trainees"] for school in receiving]
            )
            people = []
            for name in values["trainees"]:
                found = None
                for school in receiving:
                    try:
                        found = self.lookups.person(name=name, school=school)
                        break
                    except Unreadable:
                        continue
                if found is None:
                    row.error(
                        "trainees",
                        _("No teacher “%(name)s” at the receiving schools.")
                        % {"name": name},
                    )
                else:
                    people.append(found)
            values["trainees"] = people
        return values

    @classmethod
    def queryset(cls, user):
        return super().queryset(user).prefetch_related("trainees")


class CultivationForm(ScopedModelForm):
    """A backbone teacher cultivated; the model's constraint is the rule (one
    record per teacher, pairing and level), as in the admin."""

    class Meta:
        model = BackboneCultivation
        fields = ["pairing", "person", "level", "recognised_on"]


@register
class CultivationType(PairedType):
    slug = "cultivations"
    title = "骨干教师培养"
    model = BackboneCultivation
    form_class = CultivationForm
    columns = [
        *PAIRING_COLUMNS,
        Column(
            "person_name",
            "教师姓名",
            read=read_text,
            show=shown("person.name"),
            required=True,
            width=10,
        ),
        Column(
            "person_id_number",
            "身份证号",
            read=read_code,
            show=shown("person.id_number"),
            note="同校有同名教师时填写。",
            width=20,
        ),
        col(BackboneCultivation, "level", "认定级别", width=10),
        col(BackboneCultivation, "recognised_on", "认定日期", width=12),
    ]

    def date_of(self, row):
        return row.values.get("recognised_on")

    def save(self, row):
        pairing = self.pairing_of(row, on=self.date_of(row))
        if row.errors:
            return Outcome(Outcome.ERROR)
        row.values["pairing"] = pairing
        person = None
        try:
            if row.values.get("person_id_number"):
                person = self.lookups.person(id_number=row.values["person_id_number"])
            else:
                for party in pairing.parties.all():
                    if party.side == Side.RECEIVING:
                        try:
                            person = self.lookups.person(
                                name=row.values["person_name"], school=party.school
                            )
                            break
                        except Unreadable:
                            continue
                if person is None:
                    raise Unreadable(
                        _("No teacher “%(name)s” at the receiving schools.")
                        % {"name": row.values["person_name"]}
                    )
        except Unreadable as problem:
            row.error("person_name", str(problem))
            return Outcome(Outcome.ERROR)
        values = {
            "pairing": pairing,
            "person": person,
            "level": row.values.get("level"),
            "recognised_on": row.values.get("recognised_on"),
        }
        stored = (
            self.stored(row)
            if row.values.get(self.ID)
            else (
                BackboneCultivation.objects.filter(
                    pairing=pairing, person=person, level=values["level"]
                ).first()
            )
        )
        if row.errors:
            return Outcome(Outcome.ERROR)
        return self.save_form(row, stored, values, column_of={"person": "person_name"})

    @classmethod
    def queryset(cls, user):
        return super().queryset(user).select_related("person")


@register
class AidProjectType(PairedType):
    slug = "projects"
    title = "援建项目"
    filterset = AidProjectFilterSet
    model = AidProject
    form_class = AidProjectForm
    columns = [
        *PAIRING_COLUMNS,
        col(
            AidProject,
            "receiving_school",
            "受益学校",
            required=False,
            note="留空时为结对的受援学校。",
            width=20,
        ),
        col(AidProject, "name", "项目名称", width=24),
        col(AidProject, "category", "项目类别", width=10),
        col(AidProject, "approval_document", "立项文号", width=16),
        yuan("total_investment", "总投资"),
        yuan("aid_amount", "援助金额"),
        col(AidProject, "phase", "项目阶段", width=10),
        col(AidProject, "planned_start", "计划开工日期", width=12),
        col(AidProject, "planned_end", "计划完工日期", width=12),
        col(AidProject, "actual_start", "实际开工日期", width=12),
        col(AidProject, "actual_end", "实际完工日期", width=12),
        col(AidProject, "description", "项目内容", width=30),
    ]

    def date_of(self, row):
        return row.values.get("planned_start")

    def natural(self, row):
        pairing = row.values.get("pairing")
        if pairing is None:
            return None
        return AidProject.objects.filter(
            pairing=pairing, name=row.values.get("name")
        ).first()


MONEY_COLUMNS = [
    Column(
        "amount",
        "金额（元）",
        read=read_money,
        show=lambda obj: obj.amount,
        required=True,
        aliases=("金额",),
        note=(
            "可写 12000、1.5万元、29万余元、约1.5万、近10万元；"
            "“余、约、近、以上”记为约数。列名写作“金额（万元）”时，"
            "不带单位的数字按万元计。"
        ),
        number_format="#,##0.00",
        width=14,
        money=True,
    ),
]


class MoneyType(PairedType):
    """Money has no name of its own: a row matches a stored line with all of the
    same values (re-importing a file changes nothing), or the one its id names."""

    KEY: tuple[str, ...] = ()

    def form_values(self, row):
        values = super().form_values(row)
        if "amount" in values:
            values["amount"], values["amount_approximation"] = values["amount"]
        return values

    def natural(self, row):
        values = self.form_values(row)
        wanted = {k: values.get(k) for k in self.KEY}
        if any(v is None for v in wanted.values()):
            return None
        return self.model.objects.filter(**wanted).first()


@register
class FundingLineType(MoneyType):
    slug = "funding"
    title = "帮扶资金"
    filterset = FundingLineFilterSet
    model = FundingLine
    form_class = FundingLineForm
    pairing_required = False
    KEY = ("pairing", "source", "year", "kind", "amount", "date")
    columns = [
        *PAIRING_COLUMNS,
        Column(
            "project_name",
            "援建项目",
            read=read_text,
            show=shown("project.name"),
            note="资金所属的援建项目名称（须属于该结对）；可留空。",
            width=20,
        ),
        col(FundingLine, "source", "资金来源", width=14),
        col(FundingLine, "year", "年度", width=8),
        col(FundingLine, "kind", "资金类别", width=10),
        *MONEY_COLUMNS,
        col(FundingLine, "date", "到位日期", width=12),
        col(FundingLine, "note", "备注", width=20),
    ]

    def date_of(self, row):
        return row.values.get("date")

    def form_values(self, row):
        values = super().form_values(row)
        name = values.pop("project_name", None)
        if name:
            project = AidProject.objects.filter(
                pairing=row.values.get("pairing"), name=name
            ).first()
            if project is None:
                row.error(
                    "project_name", _("This pairing has no project of that name.")
                )
            values["project"] = project
        return values


@register
class DonationType(MoneyType):
    slug = "donations"
    title = "捐赠"
    filterset = DonationFilterSet
    model = Donation
    form_class = DonationForm
    pairing_required = False
    KEY = ("pairing", "donor_name", "date", "form", "amount")
    columns = [
        *PAIRING_COLUMNS,
        col(Donation, "donor_kind", "捐赠方类别", width=12),
        col(Donation, "donor_name", "捐赠方", width=20),
        col(Donation, "donor_school", "捐赠学校", required=False, width=20),
        col(
            Donation,
            "recipient_school",
            "受赠学校",
            required=False,
            note="留空时为结对的受援学校。",
            width=20,
        ),
        col(Donation, "recipient_pupil", "受助学生", width=10),
        col(Donation, "date", "捐赠日期", width=12),
        col(Donation, "form", "捐赠形式", width=8),
        col(Donation, "category", "物资类别", width=10),
        col(Donation, "description", "物资说明", width=20),
        col(Donation, "quantity", "数量", width=8),
        col(Donation, "unit", "单位", width=6),
        *MONEY_COLUMNS,
    ]

    def date_of(self, row):
        return row.values.get("date")


@register
class PairingType(RecordType):
    slug = "pairings"
    title = "结对关系"
    filterset = PairingFilterSet
    model = Pairing
    form_class = PairingForm
    columns = [
        col(
            Pairing, "programme", "帮扶计划", note="帮扶计划（项目）的名称。", width=24
        ),
        col(Pairing, "name", "结对名称", width=24),
        Column(
            "supporting",
            "支援学校",
            read=read_schools,
            show=lambda obj: "、".join(
                p.school.name for p in obj.parties.all() if p.side == Side.SUPPORTING
            ),
            required=True,
            note="一所或多所，用顿号分隔；名称或学校标识码。",
            width=24,
        ),
        Column(
            "receiving",
            "受援学校",
            read=read_schools,
            show=lambda obj: "、".join(
                p.school.name for p in obj.parties.all() if p.side == Side.RECEIVING
            ),
            required=True,
            note="一所或多所，用顿号分隔；名称或学校标识码。",
            width=24,
        ),
        Column(
            "lead",
            "牵头学校",
            read=read_school,
            show=lambda obj: next(
                (p.school.name for p in obj.parties.all() if p.is_lead), ""
            ),
            note="多所学校支援时的牵头单位；留空为第一所。",
            width=20,
        ),
        col(Pairing, "mode", "结对方式", required=False, width=10),
        col(Pairing, "status", "状态", width=8),
        col(Pairing, "start_date", "开始日期", width=12),
        col(Pairing, "end_date", "结束日期", width=12),
        col(Pairing, "aid_teaching", "师资帮扶", width=8),
        col(Pairing, "aid_management", "管理帮扶", width=8),
        col(Pairing, "aid_funding", "资金物资帮扶", width=10),
        col(Pairing, "note", "备注", width=20),
    ]

    def natural(self, row):
        programme, name = row.values.get("programme"), row.values.get("name")
        if programme is None or not name:
            return None
        return self.queryset(self.user).filter(programme=programme, name=name).first()

    def save(self, row):
        outcome = super().save(row)
        if outcome.status == Outcome.NEW:
            self.lookups.forget_pairings()
        return outcome

    @classmethod
    def queryset(cls, user):
        return (
            super()
            .queryset(user)
            .select_related("programme")
            .prefetch_related("parties__school")
        )


def record_type(slug: str) -> type[RecordType]:
    return REGISTRY[slug]


def choices() -> list[tuple[str, str]]:
    return [(slug, cls.title) for slug, cls in REGISTRY.items()]
