"""API routes of the standards app, included under /api/v1/."""

urlpatterns = []
