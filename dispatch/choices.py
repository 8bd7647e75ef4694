from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Gender(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class PersonRole(models.TextChoices):
    TEACHER = "teacher", _("teacher")
    MANAGER = "manager", _("manager / cadre")


class Title(models.TextChoices):
    """Professional title (职称)."""

    PROFESSOR = "professor", _("senior professional (正高级)")
    SENIOR = "senior", _("senior (高级)")
    FIRST = "first", _("first grade (一级)")
    SECOND = "second", _("second grade (二级)")
    THIRD = "third", _("third grade (三级)")
    NONE = "none", _("no title yet")


class Subject(models.TextChoices):
    CHINESE = "chinese", pgettext_lazy("subject", "Chinese")
    MATHS = "maths", _("mathematics")
    ENGLISH = "english", pgettext_lazy("subject", "English")
    PHYSICS = "physics", _("physics")
    CHEMISTRY = "chemistry", _("chemistry")
    BIOLOGY = "biology", _("biology")
    POLITICS = "politics", _("morality and law")
    HISTORY = "history", _("history")
    GEOGRAPHY = "geography", _("geography")
    SCIENCE = "science", _("science")
    MUSIC = "music", _("music")
    ART = "art", _("fine arts")
    PE = "pe", _("physical education")
    IT = "it", _("information technology")
    PRESCHOOL = "preschool", _("preschool education")
    MANAGEMENT = "management", _("school management")
    OTHER = "other", _("other")


class SecondmentKind(models.TextChoices):
    TEACHING = "teaching", _("teaching support (支教)")
    ATTACHMENT = "attachment", _("management attachment (挂职)")
    SHADOWING = "shadowing", _("shadow learning (跟岗学习)")
    OUTREACH = "outreach", _("outreach teaching and training (送教送培)")
    ROTATION = "rotation", _("exchange rotation (交流轮岗)")


class SecondmentStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("secondment status", "planned")
    ON_POST = "on_post", _("on post")
    COMPLETED = "completed", pgettext_lazy("secondment status", "completed")
    RETURNED_EARLY = "returned_early", _("returned early")


class AppraisalResult(models.TextChoices):
    EXCELLENT = "excellent", _("excellent")
    COMPETENT = "competent", _("competent")
    BASIC = "basic", _("basically competent")
    INCOMPETENT = "incompetent", _("incompetent")


class ActivityKind(models.TextChoices):
    DEMONSTRATION_LESSON = "demonstration_lesson", _("demonstration lesson")
    OPEN_LESSON = "open_lesson", _("open lesson")
    JOINT_PREPARATION = "joint_preparation", _("joint lesson preparation")
    OBSERVATION = "observation", _("lesson observation and critique")
    LESSON_TALK = "lesson_talk", _("lesson presentation (说课)")
    LECTURE = "lecture", _("lecture or report")
    RESEARCH = "research", _("teaching-research session")
    TRAINING = "training", _("training")
    VISIT = "visit", _("leadership visit")
    STUDENT_EVENT = "student_event", _("joint student event")


class HostSide(models.TextChoices):
    SUPPORTING = "supporting", _("supporting side")
    RECEIVING = "receiving", _("receiving side")
    JOINT = "joint", _("both sides")


class TrainingLevel(models.TextChoices):
    NATIONAL = "national", _("national (国培)")
    PROVINCIAL = "provincial", _("provincial (省培)")
    CITY = "city", _("city level")
    COUNTY = "county", _("county level")
    SCHOOL = "school", _("school-based")


class BackboneLevel(models.TextChoices):
    SCHOOL = "school", _("school-level backbone teacher")
    COUNTY = "county", _("county-level backbone teacher")
    CITY = "city", _("city-level backbone teacher")
    PROVINCE = "province", _("province-level backbone teacher")


class StintConfirmation(models.TextChoices):
    """Whether the host school vouches for a stint. A stint the host school or a
    bureau records is confirmed; one the teacher or the sending school records waits
    for the host school, which confirms it or sends it back for correction."""

    CONFIRMED = "confirmed", pgettext_lazy("stint", "confirmed")
    PENDING = "pending", pgettext_lazy("stint", "awaiting the host school")
    CORRECTION = "correction", pgettext_lazy("stint", "sent back for correction")


class WorkLogKind(models.TextChoices):
    """How much time one entry of a seconded teacher's work log covers."""

    DAILY = "daily", pgettext_lazy("work log", "daily")
    WEEKLY = "weekly", pgettext_lazy("work log", "weekly")
