"""TextClassificationDataset and LanguageModelDataset on files the tests write."""
import numpy as np
import pytest

import axonml
from axonml.data import DataLoader
from axonml.text import ByteLevelBPETokenizer, LanguageModelDataset, TextClassificationDataset, WhitespaceTokenizer


def test_classification_from_a_tsv_file(tmp_path):
    (tmp_path / "data.tsv").write_text("pos\tA fine play.\nneg\tDull\tand long.\n\nneu\tNeither.\n",
                                       encoding="utf-8")
    ds = TextClassificationDataset(tmp_path / "data.tsv")
    assert ds.classes == ["neg", "neu", "pos"] and len(ds) == 3
    assert ds[0] == ("A fine play.", 2) and ds[1] == ("Dull\tand long.", 0)
    tok = WhitespaceTokenizer()
    tok.train(ds.texts)
    ids, label = TextClassificationDataset(tmp_path / "data.tsv", tokenizer=tok)[0]
    assert ids.dtype == axonml.int64 and ids.tolist() == tok.encode("A fine play.") and label == 2
    (tmp_path / "bad.tsv").write_text("pos\tok\nno tab here\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2"):
        TextClassificationDataset(tmp_path / "bad.tsv")


def test_classification_from_class_folders(tmp_path, hamlet, macbeth):
    for name, text in (("hamlet", hamlet), ("macbeth", macbeth)):
        (tmp_path / name).mkdir()
        for i, chunk in enumerate(text.split("\n\n")[10:14]):
            (tmp_path / name / f"{i}.txt").write_text(chunk, encoding="utf-8")
    (tmp_path / "hamlet" / "notes.md").write_text("ignored", encoding="utf-8")
    ds = TextClassificationDataset(tmp_path, transform=str.upper)
    assert len(ds) == 8 and ds.class_to_idx == {"hamlet": 0, "macbeth": 1}
    assert ds.targets == [0] * 4 + [1] * 4
    assert ds[5][0] == macbeth.split("\n\n")[11].upper()
    with pytest.raises(FileNotFoundError):
        TextClassificationDataset(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(RuntimeError, match="no samples"):
        TextClassificationDataset(tmp_path / "empty")


def test_language_model_windows(tmp_path, hamlet):
    path = tmp_path / "hamlet.txt"
    path.write_text(hamlet[:20000], encoding="utf-8")
    tok = ByteLevelBPETokenizer()
    tok.train(hamlet[:20000].splitlines(), vocab_size=400)
    stream = np.array(tok.encode(hamlet[:20000]))
    ds = LanguageModelDataset(path, tok, seq_len=32)
    assert len(ds) == (len(stream) - 33) // 32 + 1
    inputs, targets = ds[3]
    np.testing.assert_array_equal(inputs.numpy(), stream[96:128])
    np.testing.assert_array_equal(targets.numpy(), stream[97:129])
    last_inputs, _ = ds[-1]
    np.testing.assert_array_equal(last_inputs.numpy(), ds[len(ds) - 1][0].numpy())
    overlapping = LanguageModelDataset([path, path], tok, seq_len=16, stride=8)
    assert len(overlapping) == (2 * len(stream) - 17) // 8 + 1
    batch_inputs, batch_targets = next(iter(DataLoader(ds, batch_size=4)))
    assert batch_inputs.shape == (4, 32) and batch_targets.dtype == axonml.int64
    with pytest.raises(IndexError):
        ds[len(ds)]
    with pytest.raises(ValueError, match="seq_len"):
        LanguageModelDataset(path, tok, seq_len=0)
    with pytest.raises(ValueError, match="fewer than"):
        LanguageModelDataset(path, tok, seq_len=10 ** 6)
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(ValueError, match="utf-8"):
        LanguageModelDataset(tmp_path / "latin1.txt", tok, seq_len=2)
