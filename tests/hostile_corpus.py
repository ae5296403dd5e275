"""A fixed hostile corpus for issue 9: one folder per numbered item (1-13), every file with what a correct loader
lands from it (README "Loading" states the rules). Nothing binary is committed: every byte is made here.

``.venv/bin/python -m tests.hostile_corpus OUT`` (from the repo root) writes the corpus and ``OUT/expected.json``;
``tests/test_hostile.py`` loads it through the real CLI, item by item and all at once.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
from collections import Counter
from dataclasses import asdict
from pathlib import Path

from common.settings import MAX_DEPTH, MAX_LINE_BYTES
from tests.corpus_kit import CONTEXT, DROP, MTIME, Expect, File, Item, deep, masked, message, rejects_kept, text


def item_1() -> tuple[Item, dict[str, bytes]]:
    item, files = Item(1, f"nesting deeper than MAX_DEPTH ({MAX_DEPTH}) is too_deep, never a RecursionError"), {}
    slow = File(item, "slow_deep.jsonl", "h01s")
    slow.good(), slow.blank()
    slow.bad(text(slow.mid(), raw={"properties": deep(10_000)}), "too_deep")
    slow.good(), slow.good(raw={"properties": deep(MAX_DEPTH - 1)})  # exactly MAX_DEPTH: accepted
    slow.bad(text(slow.mid(), raw={"properties": deep(MAX_DEPTH)}), "too_deep")
    fast = File(item, "fast_deep.jsonl", "h01f")
    fast.good(), fast.bad(text(fast.mid(), raw={"properties": deep(10_000)}), "too_deep"), fast.good()
    line = File(item, "array_line.ndjson", "h01a")
    line.good()
    line.bad(f"[{text(line.mid(), raw={'properties': deep(10_000)})},{text(line.mid())}]", "too_deep|not_an_object")
    line.good()
    files.update({"slow_deep.jsonl": slow.data(), "fast_deep.jsonl": fast.data(), "array_line.ndjson": line.data()})
    deep_one = text("h01d-02", raw={"properties": deep(10_000)})
    files["array_doc.json"] = f"[\n  {text('h01d-01')},\n  {deep_one},\n  {text('h01d-03')}\n]\n".encode()
    item.files["array_doc.json"] = Expect(records=3, accepted=2, rejected=1, reasons={"too_deep": 1},
                                          ids=["h01d-01", "h01d-03"])  # fmt: skip
    files["array_one_line.json"] = f"[{text('h01o-01')},{text('h01o-02', raw={'properties': deep(10_000)})}]".encode()
    item.files["array_one_line.json"] = Expect(records=2, accepted=1, rejected=1, reasons={"too_deep": 1},
                                               ids=["h01o-01"])  # fmt: skip
    elements = f"{text('h01b-01')},\n    {text('h01b-02', raw={'properties': deep(10_000)})}"
    files["batch_doc.json"] = f'{{\n  "batch": [\n    {elements}\n  ],\n  "context": {{"cpu": 2}}\n}}\n'.encode()
    item.files["batch_doc.json"] = Expect(records=2, accepted=1, rejected=1, reasons={"too_deep": 1}, ids=["h01b-01"])
    return item, files


OUT_OF_RANGE = ["0000-01-01", "9999-12-31T23:59:59Z", "1970-01-01T00:00:00Z", "2014-12-31T23:59:59Z",
                "+275760-09-13T00:00:00Z", "2099-01-01T00:00:00Z", "294247-01-10T04:00:54.775807Z"]  # fmt: skip


def item_2() -> tuple[Item, dict[str, bytes]]:
    item, files = Item(2, "timestamps out of range fall back to the next source, never a ConversionException"), {}
    for name in ("fast.jsonl", "slow.jsonl"):
        out = File(item, name, f"h02{name[0]}")
        if name == "slow.jsonl":
            out.blank()
        for bad in OUT_OF_RANGE:
            out.expect.times[out.good(timestamp=bad)] = ["2021-11-03 09:25:13.777", "received_at"]
        out.expect.times[out.good(timestamp="2021-11-03T08:00:00Z", receivedAt="9999-01-01T00:00:00Z")] = [
            "2021-11-03 08:00:00", "timestamp"]  # fmt: skip
        out.expect.times[out.good(timestamp="0000-01-01T00:00:00Z", receivedAt="9999-01-01T00:00:00Z")] = [
            "2021-06-01 00:00:00", "load_default"]  # the file's mtime  # fmt: skip
        files[name] = out.data()
    return item, files


def item_3() -> tuple[Item, dict[str, bytes]]:
    item, files = Item(3, "an escaped lone surrogate is invalid_json (kept as sent), never an InternalException"), {}
    for name in ("fast.jsonl", "slow.jsonl"):
        out = File(item, name, f"h03{name[0]}")
        if name == "slow.jsonl":
            out.blank(b"   ")
        out.good(), out.good(properties={"emoji": "\U0001f600"})  # a valid pair, written escaped below
        out.lines[-1] = out.lines[-1].replace("\U0001f600".encode(), rb"\ud83d\ude00")
        lone = [r'{"x":"\ud800"}', r'{"x":"abc\ud83d"}', r'{"x":"\ude00\ud83d"}', r'{"\udfffkey":1}']
        rejects_kept(out, [text(out.mid(), raw={"properties": value}) for value in lone], "invalid_json")
        rejects_kept(out, [text(out.mid()).replace("Shell Started", r"Shell \udfff Started")], "invalid_json")
        files[name] = out.data()
    return item, files


def item_4() -> tuple[Item, dict[str, bytes]]:
    item = Item(4, "a symlink loop among the inputs fails that path alone, never a RuntimeError")
    good = File(item, "good.jsonl", "h04")
    good.good(), good.good()
    for name in ("loop_a.json", "loop_b.json", "self.ndjson"):
        item.files[name] = Expect(status="failed", note="symlink loop")
    item.files["dangling.json"] = Expect(status="failed", note="broken symlink")
    return item, {"good.jsonl": good.data()}


LINKS = {"item04": {"loop_a.json": "loop_b.json", "loop_b.json": "loop_a.json", "self.ndjson": "self.ndjson",
                    "dangling.json": "missing.json", "up": ".."},
         "item08": {"link.jsonl": "a.jsonl"}}  # fmt: skip

NAMES = [b"bad-\xff\xfe-name.jsonl", b"latin-\xe9.json.gz", b"*.json", b"a[1].json", b"a1.json", b"q?.ndjson",
         b"x'; drop table raw.events; --.json", b"new\nline.json", "donn\u00e9es-\u00fcn\u00efcode.json".encode(),
         b"back\\slash.json", b"-rf .json", b"$(id).jsonl"]  # fmt: skip


def item_5() -> tuple[Item, dict[str, bytes]]:
    item, files = Item(5, "file names that are not UTF-8 or look like globs, SQL or options load as themselves"), {}
    for number, name in enumerate(NAMES):
        out = File(item, os.fsdecode(name), f"h05-{number:02d}")
        out.good(), out.good()
        data = out.data()
        files[os.fsdecode(name)] = gzip.compress(data, mtime=0) if name.endswith(b".gz") else data
    return item, files


def item_6() -> tuple[Item, dict[str, bytes]]:
    item, files = Item(6, "a message with a top-level batch list is a message (one record per line)"), {}
    for name, newline in (("slow.jsonl", b"\n"), ("fast.jsonl", b"\n"), ("crlf.jsonl", b"\r\n")):
        out = File(item, name, f"h06{name[0]}")
        out.good(batch=[1, 2])
        if name == "slow.jsonl":
            out.blank()
        out.good(batch=[message("h06-not-a-record")]), out.good()
        files[name] = out.data(newline)
    return item, files


def item_7() -> tuple[Item, dict[str, bytes]]:
    item, files = Item(7, "an array line is one not_an_object reject kept whole; a whole-file [] is one reject"), {}
    for name in ("lines.ndjson", "slow.ndjson"):
        out = File(item, name, f"h07{name[0]}")
        out.good()
        if name == "slow.ndjson":
            out.blank()
        rejects_kept(out, ["[]", "[1,2]", f"[{text('h07-not-1')},{text('h07-not-2')}]", "[ ]"], "not_an_object")
        out.good()
        files[name] = out.data()
    for name, data in (("empty_doc.json", b"[]\n"), ("empty_pretty.json", b"[\n]\n")):
        files[name] = data
        item.files[name] = Expect(records=1, rejected=1, reasons={"not_an_object": 1}, note="empty")
    files["array_doc.json"] = f"[\n  1,\n  {text('h07d-01')}\n]\n".encode()
    item.files["array_doc.json"] = Expect(records=2, accepted=1, rejected=1, reasons={"not_an_object": 1},
                                          ids=["h07d-01"])  # fmt: skip
    return item, files


def item_8() -> tuple[Item, dict[str, bytes]]:
    item = Item(8, "a second byte-identical file in one run is skipped as the same content, not loaded twice")
    first = File(item, "a.jsonl", "h08")
    first.good(), first.good(), first.bad("not json", "invalid_json")
    for name in ("b.jsonl", "sub/c.jsonl"):
        item.files[name] = Expect(status="skipped", note="same content as")
    return item, {"a.jsonl": first.data(), "b.jsonl": first.data(), "sub/c.jsonl": first.data()}


def item_9() -> tuple[Item, dict[str, bytes]]:
    item, files = Item(9, "lines with control characters are invalid_json with raw_line and the exact raw_bytes"), {}
    for name, newline in (("lf.jsonl", b"\n"), ("crlf.jsonl", b"\r\n"), ("blank.jsonl", b"\n")):
        out = File(item, name, f"h09{name[:2]}")
        if name == "blank.jsonl":
            out.blank()
        out.good()
        line = text(out.mid(), properties={"x": "a@b"}).encode()
        controls = [line.replace(b"@", bytes([code])) for code in (0x00, 0x01, 0x09, 0x1F)]
        controls += [line.replace(b'"event"', b'\x00 "event"'), b"\x00"]
        rejects_kept(out, controls, "invalid_json", as_bytes=True)
        out.good(properties={"del": "a\x7fb"})  # DEL is not a control character in JSON
        out.good(raw={"escaped": '"a\\u0000b"'})  # an escaped NUL is valid JSON
        files[name] = out.data(newline)
    return item, files


def item_10() -> tuple[Item, dict[str, bytes]]:
    item, files = Item(10, "NaN and Infinity are invalid_json on both paths; huge and odd numbers are valid"), {}
    for name in ("fast.jsonl", "slow.jsonl"):
        out = File(item, name, f"h10{name[0]}")
        if name == "slow.jsonl":
            out.blank()
        out.good()
        for literal in ("NaN", "Infinity", "-Infinity"):
            out.bad(text(out.mid(), raw={"properties": f'{{"x":{literal}}}'}), "invalid_json")
        out.bad(text(out.mid(), raw={"score": "NaN"}), "invalid_json")
        for number in ("1e400", "-0", "123456789012345678901234567890", "-1.5e-400", '"NaN"'):
            out.good(raw={"properties": f'{{"x":{number}}}'})
        files[name] = out.data()
    return item, files


def item_11() -> tuple[Item, dict[str, bytes]]:
    item, files = Item(11, "no writeKey value is stored, however spelled or nested; rejected lines are masked"), {}
    secret = {tag: f"SECRET11{tag}x7q" for tag in "ABCDEFGHIJKLMNOPQRSTUVWXY"}
    clean = File(item, "clean.jsonl", "h11c")
    clean.good(writeKey=secret["A"])
    clean.good(raw={"wri\\u0074eKey": f'"{secret["B"]}"'})
    clean.good(context={**CONTEXT, "writeKey": secret["C"]})
    clean.good(properties={"a": {"b": [{"WriteKey": secret["D"]}]}})
    clean.good(raw={"WRITEKEY": f'"{secret["E"]}"'})
    clean.good(raw={"writeKey": '"\\u0053' + secret["F"][1:] + '"'})  # the value itself escaped
    clean.good(raw={"writeKey": "918273645546372819"})
    clean.good(raw={"writeKey": f'{{"k":"{secret["G"]}"}}'})
    masked(clean, text(clean.mid(), userId=DROP, writeKey=secret["H"]), secret["H"], "missing_user_id")
    slow = File(item, "slow.jsonl", "h11s")
    slow.blank(), slow.good()
    masked(slow, f'{{"writeKey":"{secret["I"]}","event":"Shell Started","userId":', secret["I"], "invalid_json")
    masked(slow, text(slow.mid(), event="", raw={"wri\\u0074eKey": f'"{secret["J"]}"'}), secret["J"], "missing_event")
    masked(slow, text(slow.mid(), writeKey=secret["K"]).encode().replace(b"Shell", b"Sh\xffell"), secret["K"],
            "invalid_utf8")  # fmt: skip
    masked(slow, text(slow.mid(), writeKey=secret["L"], pad="x" * MAX_LINE_BYTES), secret["L"], "too_large")
    slow.expect.masked[len(slow.lines)][1] = ""  # too_large keeps a preview: only the start is compared
    masked(slow, f"[{text(slow.mid(), writeKey=secret['M'])}]", secret["M"], "not_an_object")
    masked(slow, text(slow.mid(), userId=DROP, context={"WriteKey": secret["N"]}), secret["N"], "missing_user_id")
    damaged_keys(slow, secret)
    files.update({"clean.jsonl": clean.data(), "slow.jsonl": slow.data()})
    batch = {"batch": [message("h11b-01", writeKey=secret["O"]), message("h11b-02")], "writeKey": secret["P"]}
    files["batch.json"] = (json.dumps(batch, indent=2) + "\n").encode()
    item.files["batch.json"] = Expect(records=2, accepted=2, ids=["h11b-01", "h11b-02"])
    item.secrets = [value for tag, value in secret.items() if tag != "F"] + [secret["F"][1:], "918273645546372819"]
    return item, files


def damaged_keys(out: File, secret: dict[str, str]) -> None:
    """Found by tests/test_fuzz.py: damage (an invalid byte, a raw control character) inside or next to a writeKey
    member, or before it, hid the key from the masking; the rule reads the line without its damage."""
    keys = ((b'"writeKey"\xff', "Q", "invalid_utf8"), (b'"\\u00\xff77riteKey"', "R", "invalid_utf8"),
            (b'"wri\\\x01u0074eKey"', "S", "invalid_json"), (b'"wri\\\xffu0074eKey"', "X", "invalid_utf8"),
            (b'"\\\xffu0077riteKey"', "Y", "invalid_utf8"))  # fmt: skip
    for key, tag, reason in keys:
        line = text(out.mid(), context={"os": "@KEY@"}).encode()
        masked(out, line.replace(b'"os":"@KEY@"', key + b':"' + secret[tag].encode() + b'"'), secret[tag], reason)
    for damage, tag, reason in ((b"\xff", "T", "invalid_utf8"), (b"\x01", "U", "invalid_json")):
        escaped = text(out.mid(), raw={'q\\"uote': "1", "writeKey": f'"{secret[tag]}"'}).encode()  # "q\"uote"
        masked(out, escaped.replace(b'q\\"', b"q\\" + damage + b'"'), secret[tag], reason)  # a damaged \"
    after = text(out.mid(), raw={"writeKey": f'"{secret["V"]}"\udcff'}).encode("utf-8", "surrogateescape")
    masked(out, after, secret["V"], "invalid_utf8")  # the byte after the value is kept: only the value is masked
    number = out.bad(b'{"writeKey":"a\xff" "writeKey":"' + secret["W"].encode() + b'"}', "invalid_utf8")
    out.expect.kept_bytes[number] = '{"writeKey":"***"}'  # a broken value runs on to the next , } or ]: one mask


def item_plain(number: int, title: str, names: list[str]) -> tuple[Item, dict[str, bytes]]:
    item, files = Item(number, title), {}
    for index, name in enumerate(names):
        out = File(item, name, f"h{number:02d}-{index}")
        out.good(), out.good(), out.good()
        files[name] = out.data()
    return item, files


def build() -> list[tuple[Item, dict[str, bytes]]]:
    return [
        item_1(), item_2(), item_3(), item_4(), item_5(), item_6(), item_7(), item_8(), item_9(), item_10(),
        item_11(),
        item_plain(12, "loaders started at once on a new warehouse: each loads, or exits 3 with one plain line",
                   [f"part{n}.jsonl" for n in range(1, 5)] + ["shared.jsonl"]),
        item_plain(13, "--wait waits for a held warehouse; dbt waits for a running load", ["wait.jsonl"]),
    ]  # fmt: skip


def write(out: Path) -> list[Item]:
    """Write the corpus under ``out`` (one folder per item) and return what each file must become."""
    items = []
    for item, files in build():
        folder = out / item.folder
        for name, data in files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            os.utime(path, (MTIME, MTIME))
        for name, target in LINKS.get(item.folder, {}).items():
            os.symlink(target, folder / name)
        items.append(item)
    return items


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.hostile_corpus OUT", file=sys.stderr)
        return 2
    out = Path(argv[0])
    items = write(out)
    counts = Counter(expect.status for item in items for expect in item.files.values())
    expected = {item.folder: {"title": item.title, "files": {os.fsencode(name).decode("utf-8", "backslashreplace"):
                asdict(expect) for name, expect in item.files.items()}} for item in items}  # fmt: skip
    (out / "expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(items)} items, {sum(counts.values())} files ({dict(counts)}) -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
