"""Related stories: how well the multilingual sentence encoder tells one story from two.

Usage::

    python benchmarks/related.py [--data ../shared/data]

(a) **tgcontest pairs** (``neardup/tgcontest-*.tsv``, IlyaGusev/tgcontest, Toloka
    ``clustering_pairs``, Apache-2.0; same-language pairs, English and Russian): for every labelled
    pair, the cosine of the two documents' opening vectors (``threadline.link.related``) against
    the label (``OK``: the same story). Prints ROC AUC, and precision and recall at the shipped
    threshold and a few others, beside what the copy detector (``find_pairs``) finds on the same
    pairs, so the two can be compared: the copy detector claims copies and rewrites only.
(b) **fictional English/Russian pairs** written below (a wire story and a Russian rewrite of it,
    in other words and order, for six invented events): each English story against each Russian
    one; a pair is right when its own rewrite scores above the threshold and the other stories
    below it.

The last line is machine-readable::

    auc=<.3f> precision=<.3f> recall=<.3f> cross_auc=<.3f> cross_precision=<.3f> cross_recall=<.3f>
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from neardup import Pool, load_pool
from threadline.link.duplicates import DEFAULT_THRESHOLDS, find_pairs
from threadline.link.related import Encoder, opening
from threadline.store.related import DEFAULT_MIN_SCORE

DEFAULT_DATA = Path(__file__).resolve().parents[1] / "../shared/data"

# Invented events, English wire story and a Russian rewrite (not a sentence-by-sentence translation).
STORIES = [
    (
        "Port of Velmora shut after chemical spill",
        "VELMORA, May 4. The port of Velmora was closed on Sunday after a tanker spilled about 300 tonnes "
        "of liquid fertiliser into the harbour, the regional emergency service said. Divers and two "
        "clean-up vessels were working to contain the spill, and fishing within ten kilometres of the "
        "port was banned until further notice. The tanker's owner, Brask Shipping, said the crew had "
        "followed all procedures and that an investigation was under way. Environmental groups warned "
        "that the fertiliser could cause an algae bloom in the bay within days.",
        "Порт Вельмора закрыт из-за разлива удобрений",
        "Порт Вельмора в воскресенье прекратил работу: из танкера в гавань вылилось около 300 тонн "
        "жидких удобрений, сообщила региональная служба по чрезвычайным ситуациям. Запрещён лов рыбы в "
        "радиусе десяти километров от порта. Локализацией разлива занимаются водолазы и два судна. "
        "Владелец танкера, компания Brask Shipping, утверждает, что экипаж действовал по инструкции, и "
        "начал внутреннее расследование. Экологи опасаются, что уже через несколько дней в заливе "
        "начнётся цветение водорослей.",
    ),
    (
        "Former mayor of Dunstal jailed for bribery",
        "DUNSTAL, June 12. A court in Dunstal on Wednesday sentenced the city's former mayor, Oren Vasker, "
        "to seven years in prison for taking bribes from construction firms. Prosecutors said Vasker "
        "received more than two million euros in exchange for building permits between 2016 and 2020. "
        "The court also banned him from holding public office for ten years and ordered the seizure of "
        "two apartments and a yacht. His lawyer said the defence would appeal against the verdict.",
        "Экс-мэра Данстала приговорили к семи годам",
        "Суд Данстала в среду признал бывшего мэра города Орена Васкера виновным во взяточничестве и "
        "назначил ему семь лет лишения свободы. По версии обвинения, в 2016–2020 годах он получил от "
        "строительных компаний более двух миллионов евро за выдачу разрешений на строительство. Кроме "
        "того, Васкеру на десять лет запрещено занимать государственные должности, а две его квартиры "
        "и яхта конфискованы. Адвокат осуждённого намерен обжаловать приговор.",
    ),
    (
        "Heatwave breaks records across the Sarnic plain",
        "TALLOR, July 21. Temperatures on the Sarnic plain reached 44 degrees Celsius on Saturday, the "
        "highest since records began in 1881, the national weather service said. Several towns opened "
        "cooling centres and the rail operator cut speeds on lines where tracks risked buckling. "
        "Farmers warned that the wheat harvest could fall by a quarter. Forecasters expect the heat to "
        "last until the middle of next week.",
        "Рекордная жара на Сарнийской равнине",
        "В субботу на Сарнийской равнине было зафиксировано плюс 44 градуса — это абсолютный рекорд с "
        "начала наблюдений в 1881 году, сообщила национальная метеослужба. В ряде городов открылись "
        "пункты охлаждения, а железнодорожники снизили скорость поездов из-за риска деформации рельсов. "
        "Аграрии предупреждают, что урожай пшеницы может сократиться на четверть. Синоптики ожидают, "
        "что аномальная жара продержится до середины следующей недели.",
    ),
    (
        "Orvane Telecom agrees to buy rival Kestrel Mobile",
        "KORVIN, March 3. Orvane Telecom said on Monday it had agreed to buy its smaller rival Kestrel "
        "Mobile for 1.8 billion dollars, creating the country's largest mobile operator with 14 million "
        "subscribers. The deal still needs the approval of the competition authority, which has blocked "
        "two earlier mergers in the sector. Orvane shares rose six percent in early trading, while "
        "unions said they feared job cuts at Kestrel's call centres.",
        "Orvane Telecom покупает конкурента Kestrel Mobile",
        "Компания Orvane Telecom в понедельник объявила о соглашении о покупке меньшего конкурента, "
        "оператора Kestrel Mobile, за 1,8 миллиарда долларов. После сделки появится крупнейший в стране "
        "мобильный оператор с 14 миллионами абонентов. Сделку ещё должно одобрить антимонопольное "
        "ведомство, которое уже блокировало два подобных слияния. Акции Orvane на открытии торгов "
        "подорожали на шесть процентов, а профсоюзы опасаются сокращений в колл-центрах Kestrel.",
    ),
    (
        "Flooding forces evacuation of villages on the Merrow river",
        "HALVEN, October 9. More than 3,000 people were evacuated from villages along the Merrow river "
        "after two days of heavy rain burst its banks, local authorities said on Thursday. Army units "
        "helped to build sandbag walls around the town of Halven, and two bridges were closed. One man "
        "was missing after his car was swept away near the village of Corran.",
        "Наводнение на реке Мерроу: эвакуированы тысячи жителей",
        "После двух дней проливных дождей река Мерроу вышла из берегов, и из прибрежных сёл "
        "эвакуировали более трёх тысяч человек, сообщили в четверг местные власти. Военные помогают "
        "возводить защитные валы из мешков с песком вокруг города Халвен, два моста закрыты. Около "
        "деревни Корран пропал без вести мужчина, автомобиль которого унесло течением.",
    ),
    (
        "Museum in Estrow recovers stolen medieval manuscript",
        "ESTROW, December 2. A medieval manuscript stolen from the Estrow city museum eleven years ago has "
        "been found in a private collection abroad and returned, the museum said on Tuesday. The "
        "fourteenth-century book of hours was identified by an art historian who saw it in an auction "
        "catalogue. Police said no charges would be brought against the collector, who had bought it "
        "in good faith.",
        "Музей Эстроу вернул украденную средневековую рукопись",
        "Средневековая рукопись, похищенная из городского музея Эстроу одиннадцать лет назад, "
        "обнаружена в частной коллекции за рубежом и возвращена, сообщили во вторник в музее. "
        "Часослов XIV века опознала искусствовед, увидевшая его в каталоге аукциона. Полиция не будет "
        "предъявлять обвинений коллекционеру: он приобрёл книгу добросовестно.",
    ),
]


def auc(scores: list[float], labels: list[bool]) -> float:
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def precision_recall(scores: list[float], labels: list[bool], threshold: float) -> tuple[float, float]:
    tp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= threshold and y)
    fp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= threshold and not y)
    fn = sum(1 for s, y in zip(scores, labels, strict=True) if s < threshold and y)
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


def pool_scores(pool: Pool, encoder: Encoder) -> tuple[list[float], list[bool], int]:
    vectors = encoder.vectors(
        [opening(t, x) or [x[:300]] for t, x in zip(pool.titles, pool.texts, strict=True)]
    )
    copies = {(p.a, p.b) for p in find_pairs(enumerate(pool.texts), DEFAULT_THRESHOLDS)}
    scores, labels, copied = [], [], 0
    for a, b, same in pool.pairs:
        scores.append(float(vectors[a] @ vectors[b]))
        labels.append(same)
        copied += same and (min(a, b), max(a, b)) in copies
    return scores, labels, copied


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    encoder = Encoder(threads=1)
    threshold = DEFAULT_MIN_SCORE
    folder = args.data / "neardup"
    all_scores: list[float] = []
    all_labels: list[bool] = []
    copied_total = 0
    started = time.perf_counter()
    texts = 0
    for path in sorted(folder.glob("tgcontest-*.tsv")):
        pool = load_pool(path)
        texts += len(pool.texts)
        scores, labels, copied = pool_scores(pool, encoder)
        copied_total += copied
        p, r = precision_recall(scores, labels, threshold)
        print(
            f"{pool.name:16} pairs={len(labels):3} same={sum(labels):3}  AUC={auc(scores, labels):.3f}"
            f"  at {threshold}: P={p:.3f} R={r:.3f}  copy detector finds {copied} of {sum(labels)} same-story pairs"
        )
        all_scores += scores
        all_labels += labels
    seconds = time.perf_counter() - started
    if not all_labels:
        print(f"no tgcontest pairs under {folder}", file=sys.stderr)
    total_auc = auc(all_scores, all_labels)
    print(
        f"all tgcontest: pairs={len(all_labels)} AUC={total_auc:.3f} ({texts} texts in {seconds:.1f} s, one thread)"
    )
    for t in (0.45, 0.5, threshold, 0.6, 0.65, 0.7):
        p, r = precision_recall(all_scores, all_labels, t)
        print(f"  threshold {t:.2f}: P={p:.3f} R={r:.3f}")
    print(f"  copy detector alone: finds {copied_total} of {sum(all_labels)} same-story pairs")
    precision, recall = precision_recall(all_scores, all_labels, threshold)

    english = encoder.vectors([opening(t, x) for t, x, _, _ in STORIES])
    russian = encoder.vectors([opening(t, x) for _, _, t, x in STORIES])
    cross = english @ russian.T
    cross_scores = [float(cross[i, j]) for i in range(len(STORIES)) for j in range(len(STORIES))]
    cross_labels = [i == j for i in range(len(STORIES)) for j in range(len(STORIES))]
    cross_auc = auc(cross_scores, cross_labels)
    cp, cr = precision_recall(cross_scores, cross_labels, threshold)
    own = np.diag(cross)
    others = cross[~np.eye(len(STORIES), dtype=bool)]
    print(
        f"fictional English/Russian: {len(STORIES)} rewrites, own pair {own.min():.2f}-{own.max():.2f},"
        f" other stories {others.min():.2f}-{others.max():.2f}; AUC={cross_auc:.3f} at {threshold}: P={cp:.3f} R={cr:.3f}"
    )
    print(
        f"auc={total_auc:.3f} precision={precision:.3f} recall={recall:.3f}"
        f" cross_auc={cross_auc:.3f} cross_precision={cp:.3f} cross_recall={cr:.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
