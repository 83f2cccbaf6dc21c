"""The entity step on hostile text shapes at two sizes: CPU seconds and how they grow.

    .venv/bin/python bench/entities_worst.py [--size 100000] [--lang de --lang en ...] [--shape "result lines" ...]

Each shape (result lines, tables, runs of capitals, dots, brackets, random Unicode, ...) is built at
--size characters and at 3x that, and tagged once each in this process (models warmed first). The
ratio of the two CPU times is ~3 for a step that is linear in its input; a ratio far above 3 marks a
rule that scans something per mention (the results-table overlap test was one, quadratic until the
bisect in ner/mentions.results_and_tables). A body is at most 1 MB (the producers' limit), so a
shape's CPU at 3x --size (300 KB by default) times ~3.3 bounds what one article can cost.
Needs nothing from ../shared.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.processor.entities import tag_entities  # noqa: E402

_BRACKETED = ["1:0 Effenberg (23.)", "12' Vonasek 1-0", "Museeuw (Bel/Mapei)", "Calvo (Groen)", "Andhra Pradesh (AP)"]
_LINE_OPENINGS = ["BONN. Der Kanzler", "AJAX VS PSV", "Eerste klasse: Lierse - Genk 2-0, Gent - Aalst 1-1"]
_WIRE_LINES = ["SOCCER - LEEDS SACK MANAGER", "Stepanovic sagte , Waigel und Blüm", "Die Tore erzielten Bode , Rufer und Herzog",
               "HARTFORD 12 8 4 83 70 28", "FRANKFURT A. M. , 6. Dezember", "Favoritin Sarah-Michelle Kudla (SCC)",
               "Israel's Prime Minister Benjamin Netanyahu", "Premier Jean-Luc Dehaene ( CVP )"]
_LINE_ENDS = ["op de E40", "het Limburgse Genk", "den Schweden Stefan Edberg", "NATO Secretary General"]
# shape -> text of about n characters (a fixed seed: the same texts every run)
# Lines of the shapes session 22's rules read: rankings with a country and a team, races, a body in a town, an
# acronym before a hyphen, labels before a colon, stock indices, titled names, a state after its town.
_SESSION22_LINES = (
    "1. Gianni Bugno ( Italy ) Mapei 6 hours", "2. Picabo Street ( U.S. ) 1:46.11", "Tour de France", "TOUR OF LOMBARDY",
    "Het Openbaar Ministerie in Brugge vraagt", "de VRT-journalist en de NATO-led", "Voetbal : Anderlecht wint",
    "Der Dax schloss", "Papst Benedikt XVI. reiste", "south of Charlottesville, Virginia, on", "Hoge Raad voor de Justitie",
    "Chicago 2 ST LOUIS 2 ( OT )", "Der Münchner Konzern Siemens", "Shares in Hoechst AG rose",
)
# Session 23's: speakers after the verb, scorers after "goals of", results with scorers, innings summaries, V
# headlines, spaced possessives, nationalities before names, offices, a month ending a name.
_SESSION23_LINES = (
    '" Wir haben verloren " , zegt Vandereycken .', "Volgens Verstraeten is er", "door doelpunten van Van Nistelrooy en Bruggink",
    "Arsenal 2 ( Wright 23 , Bergkamp 67 ) Stoke 1 ( Sheron 44 )", "50 overs ( Andy Flower 57 ; Wasim Akram 3-30 )",
    "CRICKET - SRI LANKA V WEST INDIES SCOREBOARD", "Moody 's Investors Service", "American Mark O'Meara and New Zealander Frank",
    "Secretary of State Warren Christopher", "Theresa May said . in May", "Museeuw won de Ronde", "Swede Magnus Larsson", ") (",
)
_SESSION24_LINES = (
    "Hércules CF , Recreativo Huelva , Cádiz en Numancia ,", "NHL ICE HOCKEY - STANDINGS", "BUFFALO 13 9 2 73 64 28",
    "NBA RESULTS", "NEW JERSEY 102 Boston 89", "Alberto Fujimori , Kenji Fujimori y Keiko Fujimori",
    "jeremy.wright.mp@parliament.uk Jeremy Wright", "in Queensland , Tirol und Katalonien", "the White House and the Commons",
    "De SP in Gent", "Mexico , Guadalajara ,",
)
SHAPES: dict[str, Callable[[int, random.Random], str]] = {
    "capitalised words": lambda n, r: " ".join(r.choice(["ABC", "Leeds", "HSV", "NATO", "Mr", "Dr."]) for _ in range(n // 5)),
    "numbers": lambda n, r: " ".join(str(r.randint(0, 999)) for _ in range(n // 4)),
    "one table row": lambda n, r: "Leeds " + " 12" * (n // 3) + " x",
    "names and digits": lambda n, r: " ".join(r.choice(["Leeds", "2", "Everton", "1", "-", ":"]) for _ in range(n // 4)),
    "result lines": lambda n, r: "\n".join(f"Leeds {i % 10} Everton {i % 7}" for i in range(n // 18)),
    "league table cells": lambda n, r: " | ".join(f"Team{i % 50} ({i % 30} Pkt)" for i in range(n // 20)),
    "one word": lambda n, r: "Ab" * (n // 2),
    "hyphen chain": lambda n, r: "-".join(["Karl"] * (n // 5)),
    "dotted capitals": lambda n, r: "U.S." * (n // 4),
    "possessives": lambda n, r: "Hitler’s " * (n // 9),
    "particles": lambda n, r: " ".join(["von", "der", "Leyen", "van", "de"] * (n // 15)),
    "brackets": lambda n, r: "(" * (n // 2) + ")" * (n // 2),
    "quotes": lambda n, r: "„" * (n // 2) + "“" * (n // 2),
    "random BMP": lambda n, r: "".join(chr(r.randint(0x20, 0x2FFF)) for _ in range(n)),
    "emoji": lambda n, r: "".join(chr(r.randint(0x1F300, 0x1F6FF)) for _ in range(n // 2)),
    "title case": lambda n, r: " ".join(["The", "Great", "Big", "Street", "Of", "London"] * (n // 30)) + ".",
    "distinct full names": lambda n, r: " ".join(f"Name{i} Surname{i}" for i in range(n // 20)),
    "coordinated organisations": lambda n, r: " ".join(f"Trade and Farm{i % 97} Commission and" for i in range(n // 36)),
    "titles and championships": lambda n, r: " ".join(r.choice(["Rep.", "Sen.", "Landrat", "Schwimm-WM", "EM", "Müller",
                                                                 "die", "Australische", "leger"]) for _ in range(n // 7)),
    "titled names and regnal numbers": lambda n, r: " ".join(r.choice(["President", "Clinton", "Mr.", "Smith", "Paus", "Pius",
                                                                        "XI", "minister", "Zalm", "Yeltsin", "was"]) for _ in range(n // 6)),
    "headlines in capitals": lambda n, r: "\n".join(" ".join(r.choice(["CLINTON", "WINS", "IN", "BOSNIA", "AB", "WITHIN"])
                                                           for _ in range(6)) + "\nClinton wins within Bosnia." for _ in range(n // 60)),
    "wire headlines and datelines": lambda n, r: "\n".join(f"{r.choice(['SOCCER', 'TENNIS'])} - {r.choice(['ARSENAL', 'SELES'])} BEAT "
                                                            f"{r.choice(['CHELSEA', 'GRAF'])} IN LONDON\nLONDON 1996-12-06"
                                                            for _ in range(n // 60)),
    "match results, scorecards and affiliations": lambda n, r: "\n".join(
        f"{r.choice(['Barnsley', 'Bochum', 'N. Knight'])} {r.choice(['beat', 'verlor gegen', 'c Lara b'])} "
        f"{r.choice(['Bradford', 'Walsh', 'Thilo Brill (LG Nord)'])} {r.choice(['2-1', '45', 'by an innings'])}"
        f"{r.choice(['', ' Ambrose 20-5-45-2 ,'])}" for _ in range(n // 40)),
    "companies and wars": lambda n, r: " ".join(r.choice(["Ford", "Motor", "Co", "Corp", "&", "of", "AG", "Shares",
                                                          "Zweiten", "Weltkrieg", "World", "War", "II", "."])
                                               for _ in range(n // 5)),
    "lone names and pronouns": lambda n, r: " ".join(f"{r.choice(['Embiid', 'Google', 'Tarrytown'])} {r.choice(['was', 'scored', 'said'])} "
                                                     f"{r.choice(['it', 'well', 'to Embiid'])}{r.choice(['. He', ', and he', ', though she'])}"
                                                     for _ in range(n // 30)),
    "goal lists, riders and parties in brackets": lambda n, r: ", ".join(r.choice(_BRACKETED) for _ in range(n // 20)),
    "datelines, fixtures and roads": lambda n, r: "\n".join(f"{r.choice(_LINE_OPENINGS)} {r.choice(_LINE_ENDS)}" for _ in range(n // 70)),
    "team headlines, speakers, scorers and table rows": lambda n, r: "\n".join(r.choice(_WIRE_LINES) for _ in range(n // 40)),
    "clubs, scores and parties": lambda n, r: " ".join(r.choice(["Leeds", "United", "FC", "Porto", "Inter", "Milan", "2-1",
                                                                  "manager", "die", "Grünen", "Union"]) for _ in range(n // 6)),
    "rankings, races, bodies in towns and acronym compounds": lambda n, r: "\n".join(r.choice(_SESSION22_LINES)
                                                                                      for _ in range(n // 40)),
    "speakers, scorers, innings and possessive companies": lambda n, r: "\n".join(r.choice(_SESSION23_LINES)
                                                                                   for _ in range(n // 40)),
    "closing brackets": lambda n, r: "7 )\n" * (n // 4),
    "club lists, league tables, relatives and addresses": lambda n, r: " ".join(r.choice(_SESSION24_LINES)
                                                                                  for _ in range(n // 30)),
}


def cpu(text: str, lang: str) -> float:
    t0 = time.process_time()
    tag_entities(text, lang)
    return time.process_time() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=100_000, help="characters of the smaller text (the larger is 3x)")
    ap.add_argument("--lang", action="append", help="languages (repeatable; default de en nl fr)")
    ap.add_argument("--shape", action="append", choices=sorted(SHAPES), help="only these shapes (repeatable)")
    args = ap.parse_args()
    langs = args.lang or ["de", "en", "nl", "fr"]
    shapes = {name: SHAPES[name] for name in args.shape} if args.shape else SHAPES
    for lang in langs:
        tag_entities("Warm-up: Vladimir Poetin in Moskou und Berlin.", lang)
    print(f"{'lang':4} {'shape':26} {'chars':>9} {'CPU s':>7} {'chars':>9} {'CPU s':>7} {'ratio':>6}")
    worst = 0.0
    for lang in langs:
        for name, make in shapes.items():
            small, large = make(args.size, random.Random(1)), make(3 * args.size, random.Random(1))
            a, b = cpu(small, lang), cpu(large, lang)
            worst = max(worst, b / len(large))
            print(f"{lang:4} {name:26} {len(small):9,} {a:7.2f} {len(large):9,} {b:7.2f} {b / max(a, 1e-3):6.1f}", flush=True)
    print(f"worst CPU per MB (larger texts): {worst * 1e6:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
