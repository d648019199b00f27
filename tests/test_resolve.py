"""Resolution rules: variants merge, lone surnames and initials never merge across documents."""

from __future__ import annotations

from threadline.model import EntityType, WatchlistPerson
from threadline.names.compare import NameForm, same_person_name, same_token, skeleton
from threadline.resolve.resolver import MentionRef, ResolvedEntity, resolve

P = EntityType.PERSON


def _names(entities: list[ResolvedEntity]) -> dict[str, list[int]]:
    return {e.name: sorted(e.mention_ids) for e in entities}


def test_transliteration_variants_are_one_token() -> None:
    assert same_token("massimov", "masimov")
    assert same_token("nazarbayev", "nazarbaev")
    assert same_token("ablyazov", "abliazov")
    assert same_token("aliyev", "aliev")


def test_near_spellings_of_different_names_stay_apart() -> None:
    assert not same_token("masimov", "maksimov")
    assert not same_token("tokayev", "tokarev")
    assert not same_token("nazarbayev", "nazarbayeva")  # feminine form: a different person
    assert skeleton("tokayev") != skeleton("tokarev")


def test_full_names_need_given_name_and_surname() -> None:
    assert same_person_name(NameForm.of("Karim Massimov"), NameForm.of("KARIM MASIMOV"))
    assert same_person_name(NameForm.of("MASSIMOV Karim"), NameForm.of("Karim Massimov"))
    assert not same_person_name(NameForm.of("Rakhat Aliyev"), NameForm.of("Ilham Aliyev"))
    assert not same_person_name(NameForm.of("K. Massimov"), NameForm.of("Karim Massimov"))
    assert not same_person_name(NameForm.of("George H. W. Bush"), NameForm.of("George W. Bush"))


def test_variants_merge_with_reasons() -> None:
    entities = resolve(
        [
            MentionRef(1, 1, "Karim Massimov", P),
            MentionRef(2, 1, "Massimov", P, full_name="Karim Massimov"),
            MentionRef(3, 2, "KARIM MASSIMOV", P),
            MentionRef(4, 3, "Karim Masimov", P),
        ]
    )
    assert _names(entities) == {"Karim Massimov": [1, 2, 3, 4]}
    reasons = entities[0].aliases
    assert "same document" in reasons["Massimov"].reason
    assert "transliteration" in reasons["Karim Masimov"].reason


def test_lone_surname_across_documents_only_when_unambiguous() -> None:
    entities = resolve(
        [
            MentionRef(1, 1, "Rakhat Aliyev", P),
            MentionRef(2, 2, "Ilham Aliyev", P),
            MentionRef(3, 3, "Aliyev", P),  # two known Aliyevs: stays apart
            MentionRef(4, 4, "Karim Massimov", P),
            MentionRef(5, 12, "Massimov", P),  # the one known Massimov, but no name list knows the word
            MentionRef(6, 6, "Nazarbayeva", P),
            MentionRef(7, 4, "Nursultan Nazarbayev", P),
            MentionRef(8, 8, "Karim Massimov", P),
            MentionRef(9, 8, "Nursultan Nazarbayev", P),
            MentionRef(12, 12, "Nursultan Nazarbayev", P),
            MentionRef(10, 10, "Tolkyn Umarova", P),
            MentionRef(11, 11, "Umarova", P),  # nothing in its document says she is Tolkyn
        ]
    )
    names = _names(entities)
    assert names["Karim Massimov"] == [4, 8]
    assert names["Massimov"] == [5]
    assert names["Umarova"] == [11]
    assert names["Rakhat Aliyev"] == [1]
    assert names["Ilham Aliyev"] == [2]
    assert names["Aliyev"] == [3]
    assert names["Nazarbayeva"] == [6]
    aliyev = next(e for e in entities if e.name == "Aliyev")
    assert "kept apart" in aliyev.aliases["Aliyev"].reason


def test_initials_do_not_merge_across_documents_with_two_candidates() -> None:
    entities = resolve(
        [
            MentionRef(1, 1, "Karim Massimov", P),
            MentionRef(2, 2, "Kairat Massimov", P),
            MentionRef(3, 3, "K. Massimov", P),
        ]
    )
    assert _names(entities)["K. Massimov"] == [3]


def test_watchlist_people_are_never_merged_together() -> None:
    watchlist = [
        WatchlistPerson("a", "Rakhat Aliyev"),
        WatchlistPerson("b", "Rakhat Aliev"),  # two list entries that look alike
    ]
    entities = resolve([MentionRef(1, 1, "Rakhat Aliyev", P, watchlist_id="a")], watchlist)
    assert [e.watchlist_id for e in entities if e.mention_ids] == ["a"]


def test_lone_watchlist_alias_goes_to_watchlist_person() -> None:
    watchlist = [WatchlistPerson("w", "Karim Massimov", ("Masimov",))]
    entities = resolve([MentionRef(1, 1, "Masimov", P, watchlist_id="w")], watchlist)
    assert _names(entities) == {"Karim Massimov": [1]}
    assert entities[0].watchlist_id == "w"


def test_organisations_merge_on_normalised_name() -> None:
    entities = resolve(
        [
            MentionRef(1, 1, "the Astana Energy Ministry", EntityType.ORGANIZATION),
            MentionRef(2, 2, "Astana Energy Ministry", EntityType.ORGANIZATION),
            MentionRef(3, 2, "Astana", EntityType.LOCATION),
        ]
    )
    assert sorted(len(e.mention_ids) for e in entities) == [1, 2]


def test_watchlist_aliases_that_are_not_variants_stay_one_person() -> None:
    watchlist = [WatchlistPerson("w", "Arman Seitkali", ("Arman Seitkaliyev", "Seitkali"))]
    entities = resolve(
        [MentionRef(1, 1, "Arman Seitkali", P), MentionRef(2, 2, "Arman Seitkaliyev", P)], watchlist
    )
    assert _names(entities) == {"Arman Seitkali": [1, 2]}
    assert "watchlist" in entities[0].aliases["Arman Seitkaliyev"].reason


def test_lone_word_that_is_also_a_given_name_stays_apart() -> None:
    entities = resolve(
        [
            MentionRef(1, 1, "Edmund Hillary", P),
            MentionRef(2, 2, "Hillary Clinton", P),
            MentionRef(3, 3, "Hillary", P),  # surname of one known person, given name of another
            MentionRef(4, 2, "Clinton", P),  # only known Clinton, and named in this document
            MentionRef(5, 5, "Hillary Clinton", P),
            MentionRef(6, 6, "Hillary Clinton", P),
        ]
    )
    names = _names(entities)
    assert names["Hillary"] == [3]
    assert names["Hillary Clinton"] == [2, 4, 5, 6]
    assert "kept apart" in next(e for e in entities if e.name == "Hillary").aliases["Hillary"].reason


def test_german_and_polish_romanisations() -> None:
    from threadline.names.keys import name_key

    for latin, cyrillic in [
        ("Fedortschenko", "Федорченко"),
        ("Utotschkin", "Уточкин"),
        ("Lubaszenko", "Любашенко"),
        ("Michalina", "Михалина"),
        ("Tichow", "Тихов"),
        ("Yanofsky", "Яновский"),
    ]:
        assert same_token(name_key(latin), name_key(cyrillic)), (latin, cyrillic)
    # Word-initial "Ch" stays ч: Chaikin (Чайкин) and Khaikin (Хайкин) are both real surnames.
    assert not same_token("chaikin", "khaikin")
    assert not same_token(name_key("Chaikin"), name_key("Хайкин"))


def test_display_name_prefers_the_latin_spelling_unless_asked_otherwise() -> None:
    P = EntityType.PERSON
    mentions = [
        MentionRef(1, 1, "Карим Масимов", P),
        MentionRef(2, 2, "Карим Масимов", P),
        MentionRef(3, 3, "Карим Масимов", P),
        MentionRef(4, 4, "Karim Masimov", P),
    ]
    (latin,) = resolve(mentions)
    assert latin.name == "Karim Masimov" and len(latin.mention_ids) == 4
    (cyrillic,) = resolve(mentions, prefer="cyrillic")
    assert cyrillic.name == "Карим Масимов"


def test_a_given_name_propagated_as_a_surname_does_not_join_the_bogus_full_name() -> None:
    """NER read "Giving Jeffrey" as a name, and the document's later "Jeffrey"s were propagated
    to it as its surname; across the corpus "Jeffrey" opens full names, so they stay apart."""
    P = EntityType.PERSON
    mentions = [MentionRef(i, i, "Jeffrey Aldous", P) for i in range(1, 11)]
    mentions.append(MentionRef(20, 20, "Giving Jeffrey", P))
    mentions += [MentionRef(i, 20, "Jeffrey", P, full_name="Giving Jeffrey") for i in range(21, 26)]
    entities = {e.name: e for e in resolve(mentions)}
    assert len(entities["Giving Jeffrey"].mention_ids) == 1
    assert set(range(21, 26)).isdisjoint(entities["Giving Jeffrey"].mention_ids)
    # A real surname propagated in its document still joins (Kassenov closes full names).
    mentions = [
        MentionRef(1, 1, "Daniyar Kassenov", P),
        MentionRef(2, 1, "Kassenov", P, full_name="Daniyar Kassenov"),
    ]
    (kassenov,) = resolve(mentions)
    assert len(kassenov.mention_ids) == 2


def test_a_name_written_surname_first_joins_only_its_own_person() -> None:
    # Sixty people share a given name; one of them is also written surname first. Only that one
    # joins it, and the rest stay apart (they were once compared all with all: a block that grew
    # with the square of the corpus).
    surnames = [a + b for a in ("Bar", "Kel", "Mor", "Tas", "Vin", "Dul") for b in ("ansky", "odin", "etti", "worth", "berg", "ulov", "amir", "esco", "ington", "ard")]  # fmt: skip
    mentions = [MentionRef(i, i, f"Elena {s}", P) for i, s in enumerate(surnames, start=1)]
    mentions.append(MentionRef(100, 100, "VINODIN Elena", P))
    groups = sorted(sorted(e.mention_ids) for e in resolve(mentions))
    assert len(groups) == len(surnames)
    assert [surnames.index("Vinodin") + 1, 100] in groups


def test_german_ch_for_kh_is_compared_although_no_key_is_shared() -> None:
    entities = resolve([MentionRef(1, 1, "Pavel Tichonov", P), MentionRef(2, 2, "Pavel Tikhonov", P)])
    assert len(entities) == 1
    assert (
        "German or Polish ch for kh"
        in entities[0].aliases["Pavel Tichonov"].reason + entities[0].aliases["Pavel Tikhonov"].reason
    )
