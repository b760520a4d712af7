"""API routes of the routing app, included under /api/v1/."""

urlpatterns = []
