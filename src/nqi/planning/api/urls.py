"""API routes of the planning app, included under /api/v1/."""

urlpatterns = []
