"""The search index: one row per searchable object, holding jieba-segmented text for the full-text engine.

The full-text structure itself depends on the database (see backends.py and migration 0002): on SQLite an
FTS5 table kept in step by triggers, on PostgreSQL a generated tsvector column with a GIN index.
"""

from django.db import models
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from .choices import EntryKind


class SearchEntry(models.Model):
    kind = models.CharField(_("类型"), max_length=10, choices=EntryKind.choices)
    object_id = models.PositiveBigIntegerField(_("对象ID"))
    title = models.CharField(_("标题"), max_length=300)
    subtitle = models.CharField(_("说明"), max_length=300, blank=True)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    # Space-joined tokens (jieba + domain dictionary), what the full-text engine actually indexes.
    title_tokens = models.TextField(blank=True)
    body_tokens = models.TextField(blank=True)
    # Copied from the object so permission filters and facets need no join for the common cases.
    city = models.CharField(_("地市"), max_length=6, blank=True)
    enterprise_id = models.PositiveBigIntegerField(null=True, blank=True)
    provider_id = models.PositiveBigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_unique_object")]
        indexes = [models.Index(fields=["enterprise_id"]), models.Index(fields=["provider_id"])]
        verbose_name = _("搜索条目")
        verbose_name_plural = _("搜索条目")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title}"

    def get_absolute_url(self):
        if self.kind == EntryKind.REQUEST:
            return reverse("servicedesk:request_detail", args=[self.object_id])
        if self.kind == EntryKind.CASE:
            return reverse("servicedesk:case_detail", args=[self.object_id])
        if self.kind == EntryKind.STANDARD:
            return reverse("standards:detail", args=[self.object_id])
        if self.kind == EntryKind.PROVIDER:
            return reverse("catalog:provider_detail", args=[self.object_id])
        # Experts have no page of their own; the expert list filtered to the name finds the card.
        return reverse("catalog:expert_list") + "?" + urlencode({"q": self.title})
