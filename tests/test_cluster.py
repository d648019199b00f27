"""Parsing and extraction on a Dask cluster: real `dask scheduler` and `dask worker` processes on loopback."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SAMPLE
from tests.pdf_fixtures import scanned_pdf, text_pdf
from threadline.cluster import PARSERS_NAME, ClusterError, ClusterSpec, Models
from threadline.config import Limits
from threadline.ingest.base import ReadResult, UnreadableFile
from threadline.ingest.ocr import ocr_options
from threadline.ingest.workers import ParseJob, ParsePool
from threadline.model import WatchlistPerson

DASK = Path(sys.executable).parent / "dask"
GENERATED_DOCUMENTS = 2000


def run(db: Path, *args: str, check: bool = True, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "threadline", "--db", str(db), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"threadline {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    return proc


def test_cluster_addresses_are_read_or_refused() -> None:
    assert ClusterSpec.parse("local:3") == ClusterSpec(None, 3)
    assert ClusterSpec.parse("tcp://10.0.0.5:8786") == ClusterSpec("tcp://10.0.0.5:8786")
    for wrong in ("local:0", "local:x", "10.0.0.5:8786"):
        with pytest.raises(ClusterError):
            ClusterSpec.parse(wrong)


def test_tasks_are_cut_by_documents_and_by_characters() -> None:
    from threadline.cluster import TASK_CHARACTERS, TASK_DOCUMENTS, _batches
    from threadline.model import CleanText, Document

    def item(n: int, length: int) -> tuple[Document, CleanText, int]:
        text = "x" * length
        return Document(path=f"d{n}", sha256=str(n), text=text), CleanText(text=text, segments=[]), n

    short = [item(n, 10) for n in range(TASK_DOCUMENTS + 5)]
    assert [len(b) for b, _ in _batches(short)] == [TASK_DOCUMENTS, 5]
    mixed = [item(0, 10), item(1, TASK_CHARACTERS * 3), item(2, 10), item(3, TASK_CHARACTERS - 5)]
    assert [[tag for _, _, tag in b] for b, _ in _batches(mixed)] == [[0], [1], [2], [3]]
    assert [tag for b, _ in _batches(mixed) for _, _, tag in b] == [0, 1, 2, 3]  # order kept


def test_a_wrong_cluster_address_is_a_clear_error(tmp_path: Path) -> None:
    proc = run(tmp_path / "t.db", "ingest", str(SAMPLE), "--cluster", "10.0.0.5:8786", check=False)
    assert proc.returncode == 2 and "tcp://HOST:PORT" in proc.stderr and "Traceback" not in proc.stderr


def test_no_scheduler_at_the_address_is_a_clear_error(tmp_path: Path) -> None:
    port = _free_port()  # nothing listens there
    proc = run(tmp_path / "t.db", "ingest", str(SAMPLE), "--cluster", f"tcp://127.0.0.1:{port}", check=False)
    assert proc.returncode == 2 and "no Dask scheduler answered" in proc.stderr
    assert "Traceback" not in proc.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Cluster:
    """A scheduler and workers as separate processes, as on real machines. Without a nanny a
    worker killed stays dead, so its tasks must go to the other one; with one it comes back."""

    def __init__(self, workers: int, log: Path, *, nanny: bool = False) -> None:
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.log = log.open("w")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}  # tests' own plugins are importable there
        common = {
            "stdout": self.log, "stderr": subprocess.STDOUT, "cwd": ROOT, "env": env, "start_new_session": True,
        }  # fmt: skip
        self.scheduler = subprocess.Popen(
            [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard"],
            **common,  # type: ignore[call-overload]
        )
        self.workers = [
            subprocess.Popen(
                [str(DASK), "worker", self.address, "--nthreads", "1", "--no-dashboard"]
                + ([] if nanny else ["--no-nanny"]),
                **common,  # type: ignore[call-overload]
            )
            for _ in range(workers)
        ]

    def wait_for_workers(self, count: int, timeout: float = 120) -> None:
        from distributed import Client

        with Client(self.address, timeout=timeout) as client:
            client.wait_for_workers(count, timeout=timeout)

    def close(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in [*self.workers, self.scheduler]:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.log.close()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    started = Cluster(2, tmp_path / "cluster.log")
    try:
        started.wait_for_workers(2)
        yield started
    finally:
        started.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fictional sample and generated news with planted people, links and rewrites."""
    folder = tmp_path_factory.mktemp("cluster-corpus")
    shutil.copytree(SAMPLE, folder / "sample")
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "synth.py"),
            "generate",
            str(folder / "generated"),
            "--docs",
            str(GENERATED_DOCUMENTS),
            "--seed",
            "7",
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (folder / "generated" / "truth.json").unlink()  # the answers are not a document
    return folder


@pytest.fixture(scope="module")
def plain(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus ingested without a cluster: the answers every cluster run must give."""
    db = tmp_path_factory.mktemp("plain") / "plain.db"
    run(db, "ingest", str(corpus), "--no-progress")
    return db


def _answers(db: Path) -> dict[str, str]:
    """What a user reads: entities, every link with its evidence, duplicates, and two paths."""
    out = {
        "entities": run(db, "entities", "--json", "--limit", "100000").stdout,
        "duplicates": run(db, "duplicates", "--json").stdout,
    }
    export = db.parent / f"{db.stem}-csv"
    run(db, "export", "csv", str(export))
    for file in sorted(export.iterdir()):
        out[f"export/{file.name}"] = file.read_text()
    with sqlite3.connect(db) as conn:
        pairs = conn.execute(
            "SELECT a.name, b.name FROM links l JOIN entities a ON a.id = l.a JOIN entities b ON b.id = l.b"
            " ORDER BY l.sentences DESC, a.name, b.name LIMIT 3"
        ).fetchall()
    for a, b in pairs:
        proc = run(db, "links", a, b, "--json", check=False)  # a name may be ambiguous: same in both
        out[f"links {a} / {b}"] = f"{proc.returncode}\n{proc.stdout}"
    return out


@pytest.mark.slow
def test_a_real_cluster_gives_the_same_answers_even_when_a_worker_dies(
    tmp_path: Path, corpus: Path, plain: Path, cluster: Cluster
) -> None:
    spread = tmp_path / "dask.db"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "threadline",
            "--db",
            str(spread),
            "ingest",
            str(corpus),
            "--no-progress",
            "--cluster",
            cluster.address,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Once documents are being stored, one worker dies: its tasks must run on the other.
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and proc.poll() is None and _stored(spread) < 200:
        time.sleep(0.5)
    assert proc.poll() is None, "the run ended before a worker could be lost"
    os.killpg(cluster.workers[0].pid, signal.SIGKILL)
    _, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err
    assert "cluster: 2 workers" in err and "parsing runs on this machine" not in err
    from distributed import Client

    with Client(cluster.address) as client:  # the surviving worker parsed files
        assert sum(client.run(lambda dask_worker: dask_worker.plugins[PARSERS_NAME].parsed).values()) > 0
    assert _stored(plain) == _stored(spread) > GENERATED_DOCUMENTS
    plain_answers, spread_answers = _answers(plain), _answers(spread)
    assert plain_answers.keys() == spread_answers.keys()
    for key, text in plain_answers.items():
        assert spread_answers[key] == text, f"{key} differs"
    assert run(spread, "errors", "--json").stdout == run(plain, "errors", "--json").stdout


def _stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            count: int = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
            return count
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_local_cluster_ingests_the_sample(tmp_path: Path) -> None:
    plain, spread = tmp_path / "plain.db", tmp_path / "local.db"
    for db in (plain, spread):  # the workers get the watchlist too
        run(db, "watchlist", "import", str(ROOT / "examples" / "watchlist.csv"))
    run(plain, "ingest", str(SAMPLE), "--no-progress")
    proc = run(spread, "ingest", str(SAMPLE), "--no-progress", "--cluster", "local:2")
    assert "cluster: 2 workers" in proc.stderr
    for command in (["entities", "--json"], ["duplicates", "--json"], ["summary", "--json"]):
        assert run(spread, *command).stdout == run(plain, *command).stdout, command
    hits = "SELECT count(*) FROM mentions WHERE watchlist_id IS NOT NULL"
    with sqlite3.connect(plain) as a, sqlite3.connect(spread) as b:
        assert (
            a.execute(hits).fetchone() == b.execute(hits).fetchone() > (0,)
        )  # the workers had the watchlist


@pytest.mark.slow
def test_kill_9_of_an_ingest_on_a_local_cluster_leaves_no_process_and_a_rerun_finishes(
    tmp_path: Path, corpus: Path, plain: Path
) -> None:
    """Killed mid-run with a work folder, the run leaves no process behind; the rerun takes what
    was extracted but not stored from the folder's parts, and answers as an uninterrupted run."""
    import psutil  # type: ignore[import-untyped]  # installed with distributed

    db, work = tmp_path / "k.db", tmp_path / "work"
    command = ["ingest", str(corpus), "--no-progress", "--cluster", "local:2", "--work", str(work)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "threadline", "--db", str(db), *command],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None and _stored(db) == 0:
            time.sleep(0.5)
        assert proc.poll() is None and _stored(db) > 0, "no document stored while the run went on"
        family = psutil.Process(proc.pid).children(recursive=True)
        assert len(family) >= 2  # the cluster's workers, at least
        proc.kill()
        proc.wait()
        _, alive = psutil.wait_procs(family, timeout=30)
        assert not alive, [p.cmdline() for p in alive]
    finally:
        if proc.poll() is None:
            proc.kill()
    assert list(work.glob("*.parquet"))  # the workers' parts, written before they answered
    before = _stored(db)
    report = json.loads(run(db, *command, "--json").stdout)
    assert _stored(db) == _stored(plain) == before + report["documents_added"]
    # Those extracted before the kill but not committed came from the parts (how many depends on
    # the moment of the kill; that they are taken at all is tested below, without timing).
    assert 0 <= report["extractions_from_parts"] <= report["documents_added"]
    assert not list(work.glob("*.parquet"))  # emptied once the run ended normally
    plain_answers, answers = _answers(plain), _answers(db)
    for key, text in plain_answers.items():
        assert answers[key] == text, f"{key} differs"


class RefusingModels(Models):
    """Models that refuse to run NER: a task sent out fails the run."""

    def nlp(self) -> Any:
        raise AssertionError("NER ran")


def test_extractions_in_the_work_folder_are_not_sent_out_again(tmp_path: Path) -> None:
    from threadline.clean import clean
    from threadline.cluster import TASK_DOCUMENTS, extract_on_cluster, open_cluster
    from threadline.config import SPACY_MODEL
    from threadline.model import Document
    from threadline.store.parts import WorkFolder

    texts = [f"Ines Okafor met Daniyar Kassenov in Astana on day {n}." for n in range(2 * TASK_DOCUMENTS + 3)]
    documents = [Document(path=f"d{n}.txt", sha256=str(n), text=t) for n, t in enumerate(texts)]
    items = [(document, clean(document), n) for n, document in enumerate(documents)]
    folder = tmp_path / "work"
    with open_cluster(ClusterSpec.parse("local:1")) as client:
        work = WorkFolder.open(folder, SPACY_MODEL, [])
        first = list(extract_on_cluster(client, items, [], spacy_model=SPACY_MODEL, work=work))
        assert len(list(folder.glob("*.parquet"))) == 3  # one part per task
        work = WorkFolder.open(folder, SPACY_MODEL, [])
        again = list(
            extract_on_cluster(
                client, items, [], spacy_model=SPACY_MODEL, work=work, models=RefusingModels(SPACY_MODEL)
            )
        )
        assert again == first and work.taken == len(items)
        # A changed watchlist changes every key: nothing is taken, NER runs (and here refuses).
        listed = WorkFolder.open(folder, SPACY_MODEL, [WatchlistPerson("w1", "Ines Okafor")])
        with pytest.raises(ClusterError, match="NER ran"):
            list(
                extract_on_cluster(
                    client,
                    items,
                    [],
                    spacy_model=SPACY_MODEL,
                    work=listed,
                    models=RefusingModels(SPACY_MODEL),
                )
            )


class PoisonedModels(Models):
    """The real models, except that a piece of text holding POISON kills the worker reading it."""

    def nlp(self) -> Any:
        real = super().nlp()

        class Pipeline:
            def pipe(self, texts: Iterable[str], **kwargs: Any) -> Iterator[Any]:
                def checked() -> Iterator[str]:
                    for text in texts:
                        if "POISON" in text:
                            os._exit(1)  # as a segfault in a C library would
                        yield text

                return real.pipe(checked(), **kwargs)  # type: ignore[no-any-return]

        return Pipeline()


@pytest.mark.slow
def test_a_document_that_kills_workers_costs_only_itself(tmp_path: Path) -> None:
    from distributed import Client

    from threadline.clean import clean
    from threadline.cluster import extract_on_cluster
    from threadline.config import SPACY_MODEL
    from threadline.model import Document

    texts = [f"Ines Okafor met Daniyar Kassenov in Astana on day {n}." for n in range(40)]
    texts[17] = "Ines Okafor wrote POISON to Daniyar Kassenov."
    documents = [Document(path=f"d{n}.txt", sha256=str(n), text=t) for n, t in enumerate(texts)]
    items = [(document, clean(document), n) for n, document in enumerate(documents)]
    cluster = Cluster(2, tmp_path / "cluster.log", nanny=True)
    try:
        cluster.wait_for_workers(2)
        with Client(cluster.address) as client:
            poisoned = PoisonedModels(SPACY_MODEL)
            results = list(extract_on_cluster(client, items, [], spacy_model=SPACY_MODEL, models=poisoned))
    finally:
        cluster.close()
    assert [tag for _, _, tag in results] == list(range(40))  # every document, in order
    failed = [(tag, str(extraction)) for _, extraction, tag in results if isinstance(extraction, Exception)]
    assert [tag for tag, _ in failed] == [17] and "cluster workers" in failed[0][1]
    people = {
        m.name
        for _, extraction, _ in results
        if not isinstance(extraction, Exception)
        for m in extraction.mentions
    }
    assert {"Ines Okafor", "Daniyar Kassenov"} <= people


def _parse_jobs(folder: Path) -> list[tuple[str, ParseJob]]:
    """Files of several formats, one scanned (OCR), plus a job of bytes as from an archive."""
    folder.mkdir()
    text_pdf(folder / "memo.pdf", ["Ines Okafor met Daniyar Kassenov.", "Second page, Astana."])
    scanned_pdf(folder / "scan.pdf", ["A scan naming Timur Abenov."])
    shutil.copy(next((SAMPLE / "emails").glob("*.eml")), folder / "mail.eml")
    (folder / "note.txt").write_text("Marlon Featherstone wrote to Ines Okafor.\n")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    jobs = []
    for path in sorted(folder.iterdir()):
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        jobs.append((path.name, ParseJob(str(path), path, sha)))
    jobs.append(("member", ParseJob("a.zip!/inner.txt", b"Timur Abenov in a zip.\n")))
    return jobs


def _parsed(results: Iterable[tuple[str, ParseJob, ReadResult | UnreadableFile]]) -> dict[str, Any]:
    return {
        tag: result.reason if isinstance(result, UnreadableFile) else [d.text for d in result.documents]
        for tag, _, result in results
    }


def test_cluster_workers_parse_as_the_local_pool_does(tmp_path: Path) -> None:
    """Each file read by a worker from the shared path, OCR included, gives what the local pool
    gives; a worker seeing another file at a path makes the run send the bytes."""
    from threadline.cluster import ClusterParsing, open_cluster, why_not_parse_on

    ocr, why_not = ocr_options(True)
    assert ocr is not None, why_not
    jobs = _parse_jobs(tmp_path / "files")
    with ParsePool[str](1, Limits(), ocr) as pool:
        local = _parsed(pool.map(jobs))
    assert local["scan.pdf"] and "Abenov" in local["scan.pdf"][0]
    assert isinstance(local["broken.pdf"], str)  # a reason, as from any parser
    with open_cluster(ClusterSpec.parse("local:1")) as client:
        assert why_not_parse_on(client) is None
        with ClusterParsing[str](client, Limits(), ocr) as parsing:
            assert _parsed(parsing.map(jobs)) == local
            assert parsing.progress.ocr_pages == 1 and parsing.shared
            counts = client.run(lambda dask_worker: dask_worker.plugins[PARSERS_NAME].parsed)
            assert sum(counts.values()) == len(jobs)  # parsed there, not here
            # The worker finds another file at that path than the one this process hashed.
            path = tmp_path / "files" / "note.txt"
            moved = [("note", ParseJob(str(path), path, "0" * 64))]
            assert _parsed(parsing.map(moved)) == {"note": local["note.txt"]}
            assert not parsing.shared  # bytes sent from here from now on
            assert _parsed(parsing.map(jobs)) == local


def test_daemon_workers_leave_parsing_to_this_machine(tmp_path: Path) -> None:
    """Dask's default worker (a daemon process) may not start a parse process: the files are
    parsed here instead, with the reason given, and nothing is lost."""
    from distributed import Client, LocalCluster

    from threadline.cluster import ClusterParsing, why_not_parse_on

    jobs = _parse_jobs(tmp_path / "files")
    with ParsePool[str](1, Limits(), None) as pool:
        local = _parsed(pool.map(jobs))
    with (
        LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        why = why_not_parse_on(client)
        assert why is not None and "DASK_DISTRIBUTED__WORKER__DAEMON=False" in why
        with ClusterParsing[str](client, Limits(), None) as parsing:  # a worker joined as a daemon
            assert _parsed(parsing.map(jobs)) == local


def test_a_worker_reads_a_paragraph_once_across_tasks() -> None:
    """A quoted paragraph repeated in documents of different tasks is parsed once by the worker,
    and every document's extraction is what the plain path gives."""
    from threadline.clean import clean
    from threadline.cluster import PLUGIN_NAME, TASK_DOCUMENTS, extract_on_cluster, open_cluster
    from threadline.config import SPACY_MODEL
    from threadline.extract.extractor import extract_documents, load_nlp
    from threadline.model import Document

    quoted = (
        "On Tuesday Ines Okafor told the committee in Astana that Daniyar Kassenov had signed the"
        " transfer himself, and that Marlon Featherstone, then at the ministry, had approved it"
        " two days later without asking the board. Neither man answered our questions about it,"
        " and the ministry said only that the file had been sent to the prosecutor in March."
    )
    reply = (
        "Timur Abenov replied on day {n} from Almaty, copying Ines Okafor, that the board had never"
        " seen the transfer, that the minutes of its meeting said nothing of it, and that he would"
        " ask the prosecutor for the file himself before the committee met again in the spring,"
        " when the new chairman, Pavel Orlov, would hear the ministry's side of it."
    )
    assert min(len(quoted), len(reply)) >= 300  # parts of their own (see extractor.paragraphs)
    texts = [f"Note {n}: Timur Abenov wrote from Almaty on day {n}." for n in range(2 * TASK_DOCUMENTS)]
    for n in (3, TASK_DOCUMENTS + 5):  # one copy in each of two tasks
        texts[n] = f"{quoted}\n\n{reply.format(n=n)}"
    documents = [Document(path=f"d{n}.txt", sha256=str(n), text=t) for n, t in enumerate(texts)]
    items = [(document, clean(document), n) for n, document in enumerate(documents)]
    plain = [e for _, e, _ in extract_documents(items, load_nlp(SPACY_MODEL))]
    with open_cluster(ClusterSpec.parse("local:1")) as client:
        spread = [e for _, e, _ in extract_on_cluster(client, items, [], spacy_model=SPACY_MODEL)]
        reused = client.run(lambda dask_worker: dask_worker.plugins[PLUGIN_NAME].reuse.reused_paragraphs)
    assert spread == plain
    assert sum(reused.values()) == 1  # the second task's copy was not parsed again


def test_parse_tasks_are_cut_by_files_and_by_bytes() -> None:
    from threadline.cluster import PARSE_TASK_BYTES, PARSE_TASK_JOBS, _parse_groups

    small = [(n, ParseJob(f"{n}.txt", b"x" * 10)) for n in range(PARSE_TASK_JOBS + 3)]
    assert [len(g) for g in _parse_groups(small, lambda: False)] == [PARSE_TASK_JOBS, 3]
    big = b"x" * (PARSE_TASK_BYTES // 2 + 1)
    mixed = [
        (0, ParseJob("a", big)),
        (1, ParseJob("b", big)),
        (2, ParseJob("c", b"x")),
        (3, ParseJob("d", big)),
    ]
    assert [[tag for tag, _ in g] for g in _parse_groups(mixed, lambda: False)] == [[0], [1, 2], [3]]
    assert list(_parse_groups(small, lambda: True)) == []  # a stopped run sends nothing more


def test_a_run_that_ends_normally_empties_the_work_folder(tmp_path: Path) -> None:
    """Even one with nothing left to extract (its killed predecessor had stored everything)."""
    from threadline.model import Extraction
    from threadline.store.parts import write_part

    db, work = tmp_path / "w.db", tmp_path / "work"
    command = ["ingest", str(SAMPLE), "--no-progress", "--cluster", "local:1", "--work", str(work)]
    run(db, *command)
    assert not list(work.glob("*.parquet"))
    write_part(work, [("0" * 64, Extraction([], []))])  # left by a run killed after its last commit
    report = json.loads(run(db, *command, "--json").stdout)
    assert report["documents_added"] == 0 and not list(work.glob("*.parquet"))
    assert (
        "--work keeps a cluster's extractions"
        in run(db, *command[:3], "--work", str(work), check=False).stderr
    )
