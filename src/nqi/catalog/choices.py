from django.db import models
from django.utils.translation import gettext_lazy as _


class AccreditationKind(models.TextChoices):
    CMA = "CMA", _("CMA 资质认定")
    CNAS = "CNAS", _("CNAS 认可")
    OTHER = "other", _("其他授权")


class DeliveryMode(models.TextChoices):
    ONLINE = "online", _("线上")
    ONSITE = "onsite", _("现场")
    BOTH = "both", _("线上/现场")
