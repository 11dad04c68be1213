"""Translations in the organization file: `text: {en: ..., de: ...}` in, the same out."""

import pytest
import yaml

from surveys.errors import DefinitionError
from surveys.models import CompanyValue, Question
from surveys.services.definitions import (
    definition_dump,
    organization_export_definition,
    organization_load_definition,
)

pytestmark = pytest.mark.django_db

FILE = """
organization: {slug: multi, name: Multi, language: en}
values:
  - code: open_door
    name: {en: Open door, de: Offene Tür, fr: Porte ouverte}
    claim: Anyone can raise a concern.
    questions:
      - code: od1
        text: {en: "I can raise a concern.", de: "Ich kann ein Anliegen ansprechen."}
      - {code: od2, text: "Bad news is kept from leadership."}
questions:
  - code: why
    type: choice
    perspective: exit
    choices: {en: [Pay, Manager], de: [Gehalt, Führungskraft]}
    text: {en: "Main reason?", de: "Hauptgrund?"}
"""


def test_translations_load_into_their_languages_and_plain_strings_into_the_default():
    org = organization_load_definition(content=FILE)

    value = CompanyValue.objects.get(organization=org, code="open_door")
    assert (value.name_en, value.name_de, value.name_fr, value.name_es) == (
        "Open door",
        "Offene Tür",
        "Porte ouverte",
        None,
    )
    assert value.claim_en == "Anyone can raise a concern."
    od2 = Question.objects.get(organization=org, code="od2")
    assert od2.text_en == "Bad news is kept from leadership."
    assert not od2.text_de
    why = Question.objects.get(organization=org, code="why")
    assert why.choices_de == ["Gehalt", "Führungskraft"]
    # The untranslated column holds the default language: answers store these choices.
    assert Question.objects.filter(pk=why.pk).values_list("choices", flat=True)[0] == [
        "Pay",
        "Manager",
    ]


def test_the_export_writes_translations_back_and_loading_it_again_changes_nothing():
    org = organization_load_definition(content=FILE)

    exported = organization_export_definition(organization=org)
    value = exported["values"][0]
    assert value["name"] == {"en": "Open door", "de": "Offene Tür", "fr": "Porte ouverte"}
    assert value["claim"] == "Anyone can raise a concern."  # only the default: plain
    assert value["questions"][0]["text"] == {
        "en": "I can raise a concern.",
        "de": "Ich kann ein Anliegen ansprechen.",
    }
    assert exported["organization"]["language"] == "en"

    organization_load_definition(content=definition_dump(data=exported), organization=org)
    assert organization_export_definition(organization=org) == exported
    assert yaml.safe_load(definition_dump(data=exported))["questions"][0]["choices"]["de"] == [
        "Gehalt",
        "Führungskraft",
    ]


def test_a_plain_string_is_the_organizations_default_language():
    org = organization_load_definition(
        content=FILE.replace("language: en", "language: de")
        .replace("{en: Open door, de: Offene Tür, fr: Porte ouverte}", "Offene Tür")
        .replace(
            'text: {en: "I can raise a concern.", de: "Ich kann ein Anliegen ansprechen."}',
            'text: {de: "Ich kann ein Anliegen ansprechen."}',
        )
        .replace('text: "Bad news is kept from leadership."', 'text: "Schlechte Nachrichten."')
        .replace('{en: "Main reason?", de: "Hauptgrund?"}', '{de: "Hauptgrund?"}')
        .replace("{en: [Pay, Manager], de: [Gehalt, Führungskraft]}", "[Gehalt, Führungskraft]")
    )

    value = CompanyValue.objects.get(organization=org, code="open_door")
    assert value.name_de == "Offene Tür"
    assert not value.name_en


def test_an_unknown_language_or_a_missing_default_is_refused_naming_the_key():
    bad = FILE.replace("fr: Porte ouverte", "xx: Porte ouverte")
    with pytest.raises(DefinitionError) as refused:
        organization_load_definition(content=bad)
    assert any(path == "values[0].name.xx" for path, _problem in refused.value.errors)

    no_default = FILE.replace(
        'text: {en: "I can raise a concern.", de: "Ich kann ein Anliegen ansprechen."}',
        'text: {de: "Ich kann ein Anliegen ansprechen."}',
    )
    with pytest.raises(DefinitionError) as refused:
        organization_load_definition(content=no_default)
    assert refused.value.errors == [
        ("values[0].questions[0].text", 'needs the default language\'s text ("en")')
    ]
    assert not Question.objects.filter(code="od1", organization__slug="multi").exists()


def test_choices_must_list_the_same_number_in_every_language():
    bad = FILE.replace("de: [Gehalt, Führungskraft]", "de: [Gehalt]")
    with pytest.raises(DefinitionError) as refused:
        organization_load_definition(content=bad)
    assert "same choices" in str(refused.value.errors)
