"""Training the service-line model from the platform's dispatch history (`nqi routing train`).

Examples are the requests a dispatcher routed (a line and a provider set). A request whose final line differs
from the line the platform suggested before that dispatch (a stored Suggestion older than the last dispatch in
the audit trail, or a DispatchFeedback row) is a correction and weighs `correction_weight` times. When the
history is smaller than `NQI_ROUTING_MIN_SAMPLES` (default 20,000), synthetic requests from history_corpus make
up the difference, so a fresh platform starts with a sensible model and real history takes over as it grows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from nqi.core.models import AuditEntry
from nqi.servicedesk.choices import Action
from nqi.servicedesk.models import ServiceRequest

from . import history_corpus
from .classifier import LINES, ServiceLineClassifier
from .models import DispatchFeedback, RoutingModel, Suggestion

DEFAULT_MIN_SAMPLES = 20_000
DEFAULT_CORRECTION_WEIGHT = 3.0
KEEP_VERSIONS = 5


def request_text(title: str, description: str = "", product: str = "") -> str:
    """The text the model reads for a request: title, product and description (the same at training and use)."""
    return "\n".join(part.strip() for part in (title or "", product or "", description or "") if part and part.strip())


@dataclass
class TrainingSet:
    examples: list[tuple] = field(default_factory=list)
    history: int = 0
    corrections: int = 0
    synthetic: int = 0
    correction_request_ids: set[int] = field(default_factory=set)


def correction_request_ids() -> set[int]:
    """Requests whose dispatched line differs from what the platform had suggested before the dispatch."""
    content_type = ContentType.objects.get_for_model(ServiceRequest)
    last_dispatch = dict(AuditEntry.objects.filter(content_type=content_type, action=Action.DISPATCH)
                         .values("object_id").annotate(at=Max("created_at")).values_list("object_id", "at"))
    final_line = dict(ServiceRequest.objects.filter(line__isnull=False, provider__isnull=False)
                      .values_list("pk", "line_id"))
    corrected: set[int] = set()
    # The newest suggestion shown before the last dispatch is the one the dispatcher overrode (or took).
    seen: set[int] = set()
    for request_id, line_id, created_at in (Suggestion.objects.filter(request_id__in=final_line.keys())
                                            .order_by("request_id", "-created_at")
                                            .values_list("request_id", "line_id", "created_at")):
        dispatched_at = last_dispatch.get(request_id)
        if request_id in seen or dispatched_at is None or created_at > dispatched_at:
            continue
        seen.add(request_id)
        if line_id and line_id != final_line[request_id]:
            corrected.add(request_id)
    for feedback in DispatchFeedback.objects.filter(request_id__in=final_line.keys()).only(
            "request_id", "suggested_line", "chosen_line"):
        # Feedback from the one-click dispatch counts only if it still describes the request's final line.
        if feedback.is_line_correction and final_line.get(feedback.request_id) == feedback.chosen_line:
            corrected.add(feedback.request_id)
    return corrected


def build_training_set(min_samples: int | None = None, seed: int = 0) -> TrainingSet:
    min_samples = int(getattr(settings, "NQI_ROUTING_MIN_SAMPLES", DEFAULT_MIN_SAMPLES)
                      if min_samples is None else min_samples)
    result = TrainingSet()
    corrected = correction_request_ids()
    rows = (ServiceRequest.objects.filter(line__isnull=False, provider__isnull=False, line_id__in=LINES)
            .values_list("pk", "title", "description", "product", "line_id").order_by("pk").iterator(chunk_size=5000))
    for pk, title, description, product, line in rows:
        text = request_text(title, description, product)
        if pk in corrected:
            result.examples.append((text, line, "correction"))
            result.corrections += 1
        else:
            result.examples.append((text, line))
        result.history += 1
    result.correction_request_ids = corrected
    missing = max(0, min_samples - result.history)
    if missing:
        for record in history_corpus.generate_history(missing, seed=seed):
            result.examples.append((record.text, record.line))
        result.synthetic = missing
    return result


def train(min_samples: int | None = None, correction_weight: float | None = None, note: str = "",
          seed: int = 0) -> RoutingModel:
    """Train on the current history and store the model as the next version; returns the new row."""
    started = time.perf_counter()
    training_set = build_training_set(min_samples=min_samples, seed=seed)
    weight = float(getattr(settings, "NQI_ROUTING_CORRECTION_WEIGHT", DEFAULT_CORRECTION_WEIGHT)
                   if correction_weight is None else correction_weight)
    classifier = ServiceLineClassifier().fit(training_set.examples, correction_weight=weight)
    return store(classifier, training_set, seconds=time.perf_counter() - started, note=note)


def store(classifier: ServiceLineClassifier, training_set: TrainingSet | None = None, seconds: float = 0.0,
          note: str = "") -> RoutingModel:
    """Save a fitted classifier as the newest version and prune old versions."""
    training_set = training_set or TrainingSet(history=classifier.trained_on)
    blob = classifier.to_npz_bytes()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                latest = RoutingModel.objects.aggregate(v=Max("version"))["v"] or 0
                row = RoutingModel.objects.create(
                    version=latest + 1, trained_at=timezone.now(), blob=blob, history_samples=training_set.history,
                    correction_samples=training_set.corrections, synthetic_samples=training_set.synthetic,
                    features=len(classifier.vocabulary), training_seconds=round(seconds, 3), note=note[:200])
            break
        except IntegrityError:
            # Another process stored a version at the same moment; take the next number.
            continue
    else:  # pragma: no cover - five concurrent trainings in a row
        raise RuntimeError("无法保存分派模型：版本号冲突")
    stale = RoutingModel.objects.order_by("-version").values_list("pk", flat=True)[KEEP_VERSIONS:]
    RoutingModel.objects.filter(pk__in=list(stale)).delete()
    return row
