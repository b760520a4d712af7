"""The service-line model in use, loaded from the database once per process and reloaded when a newer
version is stored (checked at most every `NQI_ROUTING_REFRESH_SECONDS`). If the database holds no model yet,
the first caller trains one (history plus synthetic fill) and stores it, so every process then shares it.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings

from .classifier import ServiceLineClassifier
from .models import RoutingModel

logger = logging.getLogger(__name__)


@dataclass
class LoadedModel:
    version: int
    classifier: ServiceLineClassifier


class ModelCache:
    def __init__(self):
        self._lock = threading.Lock()
        self._loaded: LoadedModel | None = None
        self._checked_at = float("-inf")
        self.loads = 0

    def invalidate(self) -> None:
        with self._lock:
            self._loaded, self._checked_at = None, float("-inf")

    def get(self) -> LoadedModel:
        interval = float(getattr(settings, "NQI_ROUTING_REFRESH_SECONDS", 30))
        if self._loaded is not None and time.monotonic() - self._checked_at < interval:
            return self._loaded
        with self._lock:
            if self._loaded is not None and time.monotonic() - self._checked_at < interval:
                return self._loaded
            latest = RoutingModel.objects.order_by("-version").values_list("version", flat=True).first()
            if latest is None:
                from .training import train

                logger.warning("数据库中还没有分派模型，正在用历史分派记录（不足时补充合成样本）训练首个模型")
                latest = train(note="首次使用时自动训练").version
            if self._loaded is None or self._loaded.version != latest:
                row = RoutingModel.objects.only("version", "blob").get(version=latest)
                self._loaded = LoadedModel(row.version, ServiceLineClassifier.from_npz_bytes(row.blob))
                self.loads += 1
            self._checked_at = time.monotonic()
            return self._loaded


cache = ModelCache()


def current_model() -> LoadedModel:
    return cache.get()
