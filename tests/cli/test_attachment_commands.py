"""`hubdesk attach` and `hubdesk attachment save|list`, end to end through `cli.main`: a file's
type is read from its bytes, what HubDesk does not take is refused in one plain line (never a
traceback), and a saved file is the very bytes attached."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Cli

PDF = b"%PDF-1.7\n% a signed safety plan, scanned\n%%EOF\n"


def test_attach_list_and_save_a_scan(run: Cli, tmp_path: Path) -> None:
    status, pid, err = run("case", "add", "--given-name", "Nia", "--family-name", "O'Brien")
    assert status == 0, err
    scan = tmp_path / "signed plan.pdf"
    scan.write_bytes(PDF)
    status, record, err = run(
        "attach", "--young-person", pid, "--file", str(scan), "--purpose", "signed_plan_scan"
    )
    assert status == 0, err
    status, out, err = run("attachment", "list", "--young-person", pid)
    assert status == 0, err
    assert out.splitlines() == [
        f"{record}  signed plan scan {f'{len(PDF)} bytes':>9}  signed plan.pdf",
        "1 attached files",
    ]
    saved = tmp_path / "copy.pdf"
    status, out, err = run("attachment", "save", "--id", record, "--out", str(saved))
    assert status == 0, err
    assert out == f"Saved {len(PDF)} bytes to {saved}. Keep it safe: it is not encrypted there."
    assert saved.read_bytes() == PDF
    status, _, err = run("attachment", "save", "--id", record, "--out", str(saved))
    assert (status, err) == (1, f"{saved} already exists; choose another name.")


def test_what_hubdesk_does_not_take_is_refused_in_one_line(run: Cli, tmp_path: Path) -> None:
    status, pid, err = run("case", "add", "--given-name", "Kai", "--family-name", "Lund")
    assert status == 0, err
    text = tmp_path / "notes.txt"
    text.write_text("not a scan", encoding="utf-8")
    huge = tmp_path / "huge.pdf"
    with huge.open("wb") as out:
        out.write(PDF)
        out.truncate(20 * 1024 * 1024 + 1)
    pdf = tmp_path / "plan.pdf"
    pdf.write_bytes(PDF)
    cases = [
        (["--file", str(text)], 2, f"{text} is not a PDF, PNG or JPEG file."),
        (
            ["--file", str(huge)],
            2,
            f"{huge} is larger than 20 MiB, the most a file attached to a case may hold.",
        ),
        (
            ["--file", str(tmp_path / "absent.pdf")],
            2,
            f"{tmp_path / 'absent.pdf'} cannot be read (No such file or directory).",
        ),
        (["--file", str(tmp_path)], 2, f"{tmp_path} is a folder; give a file."),
    ]
    for options, expected_status, words in cases:
        status, _, err = run("attach", "--young-person", pid, "--purpose", "signature", *options)
        assert (status, err) == (expected_status, words)
    status, _, err = run(
        "attach", "--young-person", "nobody", "--purpose", "signature", "--file", str(pdf)
    )
    assert (status, err) == (1, "There is no young person's record with id nobody in this vault.")
    status, _, err = run("attachment", "save", "--id", "nothing", "--out", str(tmp_path / "x"))
    assert (status, err) == (1, "There is no attachment with id nothing in this vault.")
    assert not (tmp_path / "x").exists()
