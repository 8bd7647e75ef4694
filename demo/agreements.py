"""Agreements with yearly targets per metric, and the bureau's semester assessments
(some semesters are skipped, so the assessment rule both passes and fails)."""

from datetime import timedelta
from decimal import Decimal

from pairings.choices import (
    AgreementKind,
    AssessmentResult,
    PairingStatus,
    TargetMetric,
)
from pairings.models import Agreement, AgreementTarget, PairingAssessment

from .base import Demo, clamp, pick, quota, random_date

A, T = AgreementKind, TargetMetric
KIND_WEIGHTS = {A.RESPONSIBILITY: 40, A.SCHOOL: 35, A.MEMORANDUM: 12, A.FACULTY: 13}
TITLES = {
    A.RESPONSIBILITY: "{sup}与{rec}结对帮扶责任书",
    A.SCHOOL: "{sup}与{rec}对口支援协议",
    A.MEMORANDUM: "{sup}与{rec}合作备忘录",
    A.FACULTY: "{sup}与{rec}教研组(学科)合作协议",
}
GOALS = (
    "通过三年帮扶,受援学校教育教学质量明显提升,教师专业水平和学校管理水平显著提高,"
    "力争达到县域义务教育优质均衡发展标准。",
    "建立常态化互派教师、联合教研和资源共享机制,受援校学科教师每学年至少参加一次培训,"
    "培养县级以上骨干教师。",
    "以课堂教学改革为抓手,帮助受援校规范管理、提升质量,缩小城乡学校办学差距。",
)
# metric: (low, high, step) of a yearly planned figure.
TARGETS = {
    T.TEACHING_SECONDMENTS: (2, 8, 1),
    T.MANAGER_SECONDMENTS: (1, 3, 1),
    T.SHADOWING: (2, 10, 1),
    T.DEMONSTRATION_LESSONS: (4, 20, 1),
    T.LECTURES: (2, 8, 1),
    T.RESEARCH_ACTIVITIES: (4, 12, 1),
    T.TRAINEES: (20, 200, 10),
    T.BACKBONE_TEACHERS: (1, 3, 1),
    T.FUNDS: (20_000, 500_000, 10_000),
}
ALWAYS = (T.TEACHING_SECONDMENTS, T.DEMONSTRATION_LESSONS, T.RESEARCH_ACTIVITIES)
RESULT_SCORES = {
    AssessmentResult.EXCELLENT: (90, 98),
    AssessmentResult.GOOD: (80, 89.9),
    AssessmentResult.PASS: (60, 79.9),
    AssessmentResult.FAIL: (42, 59.9),
}
RESULT_WEIGHTS = {"excellent": 25, "good": 45, "pass": 25, "fail": 5}
COMMENTS = {
    "excellent": "帮扶措施扎实,互派教师和联合教研常态化,受援校质量提升明显。",
    "good": "能按协议开展帮扶工作,活动记录较完整,建议加强骨干教师培养。",
    "pass": "基本完成学期帮扶任务,但支教教师在岗天数不足,需加强过程管理。",
    "fail": "帮扶活动开展不足,挂职管理人员未按要求选派,责令限期整改。",
}


def build_agreements(demo: Demo) -> None:
    rng, writer = demo.rng("agreements"), demo.writer
    agreement_ids, target_ids = writer.ids(Agreement), writer.ids(AgreementTarget)
    names = demo.schools.items
    with_agreement = [
        p
        for p in demo.pairings
        if p.pairing.status != PairingStatus.PREPARING or rng.random() < 0.5
    ]
    kinds = quota(rng, len(with_agreement), KIND_WEIGHTS)
    agreements, targets = [], []
    for info, kind in zip(with_agreement, kinds, strict=True):
        pairing = info.pairing
        sup = names[info.supporting[0]].school.name
        rec = names[info.receiving[0]].school.name
        unsigned = pairing.status == PairingStatus.PREPARING and rng.random() < 0.4
        signed = pairing.start_date - timedelta(days=rng.randint(0, 30))
        main = Agreement(
            id=next(agreement_ids),
            pairing_id=pairing.id,
            kind=kind,
            title=TITLES[kind].format(sup=sup, rec=rec)[:200],
            signed_on=None if unsigned else signed,
            overall_goal=rng.choice(GOALS),
        )
        agreements.append(main)
        if kind != A.MEMORANDUM:
            extra = [m for m in TARGETS if m not in ALWAYS]
            metrics = [*ALWAYS, *rng.sample(extra, rng.randint(1, 4))]
            for year in range(pairing.start_date.year, pairing.end_date.year + 1):
                for metric in metrics:
                    low, high, step = TARGETS[metric]
                    value = rng.randrange(low, high + 1, step)
                    targets.append(
                        AgreementTarget(
                            id=next(target_ids),
                            agreement_id=main.id,
                            year=year,
                            metric=metric,
                            planned=Decimal(value).quantize(Decimal("0.01")),
                        )
                    )
        if rng.random() < 0.15 and main.signed_on:
            second = A.MEMORANDUM if kind != A.MEMORANDUM else A.SCHOOL
            agreements.append(
                Agreement(
                    id=next(agreement_ids),
                    pairing_id=pairing.id,
                    kind=second,
                    title=TITLES[second].format(sup=sup, rec=rec)[:200],
                    signed_on=clamp(
                        signed + timedelta(days=rng.randint(200, 500)),
                        signed,
                        pairing.end_date,
                    ),
                )
            )
    writer.save(Agreement, agreements)
    writer.report(Agreement)
    writer.save(AgreementTarget, targets)
    writer.report(AgreementTarget)
    _assessments(demo)


def _assessments(demo: Demo) -> None:
    """About three semesters in four get an assessment near the semester's end."""
    rng, ids = demo.rng("assessments"), demo.writer.ids(PairingAssessment)
    regions = demo.regions
    rows = []
    for info in demo.pairings:
        pairing = info.pairing
        county = regions.counties[demo.schools.items[info.receiving[0]].county]
        if len(info.counties) > 1:
            assessor = f"{regions.cities[county.city].name}教育局基础教育科"
        else:
            assessor = f"{county.region.name}教育督导室"
        for period in demo.periods:
            if (
                period.end >= demo.anchor
                or period.overlap(pairing.start_date, pairing.end_date) < 40
                or rng.random() > 0.75
            ):
                continue
            low = max(period.start, pairing.start_date)
            high = min(period.end + timedelta(days=5), pairing.end_date)
            day = random_date(rng, max(low, high - timedelta(days=30)), high)
            result = pick(rng, RESULT_WEIGHTS)
            low_score, high_score = RESULT_SCORES[result]
            score = Decimal(str(round(rng.uniform(low_score, high_score), 1)))
            rows.append(
                PairingAssessment(
                    id=next(ids),
                    pairing_id=pairing.id,
                    assessed_on=day,
                    assessor=assessor,
                    result=result,
                    score=score,
                    comment=COMMENTS[result],
                )
            )
    demo.writer.save(PairingAssessment, rows)
    demo.writer.report(PairingAssessment)
