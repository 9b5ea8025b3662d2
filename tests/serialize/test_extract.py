"""extract_archive (axonml/serialize/extract.py): what it extracts, what it refuses, and its caps."""
import io
import os
import tarfile
import zipfile

import pytest

from axonml.serialize import ArchiveError, extract_archive


def _tar(path, members, mode="w:gz"):
    with tarfile.open(path, mode) as t:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            info.type = kind
            if kind == tarfile.REGTYPE:
                info.size = len(payload)
                t.addfile(info, io.BytesIO(payload))
            else:
                info.linkname = payload
                t.addfile(info)


def test_zip_and_tar_extract_with_dirs_links_and_hardlinks(tmp_path):
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as z:
        z.writestr("data/train.csv", "1,2\n")
        z.writestr("data/", "")
        z.writestr("README", "hi")
    written = extract_archive(tmp_path / "a.zip", tmp_path / "out")
    assert (tmp_path / "out" / "data" / "train.csv").read_text() == "1,2\n"
    assert len(written) == 3
    _tar(tmp_path / "b.tar.gz", [("pkg/file.txt", tarfile.REGTYPE, b"body"), ("pkg/link", tarfile.SYMTYPE, "file.txt"),
                                 ("pkg/hard", tarfile.LNKTYPE, "pkg/file.txt")])
    extract_archive(tmp_path / "b.tar.gz", tmp_path / "out2")
    assert (tmp_path / "out2" / "pkg" / "link").read_text() == "body"
    assert os.path.islink(tmp_path / "out2" / "pkg" / "link")
    assert (tmp_path / "out2" / "pkg" / "hard").read_text() == "body"


@pytest.mark.parametrize("name", ["../x", "/abs/x", "a/../../x", "..\\x", "C:/x"])
def test_escaping_names_are_refused_and_not_made_relative(tmp_path, name):
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as z:
        z.writestr("fine.txt", "ok")
        z.writestr(name, "evil")
    with pytest.raises(ArchiveError, match="absolute|climbs"):
        extract_archive(tmp_path / "bad.zip", tmp_path / "out")
    assert os.listdir(tmp_path / "out") == []      # checked before anything was written


@pytest.mark.parametrize("kind, target", [(tarfile.SYMTYPE, "/etc"), (tarfile.SYMTYPE, "../.."),
                                          (tarfile.LNKTYPE, "/etc/passwd"), (tarfile.LNKTYPE, "missing")])
def test_escaping_links_are_refused(tmp_path, kind, target):
    _tar(tmp_path / "bad.tar", [("link", kind, target)], mode="w")
    with pytest.raises(ArchiveError, match="link"):
        extract_archive(tmp_path / "bad.tar", tmp_path / "out")


def test_caps_on_size_and_count_are_configurable_and_checked_before_writing(tmp_path):
    with zipfile.ZipFile(tmp_path / "many.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(11):
            z.writestr(f"f{i}", b"\x00" * 1000)
    with pytest.raises(ArchiveError, match="more than 10 members"):
        extract_archive(tmp_path / "many.zip", tmp_path / "a", max_files=10)
    with pytest.raises(ArchiveError, match="more than 5000 bytes"):
        extract_archive(tmp_path / "many.zip", tmp_path / "b", max_total_size=5000)
    assert os.listdir(tmp_path / "a") == [] and os.listdir(tmp_path / "b") == []
    assert len(extract_archive(tmp_path / "many.zip", tmp_path / "c", max_files=11)) == 11


def test_a_member_that_lies_about_its_size_fails_and_leaves_nothing(tmp_path):
    import struct
    with zipfile.ZipFile(tmp_path / "lie.zip", "w") as z:
        z.writestr("first.txt", b"fine")
        z.writestr("second.bin", b"y" * 4096)
    data = bytearray((tmp_path / "lie.zip").read_bytes())
    central = data.rfind(b"PK\x01\x02")                     # the second member's central directory entry
    data[central + 20:central + 28] = struct.pack("<II", 10, 10)   # compressed and uncompressed size: 10
    (tmp_path / "lie.zip").write_bytes(bytes(data))
    with pytest.raises(ArchiveError, match="corrupt"):
        extract_archive(tmp_path / "lie.zip", tmp_path / "out")
    assert os.listdir(tmp_path / "out") == []               # first.txt was written, then removed again


def test_a_missing_archive_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        extract_archive(tmp_path / "none.zip", tmp_path / "out")
