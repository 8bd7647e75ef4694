"""A paginator for long lists sorted across joined tables."""

from django.core.paginator import Paginator


class IdsFirstPaginator(Paginator):
    """Sorts only the ids, then reads the page's rows by id.

    When the order spans joined tables, the database sorts every matching row
    before it can keep one page; sorting narrow (id, sort key) rows and then
    reading the 50 wide rows with their joins and prefetches costs one query
    more and a fraction of the time (semester reports at province scale: see
    docs/benchmarks.md)."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self.object_list.filter(pk__in=ids)}
        return self._get_page([rows[pk] for pk in ids], number, self)
