"""The one-click dispatch from a routing suggestion: the service desk's dispatch action plus the feedback
row (what was suggested, what was chosen) that retraining reads."""

from django.db import transaction

from nqi.servicedesk import actions as desk_actions

from .models import DispatchFeedback, Suggestion


@transaction.atomic
def do_dispatch_from_suggestion(actor, req, *, line, provider, service_item=None, expert=None, note="",
                                suggestion: Suggestion | None = None):
    """Dispatch through servicedesk.actions.do_dispatch_request (which checks the actor and the state, writes
    the audit trail and notifies), then record the feedback in the same transaction."""
    if suggestion is not None and suggestion.request_id != req.pk:
        suggestion = None
    req = desk_actions.do_dispatch_request(actor, req, provider, expert=expert, line=line,
                                           service_item=service_item, note=note)
    DispatchFeedback.objects.create(
        request=req, suggestion=suggestion, actor=actor,
        suggested_line=suggestion.line_id if suggestion and suggestion.line_id else "",
        suggested_provider_id=suggestion.provider_id if suggestion else None,
        chosen_line=req.line_id, chosen_provider=req.provider, chosen_item=req.service_item,
        chosen_expert=req.expert)
    return req
