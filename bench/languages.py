"""Naturalness of the French, Spanish, Italian and Portuguese voices beside espeak-ng.

    .venv/bin/python bench/languages.py synth /tmp/lang            # the product's venv
    BENCH/bin/python bench/languages.py score /tmp/lang            # a venv with distillmos
    .venv/bin/python bench/languages.py report /tmp/lang           # into RESULTS.md

Two paragraphs of our own text per language, each sentence read as a build reads it
(read_aloud in the show's language, then the voice), joined with GAP seconds of
silence, written as WAV. Every Kokoro voice of that language and espeak-ng in the same
language (the only other offline voice essaycast has for it) read the same paragraphs.
Scoring is voices.py's: DistillMOS 0.9.1 at 16 kHz, after an inaudible -90 dBFS noise
floor, in a bench-only venv (`pip install torch==2.13.0 distillmos==0.9.1 scipy`), so no
scoring library touches the product's. German has no Kokoro voice and no Piper voice on
PyPI: espeak-ng's is measured alone, for the record.
"""

from __future__ import annotations

import json
import sys
import time
import wave
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parents[1]
RESULTS_MD = ROOT / "bench" / "RESULTS.md"
GAP = 0.25  # seconds of silence between sentences, as voices.py
TARGET = 1.5  # DistillMOS above espeak-ng's on the same paragraphs (issue 30)
BEGIN, END = "<!-- languages:begin -->", "<!-- languages:end -->"

# language -> (the show's language, the Kokoro voices, espeak-ng's voice for it)
LANGUAGES = {
    "fr": ("fr", ["ff_siwis"], "fr"),
    "es": ("es", ["ef_dora", "em_alex"], "es"),
    "it": ("it", ["if_sara", "im_nicola"], "it"),
    "pt": ("pt-BR", ["pf_dora", "pm_alex"], "pt-br"),
    "de": ("de", [], "de"),
}

# our own text: two paragraphs a language, a sentence a line, with a number or date each
PARAGRAPHS = {
    "fr": [
        [
            "Le matin du 14 juillet, la ville s'éveillait lentement sous un ciel pâle.",
            "Les boulangers ouvraient leurs portes et l'odeur du pain chaud remplissait la rue.",
            "Marie traversa la place en pensant aux 3 lettres qu'elle n'avait jamais envoyées.",
            "Elle savait que certaines histoires attendent longtemps avant d'être racontées.",
        ],
        [
            "Un bon livre ne se lit pas, il se relit.",
            "Depuis 1990, ma grand-mère garde ses romans préférés sur la même étagère.",
            "Elle dit que chaque lecture révèle un détail qu'on avait oublié.",
            "Le papier jaunit, mais les phrases restent fraîches comme au premier jour.",
        ],
    ],
    "es": [
        [
            "El 12 de octubre llovió sin parar sobre el puerto.",
            "Los pescadores esperaban en la taberna, contando historias de otros inviernos.",
            "Uno de ellos recordaba una tormenta que duró 3 días y 3 noches.",
            "Nadie le creía del todo, pero todos querían escucharla otra vez.",
        ],
        [
            "Mi abuela guardaba sus cartas en una caja de madera.",
            "Desde 1975 no había abierto aquella caja ni una sola vez.",
            "Cuando por fin la abrimos, encontramos fotografías y recetas olvidadas.",
            "Aquella tarde cocinamos juntas el pastel de su infancia.",
        ],
    ],
    "it": [
        [
            "Il 25 aprile la piazza era piena di gente e di musica.",
            "I bambini correvano tra i tavoli mentre gli anziani parlavano del passato.",
            "Mio nonno raccontava di un viaggio in treno durato 2 giorni interi.",
            "Diceva che il paesaggio cambiava colore a ogni stazione.",
        ],
        [
            "Un buon caffè si beve lentamente, senza fretta.",
            "Dal 1968 la stessa famiglia gestisce il bar all'angolo della strada.",
            "Ogni mattina il proprietario saluta i clienti per nome.",
            "È un piccolo rito che rende la città un po' più accogliente.",
        ],
    ],
    "pt": [
        [
            "No dia 7 de setembro, a cidade acordou com o som de tambores.",
            "As crianças corriam pelas ruas enquanto os vendedores montavam as barracas.",
            "Minha avó contava que viu o primeiro desfile há mais de 60 anos.",
            "Ela ainda se lembra das cores das bandeiras e do cheiro de pipoca.",
        ],
        [
            "Um bom livro é como uma conversa com um velho amigo.",
            "Desde 1982, meu pai guarda os seus romances favoritos na mesma estante.",
            "Ele diz que cada leitura revela um detalhe que tinha passado despercebido.",
            "As páginas amarelam, mas as frases continuam vivas.",
        ],
    ],
    "de": [
        [
            "Am 3. Oktober regnete es in der ganzen Stadt.",
            "Die Menschen warteten unter den Vordächern und erzählten sich Geschichten.",
            "Ein alter Mann erinnerte sich an einen Winter, der 4 Monate dauerte.",
            "Niemand glaubte ihm ganz, aber alle hörten gern zu.",
        ],
        [
            "Ein gutes Buch liest man nicht nur einmal.",
            "Seit 1985 steht das Lieblingsbuch meiner Mutter im selben Regal.",
            "Sie sagt, dass sie bei jedem Lesen etwas Neues entdeckt.",
            "Das Papier wird gelb, doch die Sätze bleiben frisch.",
        ],
    ],
}


def log(message: str) -> None:
    print(f"[languages] {message}", file=sys.stderr, flush=True)


def voices() -> list[tuple[str, str, str]]:
    """(language, engine, voice) for every voice measured."""
    rows = []
    for lang, (_, kokoro, espeak) in LANGUAGES.items():
        rows += [(lang, "kokoro", name) for name in kokoro]
        rows.append((lang, "espeak", espeak))
    return rows


def synth(out: Path) -> None:
    """Every voice reads its language's paragraphs; WAVs and timings into `out`."""
    from pipeline.model import VoiceSpec
    from pipeline.speech import ENGINES
    from pipeline.text.normalize import read_aloud

    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, dict] = {}
    for lang, engine, voice in voices():
        show_language = LANGUAGES[lang][0]
        spec = VoiceSpec(engine, voice)
        name = f"{engine}_{voice}"
        reason = ENGINES[engine].unavailable_reason(spec)
        if reason:
            timings[name] = {"language": lang, "unavailable": reason}
            continue
        log(f"{engine}:{voice} ({lang})")
        speaker = ENGINES[engine].create(spec)
        seconds, wall = [], []
        for index, paragraph in enumerate(PARAGRAPHS[lang]):
            spoken = [read_aloud(s, show_language).spoken for s in paragraph]
            started = time.perf_counter()
            pieces = list(speaker.synthesize(spoken))
            wall.append(time.perf_counter() - started)
            rate = pieces[0].sample_rate
            gap = b"\0\0" * int(GAP * rate)
            with wave.open(str(out / f"{name}-{index}.wav"), "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(rate)
                wav.writeframes(gap.join(p.pcm for p in pieces))
            seconds.append(sum(len(p.pcm) for p in pieces) / 2 / rate)
        timings[name] = {
            "language": lang,
            "engine": engine,
            "voice": voice,
            "audio_seconds": [round(s, 2) for s in seconds],
            "synthesis_seconds": [round(w, 2) for w in wall],
            "spoken": [[read_aloud(s, LANGUAGES[lang][0]).spoken for s in p]
                       for p in PARAGRAPHS[lang]],
        }  # fmt: skip
    (out / "synth.json").write_text(json.dumps(timings, ensure_ascii=False, indent=1))


def score(out: Path) -> None:
    """DistillMOS per paragraph for every WAV synth() wrote (voices.py's scoring)."""
    import voices as bench_voices

    data = json.loads((out / "synth.json").read_text())
    model = bench_voices.distillmos_model()
    for name, row in data.items():
        if "unavailable" in row:
            continue
        scores = []
        for index in range(len(PARAGRAPHS[row["language"]])):
            audio, rate = bench_voices.read_wav(out / f"{name}-{index}.wav")
            scores.append(round(bench_voices.mos(model, bench_voices.to_16k(audio, rate)), 3))
        row["distillmos"] = scores
        row["distillmos_mean"] = round(sum(scores) / len(scores), 3)
        log(f"{name}: {scores}")
    (out / "scores.json").write_text(json.dumps(data, ensure_ascii=False, indent=1))


def report(out: Path) -> str:
    """The RESULTS.md section for these figures."""
    sys.path.insert(0, str(ROOT))
    import harness as h

    data = json.loads((out / "scores.json").read_text())
    lines = [
        "| language | voice | DistillMOS (mean; per paragraph) | espeak-ng's | difference | "
        "synthesis ÷ audio |",
        "|---|---|---|---|---|---|",
    ]
    for lang, (_, kokoro, espeak) in LANGUAGES.items():
        base = data[f"espeak_{espeak}"]
        for name in [*kokoro, None]:
            row = base if name is None else data[f"kokoro_{name}"]
            if "unavailable" in row:
                lines.append(f"| {lang} | {row.get('voice', name)} | unavailable | | | |")
                continue
            ratio = sum(row["synthesis_seconds"]) / sum(row["audio_seconds"])
            diff = row["distillmos_mean"] - base["distillmos_mean"]
            mark = "" if name is None else (" ✓" if diff >= TARGET else " ✗")
            lines.append(
                f"| {lang} | {row['engine']}:{row['voice']} | {row['distillmos_mean']:.2f} "
                f"({', '.join(f'{x:.2f}' for x in row['distillmos'])}) | "
                f"{base['distillmos_mean']:.2f} | "
                f"{'' if name is None else f'{diff:+.2f}{mark}'} | {ratio:.3f} |"
            )
    machine = h.machine()
    return "\n".join(
        [
            BEGIN,
            f"## Languages: Kokoro beside espeak-ng ({time.strftime('%Y-%m-%d')})",
            "",
            f"Machine: {machine.get('cpu', '?')}, {machine.get('nproc', '?')} cores, shared: "
            "load average 8-20 while these were made, so the synthesis ratios are a busy "
            "machine's (Kokoro's CPU cost per second of audio is the English table's). "
            "Intelligibility is not measured here: the bench's Whisper is English-only. "
            "`bench/languages.py`: "
            "two paragraphs of our own text per language, read as a build reads them "
            "(the language's normaliser, then the voice); DistillMOS 0.9.1 at 16 kHz with a "
            f"-90 dBFS noise floor, as in the English table. Target: {TARGET} above "
            "espeak-ng's on the same paragraphs (✓ met). Portuguese is Brazilian "
            "(Kokoro's pf/pm voices; espeak-ng pt-br). German: no Kokoro voice and no "
            "Piper voice on PyPI, so espeak-ng de is the offline German voice; measured "
            "alone.",
            "",
            *lines,
            "",
            END,
            "",
        ]
    )


def write_section(section: str) -> None:
    """Put the section into RESULTS.md, replacing the last one; the rest stays."""
    text = RESULTS_MD.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        head, _, rest = text.partition(BEGIN)
        _, _, tail = rest.partition(END)
        text = head + section.rstrip("\n") + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS_MD.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    command, folder = sys.argv[1], Path(sys.argv[2])
    if command == "synth":
        synth(folder)
    elif command == "score":
        score(folder)
    elif command == "report":
        write_section(report(folder))
    else:
        raise SystemExit(f"unknown command {command!r}; use synth, score or report")
