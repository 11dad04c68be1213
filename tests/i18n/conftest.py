import pytest

from surveys.models import CompanyValue, Question


@pytest.fixture
def acme_in_german(acme):
    """Acme with German texts for its open-door value and one of its two questions (od2 stays
    untranslated), plus a French value name."""
    value = CompanyValue.objects.get(organization=acme, code="open_door")
    value.name_de, value.name_fr = "Offene Tür", "Porte ouverte"
    value.save()
    od1 = Question.objects.get(organization=acme, code="od1")
    od1.text_de = "Ich kann ein Anliegen ohne Sorge bei meiner Führungskraft ansprechen."
    od1.text_fr = "Je peux soulever un problème auprès de mon responsable sans crainte."
    od1.save()
    enps = Question.objects.get(organization=acme, code="enps")
    enps.text_de = "Wie wahrscheinlich empfehlen Sie uns als Arbeitgeber?"
    enps.save()
    return acme
