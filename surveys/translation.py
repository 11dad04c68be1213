"""The texts HR writes that employees and leaders read, translated per language with
django-modeltranslation: each field gains one column per language (`text_de`, `text_fr`, ...).

Only texts are translated; a question stays one row whatever language it is read in, so answers
in every language pool in the analysis. The organization's default language is the language of
its plain strings (`surveys.translations`).
"""

from modeltranslation.translator import TranslationOptions, register

from .models import Campaign, CompanyValue, Question


@register(CompanyValue)
class CompanyValueTranslation(TranslationOptions):
    fields = ("name", "claim", "description")


@register(Question)
class QuestionTranslation(TranslationOptions):
    # Choice labels are data too: the answer stores the default language's choice, the page
    # shows the respondent's.
    fields = ("text", "choices")


@register(Campaign)
class CampaignTranslation(TranslationOptions):
    fields = ("intro",)
