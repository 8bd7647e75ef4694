from django.core.management.base import BaseCommand, CommandError

from core.i18n_check import catalogue_problems


class Command(BaseCommand):
    help = "Fail when the Chinese catalogue has untranslated or fuzzy entries."

    def handle(self, *args, **options):
        problems = catalogue_problems()
        if problems:
            for problem in problems[:50]:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} catalogue problem(s)")
        self.stdout.write("Chinese catalogue complete and compiled.")
