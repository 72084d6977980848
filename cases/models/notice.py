"""What the public campaign page shows besides the campaign's numbers (三(一) 动员部署, 五 联系方式):
the notice's text, the 附件1 material requirements, and the contact list the province keeps."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models.campaign import Campaign


class CampaignNotice(models.Model):
    """The notice's own words for one campaign, as its public page shows them."""

    campaign = models.OneToOneField(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="notice")
    text = models.TextField(
        _("text of the notice"), blank=True,
        help_text=_("Shown on the public campaign page. A blank line starts a new paragraph."),
    )
    materials_text = models.TextField(
        _("material requirements (附件1)"), blank=True,
        help_text=_("Shown on the public campaign page and printed as 附件1. A blank line starts a new paragraph."),
    )

    class Meta:
        verbose_name = _("campaign notice")
        verbose_name_plural = _("campaign notices")

    def __str__(self) -> str:
        return str(self.campaign)


class CampaignContact(models.Model):
    """One line of the notice's 联系方式 (a contact person and phone, the mailbox, the address)."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="contacts")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    label = models.CharField(_("label"), max_length=20, help_text=_("For example 联系人, 电话, 报送邮箱, 报送地址."))
    value = models.CharField(_("value"), max_length=200)

    class Meta:
        verbose_name = _("contact line")
        verbose_name_plural = _("contact list")
        ordering = ["campaign", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.label}：{self.value}"
