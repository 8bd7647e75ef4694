"""The demo data sizes as one table, so the command and the tests agree.

``small``, ``county`` and ``province`` are offered by ``make run``; ``national`` (ten
provinces, ten times the province, with pairings across provinces) is for the
benchmarks on PostgreSQL only."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """Exact row targets for one demo size (the province row is the spec)."""

    name: str
    cities: int
    counties: int
    townships: int
    schools: int
    programmes: int
    pairings: int
    people: int
    secondments: int
    stints: int
    activities: int
    projects: int
    funding_lines: int
    donations: int
    periods: int
    reports: int
    # More than one: Shandong and the next provinces of demo.regions.PROVINCES,
    # each with the programmes of a province, and programmes across provinces.
    provinces: int = 1

    @property
    def regions(self) -> int:
        return self.provinces + self.cities + self.counties + self.townships


SCALES: dict[str, Scale] = {
    scale.name: scale
    for scale in (
        Scale(
            name="small",
            cities=2,
            counties=4,
            townships=16,
            schools=120,
            programmes=3,
            pairings=40,
            people=240,
            secondments=300,
            stints=680,
            activities=1_500,
            projects=30,
            funding_lines=200,
            donations=120,
            periods=6,
            reports=240,
        ),
        Scale(
            name="county",
            cities=1,
            counties=3,
            townships=36,
            schools=600,
            programmes=3,
            pairings=200,
            people=1_200,
            secondments=1_600,
            stints=3_600,
            activities=10_000,
            projects=160,
            funding_lines=1_000,
            donations=600,
            periods=6,
            reports=1_200,
        ),
        Scale(
            name="province",
            cities=16,
            counties=120,
            townships=1_500,
            schools=15_000,
            programmes=8,
            pairings=5_000,
            people=30_000,
            secondments=40_000,
            stints=90_000,
            activities=250_000,
            projects=4_000,
            funding_lines=25_000,
            donations=15_000,
            periods=6,
            reports=30_000,
        ),
        Scale(
            name="national",
            provinces=10,
            cities=143,  # every real prefecture-level unit of the ten provinces
            counties=1_200,
            townships=15_000,
            schools=150_000,
            programmes=83,  # the province's eight in each province, three across
            pairings=50_000,
            people=300_000,
            secondments=400_000,
            stints=900_000,
            activities=2_500_000,
            projects=40_000,
            funding_lines=250_000,
            donations=150_000,
            periods=6,
            reports=300_000,
        ),
    )
}
