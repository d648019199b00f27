"""One person, one entity: cross-script names, nicknames, short forms, addresses, OCR glue, types."""

from __future__ import annotations

from itertools import count

import pytest

from threadline.model import EntityType, MentionKind
from threadline.names.compare import NameForm, same_person_name
from threadline.names.crossscript import coarse_keys, transcribed
from threadline.resolve.entities import NEGATIVE, POSITIVE, Judgement
from threadline.resolve.resolver import MentionRef, ResolvedEntity, resolve_corpus

P, ORG = EntityType.PERSON, EntityType.ORGANIZATION
_ids = count(1)


def m(name: str, doc: int, type_: EntityType = P, **kw: object) -> MentionRef:
    return MentionRef(next(_ids), doc, name, type_, **kw)  # type: ignore[arg-type]


def by_alias(entities: list[ResolvedEntity]) -> dict[str, ResolvedEntity]:
    return {alias: e for e in entities for alias in e.aliases}


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("Donald Trump", "Дональд Трамп"),
        ("Olaf Scholz", "Олаф Шольц"),
        ("Markus Söder", "Маркус Зёдер"),
        ("Jeffrey Epstein", "Джеффри Эпштейн"),
        ("Bernie Sanders", "Берни Сандерс"),
        ("Karim Massimov", "Карим Масимов"),
    ],
)
def test_foreign_names_meet_their_russian_spelling(latin: str, cyrillic: str) -> None:
    found = same_person_name(NameForm.of(latin), NameForm.of(cyrillic))
    assert found is not None and not found.probable
    entities = resolve_corpus([m(latin, 1), m(cyrillic, 2)]).entities
    assert len(entities) == 1


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Fred Trump", "Дональд Трамп"),  # relatives: same surname, other given name
        ("Hunter Biden", "Джо Байден"),
        ("Rakhat Aliyev", "Ильхам Алиев"),
        ("Donald Trump Jr.", "Donald Trump"),  # a generational suffix is another person
        ("Nursultan Nazarbayev", "Нурсултан Назарбаева"),  # feminine form
    ],
)
def test_different_people_stay_apart(a: str, b: str) -> None:
    assert same_person_name(NameForm.of(a), NameForm.of(b)) is None
    assert len(resolve_corpus([m(a, 1), m(b, 2)]).entities) == 2


def test_transcription_scores_sound_not_spelling() -> None:
    assert transcribed("söder", "зёдер") and transcribed("epstein", "эпштейн")
    assert not transcribed("scholz", "шульц")  # a vowel apart
    assert not transcribed("scholz", "шольте")  # a consonant apart
    assert coarse_keys("Trump") == coarse_keys("Трамп")
    assert coarse_keys("Kissinger") >= coarse_keys("Киссинджер")  # g read as дж


def test_nickname_merge_is_probable_and_says_so() -> None:
    entities = resolve_corpus(
        [m("Jeffrey Epstein", 1), m("Jeffrey Epstein", 2), m("Jeff Epstein", 3)]
    ).entities
    (entity,) = entities
    alias = entity.aliases["Jeff Epstein"]
    assert alias.probable == 1 and "nickname" in alias.reason
    assert entity.aliases["Jeffrey Epstein"].probable == 0


def test_lone_surname_goes_to_its_dominant_bearer_not_a_relative() -> None:
    # Trump alone in documents that name nobody else: Donald, named in full 25 times to Fred's once
    mentions = [m("Donald Trump", d) for d in range(100, 125)]
    mentions += [m("Fred Trump", 11), m("Трамп", 12), m("Trump", 13)]
    resolution = resolve_corpus(mentions)
    aliases = by_alias(resolution.entities)
    assert aliases["Трамп"].name == aliases["Trump"].name == "Donald Trump"
    assert aliases["Трамп"].aliases["Трамп"].probable == 1
    assert "named in full 25 times, anyone else with it 1 times" in aliases["Trump"].aliases["Trump"].reason
    assert aliases["Fred Trump"].name == "Fred Trump"


def test_the_person_a_document_names_decides_a_lone_surname() -> None:
    mentions = [m("Bill Clinton", d) for d in (1, 2)] + [m("Hillary Clinton", d) for d in (3, 4)]
    lone = [m("Clinton", 5), m("Clinton", 6), m("Clinton", 7)]  # doc 7 names neither
    header = {"kind": MentionKind.HEADER, "address": "wjc@example.org"}
    mentions += [*lone, m("Bill Clinton", 5, **header), m("Hillary Rodham Clinton", 6)]
    resolution = resolve_corpus(mentions)
    entity_of = {mid: e.name for e in resolution.entities for mid in e.mention_ids}
    assert [entity_of[x.id] for x in lone] == ["Bill Clinton", "Hillary Clinton", "Clinton"]
    bill = next(e for e in resolution.entities if e.name == "Bill Clinton")
    assert bill.aliases["Clinton"].reason == "'Clinton' in a document that names 'Bill Clinton' too"
    assert {s.candidate for s in resolution.suggestions} == {"person:bill clinton", "person:hillary clinton"}


def test_lone_surname_of_two_comparable_people_stays_apart_as_a_suggestion() -> None:
    mentions = [m("Joe Biden", d) for d in range(1, 6)] + [m("Hunter Biden", d) for d in range(6, 10)]
    resolution = resolve_corpus([*mentions, m("Biden", 20), m("Biden", 21)])
    aliases = by_alias(resolution.entities)
    assert aliases["Biden"].name == "Biden"
    assert "its documents do not say which: kept apart" in aliases["Biden"].aliases["Biden"].reason
    assert {s.candidate for s in resolution.suggestions} == {"person:joe biden", "person:hunter biden"}
    assert all(s.node == "person:biden" and s.mentions == 2 for s in resolution.suggestions)


def test_display_names_of_one_address_are_one_person() -> None:
    header = {"kind": MentionKind.HEADER, "address": "jd@example.org"}
    mentions = [
        m("Jonah Dreyfus", 1, **header),
        m("jonah D.", 2, **header),
        m("J", 3, **header),
        m("Jonah Dreyfus", 4),
    ]
    (entity,) = resolve_corpus(mentions).entities
    assert entity.name == "Jonah Dreyfus"
    assert "same address (jd@example.org)" in entity.aliases["J"].reason
    assert "email:jd@example.org" in entity.nodes


def test_a_shared_mailbox_joins_nobody() -> None:
    header = {"kind": MentionKind.HEADER, "address": "desk@example.org"}
    mentions = [m("Ann Leary", 1, **header), m("Bob Ruskin", 2, **header), m("AL", 3, **header)]
    names = sorted(e.name for e in resolve_corpus(mentions).entities)
    assert names == ["AL", "Ann Leary", "Bob Ruskin"]


def test_ocr_glued_name_is_split_when_the_prefix_is_a_known_name() -> None:
    mentions = [m("Jeffrey Epstein", d) for d in range(1, 7)] + [m("Jeffrey Epsteinand", 7)]
    (entity,) = resolve_corpus(mentions).entities
    assert "OCR-glued 'Epsteinand' read as 'Epstein' + 'and'" in entity.aliases["Jeffrey Epsteinand"].reason
    # an ordinary name ending in a glue word is left alone, and so is a surname that merely ends
    # like one ("Robertson" is not "Roberts" + "on")
    assert len(resolve_corpus([m("Ivor Wordsand", 1), m("Jeffrey Epstein", 2)]).entities) == 2
    roberts = [m("Virginia Roberts", d) for d in range(1, 7)] + [m("James Robertson", 8)]
    assert len(resolve_corpus(roberts).entities) == 2


def test_name_shaped_organisation_with_a_given_name_is_a_person() -> None:
    mentions = [m("Kairat Kelimbetov", d, ORG) for d in (1, 2, 3)] + [m("Kelimbetov", 3)]
    mentions += [m("Kairat Satpayev", 5), m("Kairat Umarov", 6)]  # "Kairat" opens people's names here
    entity = by_alias(resolve_corpus(mentions).entities)["Kairat Kelimbetov"]
    assert entity.type is P and "Kelimbetov" in entity.aliases
    assert "'Kairat' is a given name" in entity.aliases["Kairat Kelimbetov"].reason
    # without other people named Kairat (and no list knowing the name), it stays an organisation
    alone = [m("Kairat Kelimbetov", d, ORG) for d in (1, 2, 3)] + [m("Kelimbetov", 3)]
    assert by_alias(resolve_corpus(alone).entities)["Kairat Kelimbetov"].type is ORG
    # a frequent organisation keeps its type
    firms = [m("Morgan Stanley", d, ORG) for d in range(1, 10)] + [m("Stanley", 11)]
    assert {e.name: e.type for e in resolve_corpus(firms).entities}["Morgan Stanley"] is ORG


def test_judgements_override_the_rules() -> None:
    mentions = [m("Karim Massimov", 1), m("Karim Masimov", 2), m("Vera Lindqvist", 3)]
    assert len(resolve_corpus(mentions).entities) == 2
    apart = Judgement("person:karim massimov", "person:karim masimov", NEGATIVE, "ana", note="two men")
    assert len(resolve_corpus(mentions, judgements=[apart]).entities) == 3
    together = Judgement("person:vera lindqvist", "person:karim massimov", POSITIVE, "ana", note="alias")
    entities = resolve_corpus(mentions, judgements=[together]).entities
    (merged,) = [e for e in entities if "Vera Lindqvist" in e.aliases]
    assert merged.aliases["Vera Lindqvist"].reason.startswith("merged by ana: alias") or merged.aliases[
        "Karim Massimov"
    ].reason.startswith("merged by ana: alias")


def test_type_judgements_reject_or_retype() -> None:
    mentions = [m("Unexpected Findings", 1), m("Palm Beach", 2)]
    reject = Judgement("person:unexpected findings", "type:person", NEGATIVE, "ana")
    retype = Judgement("person:palm beach", "type:location", POSITIVE, "ana")
    entities = resolve_corpus(mentions, judgements=[reject, retype]).entities
    assert [(e.name, e.type.value) for e in entities] == [("Palm Beach", "location")]


def test_lone_given_name_and_initial_go_to_a_dominant_bearer() -> None:
    # "Jonah" opens full names often enough to be a given name in this corpus
    mentions = [m("Jonah Dreyfus", d) for d in range(100, 170)] + [m("Jonah Pike", 13), m("Ines Kahle", 13)]
    mentions += [m("Jonah Pike", 14), m("Ines Kahle", 14)]
    header = {"kind": MentionKind.HEADER, "address": "jp@example.org"}
    mentions += [m("Jonah", 20), m("Jonah D.", 21), m("Jonah P.", 23), m("Jonah Pike", 23, **header)]
    aliases = by_alias(resolve_corpus(mentions).entities)
    assert aliases["Jonah"].name == aliases["Jonah D."].name == "Jonah Dreyfus"
    assert "'Jonah': 'Jonah Dreyfus' is named in full 70 times" in aliases["Jonah"].aliases["Jonah"].reason
    assert aliases["Jonah P."].name == "Jonah Pike"  # the initial, in an email whose header names him


def test_a_junk_full_name_does_not_block_a_lone_surname() -> None:
    # NER reads "Dreyfus Tower" as a person: "Dreyfus" is not thereby a given name
    mentions = [m("Jonah Dreyfus", d) for d in range(1, 30)] + [m("Dreyfus Tower", 31), m("Dreyfus", 32)]
    assert by_alias(resolve_corpus(mentions).entities)["Dreyfus"].name == "Jonah Dreyfus"


def test_a_name_without_a_patronymic_does_not_chain_two_different_ones() -> None:
    mentions = [
        m("Kirill Matveyevich Lysenkov", 1),
        m("Kirill Lysenkov", 2),
        m("Kirill Borisovich Lysenkov", 3),
    ]
    entities = by_alias(resolve_corpus(mentions).entities)
    assert entities["Kirill Matveyevich Lysenkov"] is not entities["Kirill Borisovich Lysenkov"]
    # George W. and George H. W. are two presidents
    bushes = by_alias(resolve_corpus([m("George W. Bush", 1), m("George H. W. Bush", 2)]).entities)
    assert bushes["George W. Bush"] is not bushes["George H. W. Bush"]


def test_a_retyping_reason_quotes_real_mention_counts() -> None:
    # a watchlist match weighs a million votes; the reason still counts mentions
    mentions = [m("Daniyar Kassenov", 1, watchlist_id="w1"), m("Daniyar Kassenov", 2, ORG)]
    (entity,) = resolve_corpus(mentions).entities
    assert "person in most of its 2 other mentions" in entity.aliases["Daniyar Kassenov"].reason
