"""API routes of the inspections app, included under /api/v1/."""

urlpatterns = []
