"""German and French texts of the demo organization's values and employee questions.

The onboarding, exit and leadership items stay in English on purpose: the demo then also shows
a survey falling back, visibly, to the organization's default language.
"""

VALUES = {
    "open_communication": {
        "name": {"de": "Offene Kommunikation", "fr": "Communication ouverte"},
        "claim": {
            "de": "Wir sagen, was wir denken, und schlechte Nachrichten sprechen sich "
            "schnell herum.",
            "fr": "Nous disons ce que nous pensons, et les mauvaises nouvelles circulent vite.",
        },
    },
    "learning_from_mistakes": {
        "name": {"de": "Aus Fehlern lernen", "fr": "Apprendre de nos erreurs"},
        "claim": {
            "de": "Wir lernen aus unseren Fehlern, statt sie zu verstecken.",
            "fr": "Nous apprenons de nos erreurs au lieu de les cacher.",
        },
    },
    "customer_focus": {
        "name": {"de": "Kundenorientierung", "fr": "Orientation client"},
        "claim": {"de": "Die Kunden kommen zuerst.", "fr": "Les clients passent en premier."},
    },
    "recognition": {
        "name": {"de": "Anerkennung", "fr": "Reconnaissance"},
        "claim": {"de": "Gute Arbeit wird gesehen.", "fr": "Le bon travail est remarqué."},
    },
    "empowerment": {
        "name": {"de": "Eigenverantwortung", "fr": "Autonomie"},
        "claim": {
            "de": "Wir trauen Menschen Entscheidungen zu.",
            "fr": "Nous faisons confiance aux gens pour décider.",
        },
    },
    "work_life_balance": {
        "name": {"de": "Vereinbarkeit von Arbeit und Leben", "fr": "Équilibre vie pro-vie perso"},
        "claim": {
            "de": "Wir arbeiten hart, und dann gehen wir nach Hause.",
            "fr": "Nous travaillons dur, puis nous rentrons chez nous.",
        },
    },
}

QUESTIONS = {
    "oc_e1": {
        "de": "Ich kann meine Führungskraft auf ein Problem hinweisen, ohne dass es mir "
        "angelastet wird.",
        "fr": "Je peux signaler un problème à mon responsable sans que cela me soit reproché.",
    },
    "oc_e2": {
        "de": "In Besprechungen widersprechen sich die Leute hier offen, auch Vorgesetzten.",
        "fr": "En réunion, les gens ici expriment ouvertement leur désaccord, y compris avec "
        "les plus hauts placés.",
    },
    "oc_e3": {
        "de": "Die Leute hier behalten schlechte Nachrichten so lange wie möglich für sich.",
        "fr": "Ici, les gens gardent les mauvaises nouvelles pour eux aussi longtemps que "
        "possible.",
    },
    "oc_e4": {
        "de": "Ich erfahre von Änderungen, die meine Arbeit betreffen, bevor sie passieren.",
        "fr": "J'apprends les changements qui touchent mon travail avant qu'ils n'arrivent.",
    },
    "lm_e1": {
        "de": "Wenn etwas schiefgeht, sucht mein Team nach der Ursache statt nach einem "
        "Schuldigen.",
        "fr": "Quand quelque chose tourne mal, mon équipe cherche la cause plutôt qu'un coupable.",
    },
    "lm_e2": {
        "de": "Die Leute hier geben ihre eigenen Fehler offen zu.",
        "fr": "Ici, les gens reconnaissent ouvertement leurs propres erreurs.",
    },
    "lm_e3": {
        "de": "Wer hier einen Fehler macht, wird vor anderen bloßgestellt.",
        "fr": "Ici, ceux qui font une erreur sont blâmés devant les autres.",
    },
    "lm_e4": {
        "de": "Nach einem Fehler ändert mein Team seine Arbeitsweise, damit er nicht wieder "
        "passiert.",
        "fr": "Après une erreur, mon équipe change sa façon de travailler pour qu'elle ne se "
        "reproduise pas.",
    },
    "cf_e1": {
        "de": "Wenn ein Kunde ein Problem hat, verfolgt es hier jemand, bis es gelöst ist.",
        "fr": "Quand un client a un problème, quelqu'un ici le suit jusqu'à ce qu'il soit résolu.",
    },
    "cf_e2": {
        "de": "Mein Team schaut sich Kundenfeedback an, bevor es entscheidet, woran es als "
        "Nächstes arbeitet.",
        "fr": "Mon équipe tient compte des retours clients pour décider de ses prochains travaux.",
    },
    "cf_e3": {
        "de": "Wenn ein internes Ziel mit dem Bedarf eines Kunden kollidiert, gewinnt hier "
        "das Ziel.",
        "fr": "Quand un objectif interne entre en conflit avec le besoin d'un client, ici "
        "l'objectif l'emporte.",
    },
    "cf_e4": {
        "de": "Die Leute hier sprechen es an, wenn eine Entscheidung Kunden schaden würde.",
        "fr": "Ici, les gens le disent quand une décision nuirait aux clients.",
    },
    "rc_e1": {
        "de": "Wenn ich gute Arbeit leiste, sagt mir das jemand.",
        "fr": "Quand je fais du bon travail, quelqu'un me le dit.",
    },
    "rc_e2": {
        "de": "Die Anerkennung für Arbeit geht hier an die Menschen, die sie geleistet haben.",
        "fr": "Ici, le mérite d'un travail revient à ceux qui l'ont fait.",
    },
    "rc_e3": {
        "de": "Arbeit hinter den Kulissen bleibt hier unbemerkt.",
        "fr": "Ici, le travail fait en coulisses passe inaperçu.",
    },
    "rc_e4": {
        "de": "Der Dank, den ich hier bekomme, benennt, was ich tatsächlich getan habe.",
        "fr": "Les remerciements que je reçois ici nomment ce que j'ai réellement fait.",
    },
    "em_e1": {
        "de": "Ich kann entscheiden, wie ich meine Arbeit mache, ohne um Erlaubnis zu fragen.",
        "fr": "Je peux décider comment faire mon travail sans demander la permission.",
    },
    "em_e2": {
        "de": "Wenn ich eine Entscheidung treffe, die mir zusteht, steht meine Führungskraft "
        "dahinter.",
        "fr": "Quand je prends une décision qui me revient, mon responsable me soutient.",
    },
    "em_e3": {
        "de": "Kleine Entscheidungen brauchen hier die Freigabe mehrerer Leute.",
        "fr": "Ici, les petites décisions nécessitent l'accord de plusieurs personnes.",
    },
    "em_e4": {
        "de": "Ich weiß, welche Entscheidungen ich treffen darf.",
        "fr": "Je sais quelles décisions me reviennent.",
    },
    "wl_e1": {
        "de": "In den meisten Wochen schaffe ich meine Arbeit in meiner normalen Arbeitszeit.",
        "fr": "La plupart des semaines, je peux finir mon travail dans mes horaires normaux.",
    },
    "wl_e2": {
        "de": "Wenn ich im Urlaub bin, kontaktiert mich niemand wegen der Arbeit.",
        "fr": "Quand je suis en congé, personne ne me contacte pour le travail.",
    },
    "wl_e3": {
        "de": "Von mir wird erwartet, dass ich Nachrichten außerhalb meiner Arbeitszeit "
        "beantworte.",
        "fr": "On attend de moi que je réponde aux messages en dehors de mes heures de travail.",
    },
    "wl_e4": {
        "de": "Wenn meine Arbeitslast zu groß ist, hilft mir meine Führungskraft, etwas zu "
        "streichen oder zu verschieben.",
        "fr": "Quand ma charge de travail est trop lourde, mon responsable m'aide à abandonner "
        "ou reporter quelque chose.",
    },
    "enps": {
        "de": "Wie wahrscheinlich ist es, dass Sie einem Freund empfehlen, hier zu arbeiten?",
        "fr": "Quelle est la probabilité que vous recommandiez à un ami de travailler ici ?",
    },
    "intent_to_stay": {
        "de": "Ich sehe mich in zwei Jahren noch hier arbeiten.",
        "fr": "Je me vois encore travailler ici dans deux ans.",
    },
    "comment": {
        "de": "Gibt es noch etwas, das die Führung wissen sollte?",
        "fr": "Y a-t-il autre chose que la direction devrait savoir ?",
    },
}


def with_translations(definition: dict) -> dict:
    """The exported organization file with the German and French texts added."""
    for value in definition["values"]:
        texts = VALUES.get(value["code"], {})
        for field, translations in texts.items():
            given = value.get(field, "")
            base = given if isinstance(given, dict) else {"en": given}
            value[field] = {**base, **translations}
        for question in value["questions"]:
            _add(question)
    for question in definition["questions"]:
        _add(question)
    return definition


def _add(question: dict) -> None:
    translations = QUESTIONS.get(question["code"])
    if translations:
        given = question["text"]
        base = given if isinstance(given, dict) else {"en": given}
        question["text"] = {**base, **translations}
