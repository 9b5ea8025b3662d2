"""ImageFolder and DatasetFolder on a directory of real PNG and JPEG files written by the test."""
import numpy as np
import pytest
from PIL import Image

import axonml
from axonml.data import DataLoader
from axonml.vision import transforms as T
from axonml.vision.datasets import DatasetFolder, ImageFolder


@pytest.fixture
def image_tree(tmp_path, rng):
    """root/<class>/<files>: cats (PNG), dogs (JPEG and PNG in a subfolder), and a stray text file."""
    images = {}
    for cls, names in (("cat", ["a.png", "b.PNG"]), ("dog", ["c.jpg", "nested/d.png", "e.jpeg"])):
        for name in names:
            path = tmp_path / cls / name
            path.parent.mkdir(parents=True, exist_ok=True)
            array = rng.integers(0, 256, (12, 10, 3), dtype=np.uint8)
            Image.fromarray(array).save(path, quality=95) if name.lower().endswith(("jpg", "jpeg")) else \
                Image.fromarray(array).save(path)
            images[str(path)] = array
    (tmp_path / "dog" / "notes.txt").write_text("not an image")
    (tmp_path / "grey").mkdir()
    Image.fromarray(rng.integers(0, 256, (12, 10), dtype=np.uint8)).save(tmp_path / "grey" / "g.png")
    return tmp_path, images


def test_image_folder_lists_classes_and_samples(image_tree):
    root, images = image_tree
    dataset = ImageFolder(root)
    assert dataset.classes == ["cat", "dog", "grey"]
    assert dataset.class_to_idx == {"cat": 0, "dog": 1, "grey": 2}
    names = [p.split(str(root))[1] for p, _ in dataset.samples]
    assert names == ["/cat/a.png", "/cat/b.PNG", "/dog/c.jpg", "/dog/e.jpeg", "/dog/nested/d.png", "/grey/g.png"]
    assert dataset.targets == [0, 0, 1, 1, 1, 2] and dataset.imgs == dataset.samples
    image, label = dataset[0]
    assert isinstance(image, Image.Image) and image.mode == "RGB" and label == 0
    np.testing.assert_array_equal(np.asarray(image), images[dataset.samples[0][0]])
    grey, _ = dataset[5]
    assert grey.mode == "RGB"
    jpeg, _ = dataset[2]
    np.testing.assert_array_equal(np.asarray(jpeg), np.asarray(Image.open(dataset.samples[2][0]).convert("RGB")))
    assert "Number of datapoints: 6" in repr(dataset)


def test_image_folder_with_transforms_feeds_a_dataloader(image_tree):
    root, _ = image_tree
    dataset = ImageFolder(root, transform=T.Compose([T.Resize((8, 8)), T.ToTensor()]),
                          target_transform=lambda y: y * 10)
    batch, labels = next(iter(DataLoader(dataset, batch_size=6)))
    assert batch.shape == (6, 3, 8, 8) and batch.dtype == axonml.float32
    assert labels.numpy().tolist() == [0, 0, 10, 10, 10, 20]


def test_dataset_folder_with_its_own_loader_and_filters(image_tree):
    root, _ = image_tree
    texts = DatasetFolder(root, loader=lambda p: open(p).read(), extensions=(".txt",), allow_empty=True)
    assert [s[1] for s in texts.samples] == [1] and texts[0][0] == "not an image"
    pngs = ImageFolder(root, is_valid_file=lambda p: p.endswith(".png"))
    assert len(pngs) == 3
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes cat, grey"):
        DatasetFolder(root, loader=open, extensions=(".txt",))
    with pytest.raises(ValueError, match="Both extensions and is_valid_file"):
        DatasetFolder(root, loader=open, extensions=(".txt",), is_valid_file=lambda p: True)
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        ImageFolder(root / "cat")
