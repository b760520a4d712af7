"""Named choice sets shared by every app: service lines and Guangxi's cities."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceLine(models.TextChoices):
    METROLOGY = "metrology", _("计量")
    STANDARDS = "standards", _("标准")
    TESTING = "testing", _("检验检测")
    CERTIFICATION = "certification", _("认证认可")
    IP = "ip", _("知识产权/商标品牌")
    QUALITY_MGMT = "quality_mgmt", _("质量管理")
    SPECIAL_EQUIPMENT = "special_equipment", _("特种设备")


SERVICE_LINE_CODES = [code for code, _label in ServiceLine.choices]


class City(models.TextChoices):
    """Guangxi's 14 prefecture-level cities, keyed by administrative division code."""

    NANNING = "450100", _("南宁市")
    LIUZHOU = "450200", _("柳州市")
    GUILIN = "450300", _("桂林市")
    WUZHOU = "450400", _("梧州市")
    BEIHAI = "450500", _("北海市")
    FANGCHENGGANG = "450600", _("防城港市")
    QINZHOU = "450700", _("钦州市")
    GUIGANG = "450800", _("贵港市")
    YULIN = "450900", _("玉林市")
    BAISE = "451000", _("百色市")
    HEZHOU = "451100", _("贺州市")
    HECHI = "451200", _("河池市")
    LAIBIN = "451300", _("来宾市")
    CHONGZUO = "451400", _("崇左市")


CITY_SHORT_NAMES = {
    "南宁": "450100", "柳州": "450200", "桂林": "450300", "梧州": "450400", "北海": "450500",
    "防城港": "450600", "钦州": "450700", "贵港": "450800", "玉林": "450900", "百色": "451000",
    "贺州": "451100", "河池": "451200", "来宾": "451300", "崇左": "451400",
}


def city_code_from_name(name: str) -> str | None:
    """'柳州', '柳州市', '广西柳州市', '广西壮族自治区柳州市' -> '450200'; None when unknown."""
    text = (name or "").replace(" ", "").replace("\u3000", "")
    for prefix in ("广西壮族自治区", "广西自治区", "广西"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    text = text.removesuffix("市")
    return CITY_SHORT_NAMES.get(text)
