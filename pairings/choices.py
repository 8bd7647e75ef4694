from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, _("province")
    CITY = 2, _("city / prefecture")
    COUNTY = 3, _("county / district")
    TOWNSHIP = 4, _("township")


class SchoolStage(models.TextChoices):
    KINDERGARTEN = "kindergarten", _("kindergarten")
    PRIMARY = "primary", _("primary school")
    JUNIOR = "junior", _("junior secondary school")
    NINE_YEAR = "nine_year", _("nine-year school")
    COMPLETE_SECONDARY = "complete_secondary", _("complete secondary school")
    SENIOR = "senior", _("senior secondary school")
    VOCATIONAL = "vocational", _("vocational school")
    HIGHER = "higher", _("higher education institution")
    TEACHING_POINT = "teaching_point", _("teaching point")


class Ownership(models.TextChoices):
    PUBLIC = "public", _("public")
    PRIVATE = "private", _("private")


class Locality(models.TextChoices):
    URBAN = "urban", _("urban")
    TOWN = "town", _("town")
    RURAL = "rural", _("rural")


class ProgrammeKind(models.TextChoices):
    URBAN_RURAL = "urban_rural", _("urban-rural school pairing")
    EAST_WEST = "east_west", _("east-west cooperation")
    XINJIANG = "xinjiang", _("aid to Xinjiang")
    TIBET = "tibet", _("aid to Tibet")
    BALANCED = "balanced", _("balanced development inspection support")
    GROUP = "group", _("school group")
    OTHER = "other", _("other")


class PairingMode(models.TextChoices):
    ONE_TO_ONE = "one_to_one", _("one to one")
    ONE_TO_MANY = "one_to_many", _("one to many")
    MANY_TO_ONE = "many_to_one", _("many to one")
    TEAM = "team", _("team")


class PairingStatus(models.TextChoices):
    PREPARING = "preparing", _("in preparation")
    ACTIVE = "active", _("in progress")
    ENDED = "ended", _("ended")
    TERMINATED = "terminated", _("terminated")


class AgreementKind(models.TextChoices):
    SCHOOL = "school", _("school-level agreement")
    FACULTY = "faculty", _("faculty-level agreement")
    MEMORANDUM = "memorandum", _("memorandum")
    RESPONSIBILITY = "responsibility", _("letter of responsibility")


class TargetMetric(models.TextChoices):
    """Yearly planned numbers an agreement sets, compared with actual figures."""

    TEACHING_SECONDMENTS = "teaching_secondments", _("teachers seconded (person-times)")
    MANAGER_SECONDMENTS = (
        "manager_secondments",
        _("managers on attachment (person-times)"),
    )
    SHADOWING = "shadowing", _("receiving teachers shadowing (person-times)")
    DEMONSTRATION_LESSONS = "demonstration_lessons", _("demonstration and open lessons")
    LECTURES = "lectures", _("lectures and reports")
    RESEARCH_ACTIVITIES = "research_activities", _("teaching-research activities")
    TRAINEES = "trainees", _("trainees (person-times)")
    BACKBONE_TEACHERS = "backbone_teachers", _("backbone teachers cultivated")
    FUNDS = "funds", _("funds (yuan)")


class AssessmentResult(models.TextChoices):
    EXCELLENT = "excellent", _("excellent")
    GOOD = "good", _("good")
    PASS = "pass", _("pass")
    FAIL = "fail", _("fail")
