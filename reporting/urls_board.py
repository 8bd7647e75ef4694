"""URL patterns (filled in by the module's views)."""

urlpatterns = []
