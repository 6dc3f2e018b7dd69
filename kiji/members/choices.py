"""Choices for the detailed profile (詳細情報)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    PRIVATE = "private", _("非公開")
    PUBLIC = "public", _("公開")


class Industry(models.TextChoices):
    MANUFACTURING = "manufacturing", _("製造")
    IT = "it", _("情報通信・IT")
    FINANCE = "finance", _("金融・保険")
    TRADE = "trade", _("卸売・小売")
    CONSTRUCTION = "construction", _("建設・不動産")
    LOGISTICS = "logistics", _("運輸・物流")
    ENERGY = "energy", _("電力・ガス・エネルギー")
    HEALTHCARE = "healthcare", _("医療・福祉")
    SERVICES = "services", _("サービス")
    EDUCATION = "education", _("教育・研究")
    PUBLIC = "public", _("官公庁・団体")
    OTHER = "other", _("その他")


class JobFunction(models.TextChoices):
    EXECUTIVE = "executive", _("経営・役員")
    PLANNING = "planning", _("経営企画")
    SALES = "sales", _("営業・マーケティング")
    IT = "it", _("情報システム")
    RND = "rnd", _("研究・開発")
    PRODUCTION = "production", _("製造・生産")
    HR = "hr", _("人事・総務")
    FINANCE = "finance", _("財務・経理")
    LEGAL = "legal", _("法務・知財")
    OTHER = "other", _("その他")


class CompanySize(models.TextChoices):
    XS = "1-9", _("1〜9人")
    S = "10-49", _("10〜49人")
    M = "50-299", _("50〜299人")
    L = "300-999", _("300〜999人")
    XL = "1000-4999", _("1,000〜4,999人")
    XXL = "5000+", _("5,000人以上")


class AgeBand(models.TextChoices):
    UNDER_30 = "-29", _("29歳以下")
    THIRTIES = "30-39", _("30代")
    FORTIES = "40-49", _("40代")
    FIFTIES = "50-59", _("50代")
    OVER_60 = "60-", _("60歳以上")


PREFECTURES = [
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県",
    "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県",
    "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県",
    "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県", "福岡県",
    "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県", "海外",
]  # fmt: skip
PREFECTURE_CHOICES = [(p, p) for p in PREFECTURES]

# The detailed fields, in the order the completion flow asks for them.
DETAIL_FIELDS = ("industry", "job_function", "company_size", "prefecture", "age_band")
