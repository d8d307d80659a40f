"""The input check of `make all`: a changed input means a run, prepared by byte-compiling."""

from __future__ import annotations

from pipeline import inputs


def test_the_package_is_byte_compiled_only_when_a_run_follows(tmp_path, monkeypatch):
    compiled = []
    monkeypatch.setattr(inputs, "compile_package", lambda: compiled.append(True))
    data = tmp_path / "returns"
    data.mkdir()
    (data / "Barnet return.xlsx").write_bytes(b"PK")
    stamp = tmp_path / "out" / ".inputs"
    assert inputs.main(["unchanged", str(stamp), str(data)]) == 1  # never run: a run follows
    assert compiled == [True]
    inputs.main(["record", str(stamp)])
    assert inputs.main(["unchanged", str(stamp), str(data)]) == 0  # as recorded: no run
    assert compiled == [True]
    (data / "Barnet return.xlsx").write_bytes(b"PK, a new version")
    assert inputs.main(["unchanged", str(stamp), str(data)]) == 1
    assert compiled == [True, True]
